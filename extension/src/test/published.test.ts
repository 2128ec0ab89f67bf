// The Published Services view's logic: rows, the settings Publish… asks for and remembers, the publish
// and key commands, and where a publish starts from.
import { strict as assert } from 'assert';
import { test } from 'node:test';
import { copyKey, deleteService, publish, PublishResult, publishSummary, regenerateKey, updateModel } from '../published/commands';
import { askSettings, PublishSettings, serviceNameProblem, SETTINGS_KEY, SettingsStore, suggestedServiceName } from '../published/settings';
import { completeV1Source, sourceFromNode } from '../published/sources';
import { deploymentEntry, isDeploymentNode, PublishedService, serviceEntry, shares } from '../published/tree';
import { InputOptions } from '../ui';
import { fakeServer, FakeUi } from './fakes';

const service = (extra: Partial<PublishedService> = {}): PublishedService => ({
    name: 'svc', target: 'aci', state: 'Succeeded', scoringUri: 'http://svc.abc.westeurope.azurecontainer.io/score',
    resourceGroup: 'rg', location: 'westeurope', authMode: 'key', image: 'r/aml-deploy/svc@sha256:1', ...extra,
});

class Store implements SettingsStore {
    readonly values = new Map<string, unknown>();
    get<T>(key: string): T | undefined {
        return this.values.get(key) as T | undefined;
    }
    update(key: string, value: unknown): Promise<void> {
        this.values.set(key, value);
        return Promise.resolve();
    }
}

// A Ui whose input answers by title and records the options it was given (prefilled values, password).
class InputUi extends FakeUi {
    readonly asked: InputOptions[] = [];
    constructor(private readonly inputs: Record<string, string | undefined>, answers: Record<string, string | boolean | undefined> = {}) {
        super(answers);
    }
    override input(options: InputOptions): Promise<string | undefined> {
        this.asked.push(options);
        const key = Object.keys(this.inputs).find((k) => options.title.includes(k));
        return Promise.resolve(key === undefined ? undefined : this.inputs[key]);
    }
}

test('a service row shows state, target and scoring URI; only key services offer Copy Key', () => {
    const entry = serviceEntry(service());
    assert.equal(entry.label, 'svc');
    assert.equal(entry.description, 'Succeeded · ACI · http://svc.abc.westeurope.azurecontainer.io/score');
    assert.equal(entry.contextValue, 'publishedService.key');
    assert.match(entry.tooltip ?? '', /on ACI · rg · westeurope/);
    const failed = serviceEntry(service({ state: 'Failed', authMode: 'none', problem: 'ran out of memory', scoringUri: null }));
    assert.equal(failed.icon, 'error:testing.iconFailed');
    assert.equal(failed.contextValue, 'publishedService');
    assert.match(failed.tooltip ?? '', /ran out of memory/);
});

test('service names follow the v1 rule and are suggested from endpoint or folder names', () => {
    assert.equal(serviceNameProblem('my-service-1'), undefined);
    assert.notEqual(serviceNameProblem('My_Service'), undefined);
    assert.notEqual(serviceNameProblem('1abc'), undefined);
    assert.equal(suggestedServiceName('Sample_Endpoint'), 'sample-endpoint');
    assert.equal(suggestedServiceName('42'), 'service-42');
});

test('settings are asked prefilled with the remembered ones, and cpu and memory only without a deploymentconfig.json', async () => {
    const remembered: PublishSettings = { registryServer: 'myacr.azurecr.io', resourceGroup: 'rg-old', cpu: 2, memoryGb: 4 };
    const ui = new InputUi({ 'container registry': 'myacr.azurecr.io', 'resource group': 'rg-new', location: '', 'CPU cores': '1', memory: '1.5' });
    const settings = await askSettings(ui, remembered, true);
    assert.deepEqual(settings, { registryServer: 'myacr.azurecr.io', resourceGroup: 'rg-new', location: undefined, cpu: 1, memoryGb: 1.5 });
    assert.deepEqual(ui.asked.map((o) => o.value), ['myacr.azurecr.io', 'rg-old', '', '2', '4']);
    assert.equal(ui.asked[0].validate?.('not a host!'), 'A registry login server: myacr.azurecr.io, or host:port');
    assert.notEqual(ui.asked[3].validate?.('-1'), undefined);
    const without = new InputUi({ 'container registry': 'r:5000', 'resource group': '', location: '' });
    assert.deepEqual(await askSettings(without, undefined, false), { registryServer: 'r:5000', resourceGroup: undefined, location: undefined });
    assert.equal(without.asked.length, 3);
    assert.equal(await askSettings(new InputUi({}), remembered, true), undefined); // cancelled at the first question
});

test('publish remembers the settings per workspace, asks the password without keeping it, and sends everything', async () => {
    const store = new Store();
    store.values.set(SETTINGS_KEY, { registryServer: 'r:5000', registryUsername: 'pusher' });
    const ui = new InputUi({ 'service name': 'svc', 'container registry': 'r:5000', 'resource group': 'rg', location: 'westeurope',
        'password of pusher': 's3cret' });
    const sent: Record<string, unknown>[] = [];
    const result = await publish(ui, (title, args) => {
        sent.push({ title, ...args });
        return Promise.resolve({ endpoint: 'svc', provisioning_state: 'Succeeded', scoring_uri: 'http://x/score' });
    }, store, { config: '/w/v1/inferenceconfig.json', deploymentConfig: '/w/v1/deploymentconfig.json', models: ['sample:1'] });
    assert.equal(result?.provisioning_state, 'Succeeded');
    assert.equal(sent[0].title, 'Publishing svc to ACI');
    assert.equal(sent[0].registryPassword, 's3cret');
    assert.deepEqual(sent[0].models, ['sample:1']);
    assert.equal(ui.asked.find((o) => o.title.includes('password'))?.password, true);
    assert.deepEqual(store.get(SETTINGS_KEY), { registryServer: 'r:5000', registryUsername: 'pusher', resourceGroup: 'rg', location: 'westeurope' });
    assert.ok(!JSON.stringify([...store.values]).includes('s3cret'));
});

test('a v1 configuration with computeType aks is published to Kubernetes: registry and kubeconfig context asked, no Azure settings', async () => {
    const store = new Store();
    store.values.set(SETTINGS_KEY, { registryServer: 'r:5000', resourceGroup: 'rg', kubeContext: 'old-ctx' });
    const ui = new InputUi({ 'service name': 'svc', 'container registry': 'r:5000', 'kubeconfig context': '' });
    const sent: Record<string, unknown>[] = [];
    await publish(ui, (title, args) => {
        sent.push({ title, ...args });
        return Promise.resolve({ endpoint: 'svc', provisioning_state: 'Succeeded', target: 'kubernetes' });
    }, store, { config: '/w/v1/inferenceconfig.json', deploymentConfig: '/w/v1/aks.json', computeType: 'AKS', models: [] });
    assert.equal(sent[0].title, 'Publishing svc to Kubernetes');
    assert.equal(sent[0].kubeContext, undefined); // empty: the configuration's computeTargetName, else the current context
    assert.deepEqual(ui.asked.map((o) => o.title), ['Publish: service name', 'Publish: container registry', 'Publish: kubeconfig context']);
    assert.equal(ui.asked[2].value, 'old-ctx');
    assert.deepEqual(store.get(SETTINGS_KEY), { registryServer: 'r:5000', resourceGroup: 'rg', kubeContext: undefined });
    const named = new InputUi({ 'service name': 'svc', 'container registry': 'r:5000', 'kubeconfig context': 'prod' });
    await publish(named, (title, args) => {
        sent.push({ title, ...args });
        return Promise.resolve({ endpoint: 'svc', provisioning_state: 'Succeeded' });
    }, new Store(), { config: '/w/v1/inferenceconfig.json', deploymentConfig: '/w/v1/aks.json', computeType: 'aks' });
    assert.equal(sent[1].kubeContext, 'prod');
});

test('a failed publish is summed up with its stage and line; a success with the bytes pushed', () => {
    const failed: PublishResult = { endpoint: 'svc', provisioning_state: 'Failed', target: 'local-check',
        failure: { message: 'FileNotFoundError: no-such.pkl', path: '/w/score.py', line: 13, log: '' } };
    assert.equal(publishSummary(failed), 'svc failed in the local check (nothing was pushed): FileNotFoundError: no-such.pkl at /w/score.py:13');
    const oom: PublishResult = { endpoint: 'svc', provisioning_state: 'Failed', target: 'aci', problem: 'ran out of memory' };
    assert.equal(publishSummary(oom), 'svc failed in ACI: ran out of memory');
    const done: PublishResult = { endpoint: 'svc', provisioning_state: 'Succeeded', scoring_uri: 'http://x/score',
        publish: { push: { bytes_pushed: 3584, layers_pushed: 1 } } };
    assert.equal(publishSummary(done), 'svc is ready at http://x/score (pushed 1 layer(s), 0.00 MB).');
});

test('Copy Key copies the primary key; Regenerate Key asks which and confirms, then copies the new one', async () => {
    const ui = new FakeUi({ 'Regenerate a key': 'secondary', 'Regenerate the secondary key': true });
    const server = fakeServer({
        'amlDeploy.server.publishedKeys': [{ primaryKey: 'p'.repeat(32), secondaryKey: 's'.repeat(32) }],
        'amlDeploy.server.regeneratePublishedKey': [{ primaryKey: 'p'.repeat(32), secondaryKey: 'n'.repeat(32) }],
    });
    await copyKey(ui, server.call, service());
    assert.ok(ui.shown.includes(`copy: ${'p'.repeat(32)}`));
    assert.equal(await regenerateKey(ui, server.call, service()), true);
    assert.deepEqual(server.calls[1], ['amlDeploy.server.regeneratePublishedKey', { name: 'svc', keyType: 'secondary' }]);
    assert.ok(ui.shown.includes(`copy: ${'n'.repeat(32)}`));
    const declined = new FakeUi({ 'Regenerate a key': 'primary', 'Regenerate the primary key': false });
    assert.equal(await regenerateKey(declined, server.call, service()), false);
    assert.equal(server.calls.length, 2);
});

test('Update Model offers the registered versions and updates to the one picked', async () => {
    const ui = new FakeUi({ 'Update the model': 'sample:2' });
    const server = fakeServer({ 'amlDeploy.server.listModels': [{ models: [{ name: 'sample', versions: [
        { version: '1', reference: 'azureml:sample:1', archived: false }, { version: '2', reference: 'azureml:sample:2', archived: false },
        { version: '3', reference: 'azureml:sample:3', archived: true }] }] }] });
    const sent: Record<string, unknown>[] = [];
    await updateModel(ui, server.call, (title, args) => {
        sent.push({ title, ...args });
        return Promise.resolve({ endpoint: 'svc', provisioning_state: 'Succeeded' });
    }, service());
    assert.deepEqual(sent, [{ title: 'Updating svc to sample:2', name: 'svc', models: ['sample:2'] }]);
});

test('Delete asks first, then deletes', async () => {
    const server = fakeServer({ 'amlDeploy.server.deletePublished': [{ name: 'svc', group_deleted: true }] });
    assert.equal(await deleteService(new FakeUi({ 'Delete the service svc': false }), server.call, service()), false);
    assert.equal(server.calls.length, 0);
    assert.equal(await deleteService(new FakeUi({ 'Delete the service svc': true }), server.call, service()), true);
    assert.deepEqual(server.calls, [['amlDeploy.server.deletePublished', { name: 'svc' }]]);
});

test('Publish… starts from a local deployment, or asks a v1 file for its deploymentconfig.json and model', async () => {
    assert.deepEqual(sourceFromNode({ deployment: { endpoint: 'sample-endpoint', name: 'blue', config: '/w/sample/blue.yml' } }),
        { config: '/w/sample/blue.yml', name: 'sample-endpoint' });
    assert.equal(sourceFromNode({ endpoint: { name: 'e', deployments: [] } }), undefined);
    const yaml = { config: '/w/sample/blue.yml', name: 'e' };
    assert.equal(await completeV1Source(new FakeUi(), yaml, [], []), yaml); // a v2 YAML needs nothing more
    const ui = new FakeUi({ 'deployment configuration': 'deploymentconfig.json', 'model it serves': 'sample:1' });
    const v1 = await completeV1Source(ui, { config: '/w/v1/inferenceconfig.json' },
        ['/w/v1/inferenceconfig.json', '/w/v1/deploymentconfig.json', '/w/v1/score.py'], [{ label: 'sample:1' }]);
    assert.deepEqual(v1, { config: '/w/v1/inferenceconfig.json', name: 'v1', deploymentConfig: '/w/v1/deploymentconfig.json', models: ['sample:1'] });
    const bare = await completeV1Source(new FakeUi(), { config: '/w/v1/inferenceconfig.json' }, ['/w/v1/inferenceconfig.json'], []);
    assert.deepEqual(bare, { config: '/w/v1/inferenceconfig.json', name: 'v1', deploymentConfig: undefined, models: [] });
});

test('a Kubernetes endpoint shows its cluster and namespace, and its deployments with their traffic under it', () => {
    const endpoint = service({
        name: 'ep', target: 'kubernetes', scoringUri: 'http://20.1.2.3/score', resourceGroup: null, location: null,
        authMode: 'aml_token', context: 'prod-aks', namespace: 'scoring', image: null,
        deployments: [
            { name: 'blue', traffic: 80, mirror: 0, state: 'Succeeded', image: 'r/aml-deploy/ep@sha256:b' },
            { name: 'green', traffic: 20, mirror: 0, state: 'Failed', image: 'r/aml-deploy/ep@sha256:g' },
            { name: 'shadow', traffic: 0, mirror: 10, state: 'Succeeded' },
        ],
    });
    const entry = serviceEntry(endpoint);
    assert.equal(entry.description, 'Succeeded · Kubernetes · http://20.1.2.3/score');
    assert.match(entry.tooltip ?? '', /on Kubernetes · prod-aks · namespace scoring/);
    assert.match(entry.tooltip ?? '', /Token authentication/);
    assert.equal(entry.contextValue, 'publishedService');
    assert.equal(entry.expanded, true);
    const rows = (endpoint.deployments ?? []).map((d) => deploymentEntry(endpoint, d));
    assert.deepEqual(rows.map((r) => [r.label, r.description]), [
        ['blue', 'traffic 80% · Succeeded'], ['green', 'traffic 20% · Failed'], ['shadow', 'traffic 0%, mirror 10% · Succeeded']]);
    assert.equal(rows[1].icon, 'error:testing.iconFailed');
    assert.match(rows[0].tooltip ?? '', /Image: r\/aml-deploy\/ep@sha256:b/);
    assert.ok(rows.every((r) => r.contextValue === 'publishedDeployment' && isDeploymentNode(r.data)));
    assert.equal(serviceEntry(service()).expanded, false); // an ACI service has no rows under it
    assert.equal(shares({ name: 'x', traffic: 100, mirror: 0, state: 'Succeeded' }), 'traffic 100%');
});
