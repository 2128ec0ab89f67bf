// The Models view's logic: rows, name checks, and delete with "Delete Anyway" on a held version.
import { strict as assert } from 'assert';
import { test } from 'node:test';
import { deleteModel, nameValidator, suggestedName } from '../models/commands';
import { childNodes, ModelList, modelEntry, modelNodes, ModelVersion } from '../models/tree';
import { ServerError, unwrap } from '../serverCall';
import { fakeServer, FakeUi } from './fakes';

const version = (v: string, extra: Partial<ModelVersion> = {}): ModelVersion => ({
    name: 'sample', version: v, type: 'custom_model', description: '', tags: {}, size_text: '1.2 KB', file_count: 1,
    created: '2026-12-01T10:00:00', archived: false, reference: `azureml:sample:${v}`, ...extra,
});

const list: ModelList = { registry: '/r', namePattern: '^[a-z]+$', models: [{ name: 'sample', versions: [version('1'), version('2', { archived: true, tags: { stage: 'prod' } })] }] };

test('a model row counts its versions and opens onto them', () => {
    const [model] = modelNodes(list);
    const entry = modelEntry(model);
    assert.equal(entry.label, 'sample');
    assert.equal(entry.description, '2 versions');
    assert.equal(entry.expanded, true);
    assert.deepEqual(childNodes(model).map((n) => modelEntry(n).label), ['1', '2']);
});

test('a version row shows tags, size, date and archived state', () => {
    const second = childNodes(modelNodes(list)[0])[1];
    const entry = modelEntry(second);
    assert.equal(entry.description, 'stage=prod · 1.2 KB · 2026-12-01 · archived');
    assert.equal(entry.icon, 'archive');
    assert.equal(entry.contextValue, 'modelVersion');
    assert.match(entry.tooltip ?? '', /\*\*azureml:sample:2\*\*/);
});

test('names are suggested from file names and checked with the server\'s pattern', () => {
    assert.equal(suggestedName('/w/My Model (final).pkl'), 'My-Model-final-');
    assert.equal(suggestedName('/w/.hidden'), 'model');
    const check = nameValidator('[A-Za-z0-9][A-Za-z0-9\\-_.]{0,254}');
    assert.equal(check('good-name_1.0'), undefined);
    assert.notEqual(check('-bad'), undefined);
    assert.notEqual(check('has space'), undefined);
    assert.notEqual(check('ok-then-bad!'), undefined); // the whole value, not a part of it
});

test('errors from the server carry their code', () => {
    assert.throws(() => unwrap({ error: 'held', code: 'in-use' }), (e: unknown) => e instanceof ServerError && e.code === 'in-use');
    assert.deepEqual(unwrap({ models: [] }), { models: [] });
});

test('delete asks first and does nothing when the answer is no', async () => {
    const ui = new FakeUi({ 'Delete azureml:sample:1': false });
    const server = fakeServer({});
    assert.equal(await deleteModel(ui, server.call, version('1')), false);
    assert.deepEqual(server.calls, []);
});

test('a version a deployment holds is deleted only after "Delete Anyway"', async () => {
    const ui = new FakeUi({ 'Delete azureml:sample:1': true, 'used by the local deployment': true });
    const server = fakeServer({ 'amlDeploy.server.deleteModel': [
        { error: 'sample:1 is used by the local deployment ep.blue; delete that deployment first, or pass --force.', code: 'in-use' },
        { name: 'sample', version: '1' },
    ] });
    assert.equal(await deleteModel(ui, server.call, version('1')), true);
    assert.deepEqual(server.calls.map(([, args]) => (args as { force?: boolean }).force), [undefined, true]);
});

test('any other error is shown and nothing is forced', async () => {
    const ui = new FakeUi({ 'Delete azureml:sample:1': true });
    const server = fakeServer({ 'amlDeploy.server.deleteModel': [{ error: 'the registry is read-only; mentions --force', code: 'registry' }] });
    assert.equal(await deleteModel(ui, server.call, version('1')), false);
    assert.equal(server.calls.length, 1);
    assert.ok(ui.shown.some((line) => line.startsWith('error: the registry is read-only')));
});
