// Unit tests of the launch logic (no VS Code needed: these modules only touch it for types).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { chooseInterpreter } from '../interpreter';
import { serverLaunch } from '../serverEnvironment';

test('the server runs as python -m aml_deploy lsp', () => {
    const launch = serverLaunch('/nowhere', '/usr/bin/python3', {});
    assert.equal(launch.command, '/usr/bin/python3');
    assert.deepEqual(launch.args, ['-m', 'aml_deploy', 'lsp']);
});

test('bundled libraries and the server source come first on PYTHONPATH, when present', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-'));
    fs.mkdirSync(path.join(root, 'bundled', 'libs'), { recursive: true });
    fs.mkdirSync(path.join(root, 'server'));
    const launch = serverLaunch(root, 'python3', { PYTHONPATH: '/mine' }, '/registry');
    assert.deepEqual(launch.env.PYTHONPATH?.split(path.delimiter), [path.join(root, 'bundled', 'libs'), path.join(root, 'server'), '/mine']);
    assert.equal(launch.env.AML_DEPLOY_REGISTRY, '/registry');
});

test('missing folders are left out of PYTHONPATH', () => {
    const launch = serverLaunch('/nowhere', 'python3', {});
    assert.equal(launch.env.PYTHONPATH, '');
});

test('interpreter: the setting wins, then the Python extension, then python3', () => {
    assert.deepEqual(chooseInterpreter(' /opt/py/bin/python ', '/venv/bin/python', 'linux'), { command: '/opt/py/bin/python', source: 'setting' });
    assert.deepEqual(chooseInterpreter('', '/venv/bin/python', 'linux'), { command: '/venv/bin/python', source: 'python-extension' });
    assert.deepEqual(chooseInterpreter(undefined, undefined, 'linux'), { command: 'python3', source: 'default' });
    assert.deepEqual(chooseInterpreter(undefined, undefined, 'win32'), { command: 'python', source: 'default' });
});
