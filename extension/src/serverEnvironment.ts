// How the server process is launched: `python -m aml_deploy lsp`, with the extension's own
// copy of the server and its bundled dependencies first on PYTHONPATH.
import * as fs from 'fs';
import * as path from 'path';

export interface Launch {
    command: string;
    args: string[];
    env: NodeJS.ProcessEnv;
}

export function serverLaunch(extensionRoot: string, python: string, baseEnv: NodeJS.ProcessEnv, registryPath?: string): Launch {
    const paths = [path.join(extensionRoot, 'bundled', 'libs'), path.join(extensionRoot, 'server')].filter((p) => fs.existsSync(p));
    if (baseEnv.PYTHONPATH) {
        paths.push(baseEnv.PYTHONPATH);
    }
    const env: NodeJS.ProcessEnv = { ...baseEnv, PYTHONPATH: paths.join(path.delimiter), PYTHONUNBUFFERED: '1' };
    if (registryPath) {
        env.AML_DEPLOY_REGISTRY = registryPath;
    }
    return { command: python, args: ['-m', 'aml_deploy', 'lsp'], env };
}
