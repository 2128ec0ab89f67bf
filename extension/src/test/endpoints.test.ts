// The Local Endpoints view's rows.
import { strict as assert } from 'assert';
import { test } from 'node:test';
import { formatShares, parseShares } from '../endpoints/traffic';
import { childNodes, Deployment, endpointEntry, endpointNodes } from '../endpoints/tree';

const deployment = (state: string, extra: Partial<Deployment> = {}): Deployment => ({
    endpoint: 'ep', name: 'blue', provisioning_state: state, ...extra,
});

test('an endpoint row shows its scoring URI, else its state, and opens onto its deployments', () => {
    const [ready, empty] = endpointNodes([
        { name: 'ep', provisioning_state: 'Succeeded', scoring_uri: 'http://127.0.0.1:5001/score', deployments: [deployment('Succeeded')] },
        { name: 'other', provisioning_state: 'Creating', deployments: [] },
    ]);
    assert.equal(endpointEntry(ready).description, 'http://127.0.0.1:5001/score');
    assert.equal(endpointEntry(empty).description, 'Creating');
    assert.deepEqual(childNodes(ready).map((n) => endpointEntry(n).label), ['blue']);
    assert.deepEqual(childNodes(empty), []);
});

test('a deployment row shows its state and port with a state icon', () => {
    const entry = endpointEntry({ kind: 'deployment', deployment: deployment('Succeeded', { port: 5001 }) });
    assert.equal(entry.description, 'Succeeded · port 5001');
    assert.equal(entry.icon, 'pass-filled:testing.iconPassed');
    assert.equal(entry.accessibility, 'deployment ep/blue Succeeded');
});

test('a deployment whose container is gone says so and what to do', () => {
    const problem = 'Its container was removed outside AML Deploy. Recreate it (...) or delete it (...).';
    const entry = endpointEntry({ kind: 'deployment', deployment: deployment('Missing', { problem }) });
    assert.equal(entry.icon, 'warning:list.warningForeground');
    assert.match(entry.tooltip ?? '', /removed outside AML Deploy/);
});

test('a failed deployment shows why in its tooltip', () => {
    const failure = { message: 'ValueError: boom', log: '' };
    const entry = endpointEntry({ kind: 'deployment', deployment: deployment('Failed', { failure }) });
    assert.match(entry.tooltip ?? '', /Failed: ValueError: boom/);
    assert.equal(entry.icon, 'error:testing.iconFailed');
});

test('deployment rows show their traffic share, and mirror share when there is one', () => {
    const [node] = endpointNodes([{ name: 'ep', provisioning_state: 'Succeeded', deployments: [deployment('Succeeded'), { ...deployment('Succeeded'), name: 'green' }],
        traffic: { blue: 90, green: 10 }, mirror_traffic: { green: 5 }, auth_mode: 'key' }]);
    const [blue, green] = childNodes(node).map(endpointEntry);
    assert.equal(blue.description, 'Succeeded · 90%');
    assert.equal(green.description, 'Succeeded · 10% + mirror 5%');
    assert.match(endpointEntry(node).description ?? '', /auth: key/);
});

test('traffic typed as Azure takes it: names of the endpoint, whole percents, 100 in all (or 0)', () => {
    const names = ['blue', 'green'];
    assert.deepEqual(parseShares('blue=90 green=10', names).shares, { blue: 90, green: 10 });
    assert.deepEqual(parseShares('blue=100', names).shares, { blue: 100 });
    assert.deepEqual(parseShares('', names).shares, {});
    assert.match(parseShares('blue=90 green=5', names).problem ?? '', /add up to 95/);
    assert.match(parseShares('red=100', names).problem ?? '', /not a deployment/);
    assert.match(parseShares('blue:100', names).problem ?? '', /NAME=PERCENT/);
    assert.equal(formatShares({ blue: 90 }, names), 'blue=90 green=0');
});
