// The decisions behind the editor's first day: which files get which commands, what Deploy Locally
// deploys from a script, what the user is told, requests, registration questions and log follows.
import { strict as assert } from 'assert';
import { test } from 'node:test';
import { configToDeploy } from '../endpoints/deployTarget';
import { deploymentKey, LogFollows, readLogLines } from '../endpoints/logFollows';
import { COPY_URI, GO_TO_LINE, outcomeMessage, SHOW_LOG, TEST_ENDPOINT } from '../endpoints/outcome';
import { requestFileName, requestProblem, requestTarget, responseText } from '../endpoints/requests';
import { Deployment, endpointEntry, endpointState, listOptions } from '../endpoints/tree';
import { contextKeys, readFileKinds, roleOf } from '../fileKinds';
import { askRegistration, parseTags, versionProblem } from '../models/commands';
import { fakeServer, FakeUi } from './fakes';

const kinds = readFileKinds({
    deployable: ['/w/blue-deployment.yml'], scripts: ['/w/src/score.py'], models: ['/w/model.yml'], unexpected: 1,
});

test('deployments and their scripts get Deploy and Debug; model YAMLs get Register Model; nothing else does', () => {
    assert.deepEqual(contextKeys(kinds), {
        'amlDeploy.deployableFiles': ['/w/blue-deployment.yml', '/w/src/score.py'],
        'amlDeploy.modelFiles': ['/w/model.yml'],
    });
    assert.equal(roleOf(kinds, '/w/environment/conda.yaml'), 'unknown');
    assert.equal(roleOf(kinds, '/w/sample-request.json'), 'unknown');
    assert.equal(roleOf(kinds, '/w/other.py'), 'script');
    assert.deepEqual(readFileKinds({ deployable: 'not a list' }), { deployable: [], scripts: [], models: [] });
});

test('Deploy Locally on a deployment deploys it, asking the server nothing', async () => {
    const server = fakeServer({});
    assert.equal(await configToDeploy(new FakeUi(), server.call, '/w/blue-deployment.yml', kinds, false), '/w/blue-deployment.yml');
    assert.deepEqual(server.calls, []);
});

test('Deploy Locally on a scoring script deploys the one deployment that runs it', async () => {
    const server = fakeServer({ 'amlDeploy.server.deploymentsUsing': [{ deployments: [{ config: '/w/blue-deployment.yml', name: 'blue', endpoint: 'ep' }] }] });
    assert.equal(await configToDeploy(new FakeUi(), server.call, '/w/src/score.py', kinds, false), '/w/blue-deployment.yml');
    assert.deepEqual(server.calls, [['amlDeploy.server.deploymentsUsing', { file: '/w/src/score.py' }]]);
});

test('with several deployments it asks which; with none it says what to do', async () => {
    const two = { deployments: [{ config: '/w/blue.yml', name: 'blue', endpoint: 'ep' }, { config: '/w/green.yml', name: 'green', endpoint: 'ep' }] };
    const ui = new FakeUi({ 'Debug which deployment of score.py?': 'ep/green' });
    const server = fakeServer({ 'amlDeploy.server.deploymentsUsing': [two, { deployments: [] }] });
    assert.equal(await configToDeploy(ui, server.call, '/w/src/score.py', kinds, true), '/w/green.yml');
    const none = new FakeUi();
    assert.equal(await configToDeploy(none, server.call, '/w/src/score.py', kinds, false), undefined);
    assert.match(none.shown[0], /^error: No deployment in this workspace uses score\.py/);
    assert.doesNotMatch(none.shown[0], /is a not/);
});

test('a model YAML is not deployed: the user is told to register it', async () => {
    const ui = new FakeUi();
    assert.equal(await configToDeploy(ui, fakeServer({}).call, '/w/model.yml', kinds, false), undefined);
    assert.match(ui.shown[0], /model\.yml is a model YAML: register it/);
});

const state = (extra: Partial<Deployment>): Deployment => ({ endpoint: 'ep', name: 'blue', provisioning_state: 'Succeeded', ...extra });

test('a ready deployment offers Test Endpoint and Copy URI', () => {
    const message = outcomeMessage(state({ scoring_uri: 'http://127.0.0.1:5001/score', restarted_in_place: true }));
    assert.equal(message.level, 'info');
    assert.equal(message.text, 'ep/blue is ready at http://127.0.0.1:5001/score (restarted in place).');
    assert.deepEqual(message.actions, [TEST_ENDPOINT, COPY_URI]);
});

test('a failed build says its reason first and offers its log', () => {
    const failure = { message: 'the environment image did not build: ERROR: No matching distribution found for nump', log: 'Step 1/5 : FROM x\n...' };
    const message = outcomeMessage(state({ provisioning_state: 'Failed', failure }));
    assert.equal(message.level, 'error');
    assert.equal(message.text, `ep/blue failed: ${failure.message}`);
    assert.deepEqual(message.actions, [SHOW_LOG]);
    const raised = outcomeMessage(state({ provisioning_state: 'Failed', failure: { message: 'ValueError: x', path: '/w/src/score.py', line: 7, log: 'Traceback' } }),
        (file) => file.replace('/w/', ''));
    assert.equal(raised.text, 'ep/blue failed: ValueError: x (src/score.py:7)');
    assert.deepEqual(raised.actions, [GO_TO_LINE, SHOW_LOG]);
});

test('one request file per deployment, named so that it reads back', () => {
    assert.equal(requestFileName('ep', 'blue'), 'ep.blue.json');
    assert.deepEqual(requestTarget(requestFileName('my-endpoint', 'green-2')), { endpoint: 'my-endpoint', deployment: 'green-2' });
    assert.equal(requestTarget('notes.json'), undefined);
});

test('a request that is not JSON is refused with where the parse failed', () => {
    assert.equal(requestProblem('{"data": [[1, 2]]}'), undefined);
    const problem = requestProblem('{\n  "data": [1, 2\n}') ?? '';
    assert.match(problem, /^The request is not valid JSON: .+ at line 3, column 1\. Nothing was sent\.$/);
    assert.match(requestProblem('  ') ?? '', /empty/);
});

test('a response reads as its status and pretty JSON', () => {
    const text = responseText('ep/blue', 200, '[9.0]', 35, new Date(2026, 0, 1, 12, 0, 0));
    assert.match(text, /^\/\/ ep\/blue: HTTP 200 in 35 ms, /);
    assert.ok(text.endsWith('\n[\n  9\n]\n'));
    assert.ok(responseText('ep/blue', 500, 'boom', 1, new Date()).endsWith('\nboom\n'));
    const explained = responseText('ep/blue', 429, '{}', 1, new Date(), '429: more requests were in flight');
    assert.match(explained, /\n\/\/ 429: more requests were in flight\n/);
});

test('registration asks for name, version, description and tags, each optional but the name', async () => {
    const ui = new FakeUi({ 'Register model.pkl': 'sample', 'version': '3', 'description': 'a model', 'tags': 'stage=dev, owner = me' });
    const args = await askRegistration(ui, '/w/model.pkl', '^[A-Za-z0-9][A-Za-z0-9\\-_.]{0,254}$');
    assert.deepEqual(args, { path: '/w/model.pkl', name: 'sample', version: '3', description: 'a model', tags: { stage: 'dev', owner: 'me' } });
    const empty = new FakeUi({ 'Register model.pkl': 'sample', 'version': '', 'description': '', 'tags': '' });
    assert.deepEqual(await askRegistration(empty, '/w/model.pkl', '.*'), { path: '/w/model.pkl', name: 'sample', tags: {} });
    const cancelled = new FakeUi({ 'Register model.pkl': 'sample' }); // Escape on the version
    assert.equal(await askRegistration(cancelled, '/w/model.pkl', '.*'), undefined);
});

test('a quick fix preset fills in the name and version', async () => {
    const asked: string[] = [];
    const ui = new FakeUi({ 'Register model.pkl': 'sample', 'version': '5', 'description': '', 'tags': '' });
    const original = ui.input.bind(ui);
    ui.input = (options) => {
        asked.push(`${options.title}=${options.value}`);
        return original(options);
    };
    await askRegistration(ui, '/w/model.pkl', '.*', { name: 'sample', version: '5' });
    assert.deepEqual(asked.slice(0, 2), ['Register model.pkl=sample', 'Register sample: version (optional)=5']);
});

test('versions and tags are checked as the registry checks them', () => {
    assert.equal(versionProblem(''), undefined);
    assert.equal(versionProblem('1.2-rc_1'), undefined);
    assert.notEqual(versionProblem('-1'), undefined);
    assert.deepEqual(parseTags('a=1,b = two words'), { tags: { a: '1', b: 'two words' } });
    assert.equal(parseTags('a=1, oops').problem, '"oops" is not key=value');
});

test('log lines go to the deployment that asked; an ended follow is forgotten', () => {
    const follows = new LogFollows();
    follows.start(deploymentKey('ep', 'blue'), 'f1');
    assert.equal(follows.receive(readLogLines({ follow: 'f1', lines: ['a'], ended: false })!), 'ep/blue');
    assert.equal(follows.following('ep/blue'), 'f1');
    assert.equal(follows.receive(readLogLines({ follow: 'f1', lines: [], ended: true, message: 'the container stopped' })!), 'ep/blue');
    assert.equal(follows.following('ep/blue'), undefined);
    assert.equal(follows.receive(readLogLines({ follow: 'other', lines: ['x'], ended: false })!), undefined);
    assert.equal(readLogLines({ lines: [] }), undefined);
});

test('a deployment waiting for its debugger says so, and so does its endpoint', () => {
    const waiting = state({ provisioning_state: 'WaitingForDebugger', debug_port: 5678, port: 5001 });
    const endpoint = { name: 'ep', provisioning_state: 'Creating', deployments: [waiting] };
    assert.equal(endpointState(endpoint), 'WaitingForDebugger');
    assert.equal(endpointEntry({ kind: 'endpoint', endpoint }).description, 'waiting for debugger');
    const row = endpointEntry({ kind: 'deployment', deployment: waiting });
    assert.equal(row.description, 'waiting for debugger · port 5001 · debugger 127.0.0.1:5678');
    assert.equal(row.icon, 'debug-pause');
});

test('the view asks for this workspace\'s endpoints unless all are wanted', () => {
    assert.deepEqual(listOptions(false, ['/w']), { workspace: ['/w'] });
    assert.deepEqual(listOptions(true, ['/w']), {});
    assert.deepEqual(listOptions(false, []), {});
});

test('a deployment whose last update failed, still serving the previous version, says so', () => {
    const problem = 'The last update failed (the environment image did not build: ERROR: ...); the previous version still runs.';
    const row = endpointEntry({ kind: 'deployment', deployment: state({ problem, port: 5001 }) });
    assert.equal(row.description, 'Succeeded · last update failed · port 5001');
    assert.equal(row.icon, 'warning:list.warningForeground');
    assert.match(row.tooltip ?? '', /the previous version still runs/);
});
