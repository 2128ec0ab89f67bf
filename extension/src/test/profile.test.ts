// Profile…: the results table, the summary, the panel's HTML, and the questions before a profile.
import { strict as assert } from 'assert';
import { test } from 'node:test';
import { chooseRequests, configurationArgs, deploymentArgs, SAMPLE_REQUEST } from '../profile/commands';
import { COLUMNS, escapeHtml, headline, levelRows, Profile, ProfileAnswer, recommendationLines, resultsHtml, summaryLines } from '../profile/results';
import { FakeUi, fakeServer } from './fakes';

const level = (concurrency: number, throughput: number, p50: number, errors = 0, requests = 100) => ({
    concurrency, seconds: 10, requests, errors, error_rate: errors / requests, throughput,
    latency_ms: { p50, p90: p50 * 1.2, p95: p50 * 1.3, p99: p50 * 1.5, 'p99.9': p50 * 2, max: p50 * 3 },
    cpu_cores: 0.5 * concurrency, memory_peak_mb: 250.44, first_error: errors ? 'HTTP 500: boom' : null,
});

const recommendation = {
    cpu: 1.3, memory_in_gb: 0.4, instance_type: 'Standard_F2s_v2', max_concurrent_requests_per_instance: 2,
    request_timeout_ms: 1000, instance_count: null, reasoning: ['cpu 1.3: the container used 1.02 cores <at> concurrency 2'],
};

const profile = (extra: Partial<Profile> = {}): Profile => ({
    name: 'ep-blue', endpoint: 'ep', deployment: 'blue', config: '/ws/blue.yml', started_deployment: true, seconds: 52.4,
    worker_count: '1', host_cores: 2, levels: [level(1, 40, 25), level(2, 75, 27), level(4, 76, 52, 3)],
    totals: { requests: 300, errors: 3, error_rate: 0.01, first_error: 'HTTP 500: boom', cpu_seconds_per_request: 0.0123,
        memory_peak_mb: 250.44, memory_steady_mb: 248.1, knee_concurrency: 2 },
    notes: [], recommendation, ...extra,
});

const answer = (extra: Partial<ProfileAnswer> = {}): ProfileAnswer => ({
    profile: profile(), chartSvg: '<?xml version="1.0"?><svg></svg>', chartHint: null, writeTargets: ['/ws/blue.yml'], ...extra,
});

test('each level is a row: throughput, percentiles, errors with their rate, CPU and memory; the knee is marked', () => {
    const rows = levelRows(profile());
    assert.equal(rows.length, 3);
    assert.equal(rows[0].length, COLUMNS.length);
    assert.deepEqual(rows[1], ['2 (knee)', '75.0', '27.0', '32.4', '35.1', '40.5', '54.0', '0', '1.00', '250']);
    assert.equal(rows[2][7], '3 (3.0%)');
    assert.equal(rows[0][0], '1');
});

test('a level without measurements shows a dash, not zero', () => {
    const bare = { ...level(1, 0, 0, 100), latency_ms: { p50: null, p90: null, p95: null, p99: null, 'p99.9': null }, cpu_cores: null };
    const [row] = levelRows(profile({ levels: [bare] }));
    assert.deepEqual(row.slice(2, 7), ['–', '–', '–', '–', '–']);
    assert.equal(row[8], '–');
    assert.equal(row[7], '100 (100.0%)');
});

test('the summary names the knee, CPU per request, memory and the first error', () => {
    const lines = summaryLines(profile({ notes: ['The load generator used most of a core at concurrency 4.'] }));
    assert.deepEqual(lines, [
        'Latency climbs after concurrency 2.', 'CPU per request: 12.3 ms.', 'Memory: peak 250 MB, steady 248 MB.',
        'Errors: 3 of 300 requests; the first: HTTP 500: boom', 'The load generator used most of a core at concurrency 4.',
    ]);
    const failing = profile({ totals: { ...profile().totals, knee_concurrency: null, first_error: null } });
    assert.equal(summaryLines(failing)[0], 'No level served without errors, so there is no knee.');
});

test('the recommendation lists the v1 and v2 settings, instance_count only when a target sized it', () => {
    assert.deepEqual(recommendationLines(recommendation), [
        'ACI/AKS: cpu 1.3, memoryInGB 0.4', 'instance_type: Standard_F2s_v2',
        'request_settings.max_concurrent_requests_per_instance: 2', 'request_settings.request_timeout_ms: 1000']);
    assert.equal(recommendationLines({ ...recommendation, instance_count: 3 }).at(-1), 'instance_count: 3');
    assert.match(headline(answer()), /ep\/blue: Standard_F2s_v2, max 2 concurrent/);
    assert.match(headline(answer({ profile: profile({ recommendation: null }) })), /no recommendation \(3 of 300 requests failed\)/);
});

test('the panel escapes what it shows, shows the chart as an image, and offers Apply per file', () => {
    const html = resultsHtml(answer({ profile: profile({ name: '<script>x</script>' }) }),
        { nonce: 'n0nce', cspSource: 'vscode-resource:', relative: (f) => f.replace('/ws/', '') });
    assert.ok(!html.includes('<script>x</script>') && html.includes('&lt;script&gt;x&lt;/script&gt;'));
    assert.ok(html.includes('&lt;at&gt;'), 'reasons are escaped');
    assert.match(html, /<img class="chart"[^>]+src="data:image\/svg\+xml;base64,/);
    assert.match(html, /<button data-target="0">Apply Recommendation to blue\.yml<\/button>/);
    assert.match(html, /script-src 'nonce-n0nce'/);
    assert.equal((html.match(/<script nonce="n0nce">/g) ?? []).length, 1);
    assert.equal((html.match(/<tr>/g) ?? []).length, 4); // the header and three levels
});

test('without a chart the panel says how to get one; without a recommendation there is nothing to apply', () => {
    const html = resultsHtml(answer({ chartSvg: null, chartHint: "pip install 'aml-deploy[charts]'", profile: profile({ recommendation: null }) }),
        { nonce: 'n', cspSource: 'c', relative: (f) => f });
    assert.ok(html.includes('aml-deploy[charts]'));
    assert.ok(!html.includes('<img'));
    assert.ok(!html.includes('<button'));
    assert.equal(escapeHtml(`a&b"'`), 'a&amp;b&quot;&#39;');
});

test('a deployment is profiled with its file, so that a stopped one can be started', () => {
    assert.deepEqual(deploymentArgs({ endpoint: 'ep', name: 'blue', provisioning_state: 'Stopped', config: '/ws/blue.yml' }),
        { endpoint: 'ep', deployment: 'blue', config: '/ws/blue.yml' });
    assert.deepEqual(deploymentArgs({ endpoint: 'ep', name: 'blue', provisioning_state: 'Succeeded' }), { endpoint: 'ep', deployment: 'blue' });
});

test('requests: the sample unless a request file is chosen; cancelling cancels', async () => {
    const relative = (f: string) => f.replace('/ws/', '');
    assert.equal(await chooseRequests(new FakeUi(), [], relative), null);
    assert.equal(await chooseRequests(new FakeUi({ 'which requests': 'load.jsonl' }), ['/ws/load.jsonl'], relative), '/ws/load.jsonl');
    assert.equal(await chooseRequests(new FakeUi({ 'which requests': SAMPLE_REQUEST }), ['/ws/load.jsonl'], relative), null);
    assert.equal(await chooseRequests(new FakeUi(), ['/ws/load.jsonl'], relative), undefined);
});

test('a v1 configuration is profiled with a registered model under a name', async () => {
    const models = { registry: '/r', namePattern: '.*', models: [{ name: 'm', versions: [
        { name: 'm', version: '1', reference: 'azureml:m:1', archived: false, description: '' },
        { name: 'm', version: '2', reference: 'azureml:m:2', archived: true, description: '' }] }] };
    const server = fakeServer({ 'amlDeploy.server.listModels': [models] });
    const ui = new FakeUi({ 'which model': 'azureml:m:1', 'Profile name': 'v1-run' });
    assert.deepEqual(await configurationArgs(ui, server.call, '/ws/v1/inferenceconfig.json'),
        { config: '/ws/v1/inferenceconfig.json', name: 'v1-run', models: ['azureml:m:1'] });
    const empty = new FakeUi();
    const none = fakeServer({ 'amlDeploy.server.listModels': [{ ...models, models: [] }] });
    assert.equal(await configurationArgs(empty, none.call, '/ws/v1/inferenceconfig.json'), undefined);
    assert.match(empty.shown[0], /Register the model first/);
});
