// Which configuration Deploy Locally and Debug Locally deploy: the deployment itself, or, for a scoring
// script, the deployment that runs it (asked when several do). VS Code-free, unit-tested.
import * as path from 'path';
import { FileKinds, roleOf } from '../fileKinds';
import { ServerCall } from '../serverCall';
import { Ui } from '../ui';

export interface ScriptUser {
    config: string;
    name?: string | null;
    endpoint?: string | null;
}

export function userLabel(user: ScriptUser): string {
    return user.name && user.endpoint ? `${user.endpoint}/${user.name}` : path.basename(user.config);
}

// The configuration to deploy for `file` (a path), or undefined when there is none (the user was told why).
export async function configToDeploy(ui: Ui, call: ServerCall, file: string, kinds: FileKinds, debug: boolean): Promise<string | undefined> {
    const role = roleOf(kinds, file);
    const name = path.basename(file);
    if (role === 'deployment') {
        return file;
    }
    if (role === 'model') {
        void ui.error(`${name} is a model YAML: register it (AML Deploy: Register Model), then deploy a deployment that uses it.`);
        return undefined;
    }
    if (role !== 'script') {
        return file; // not known as one of ours (yet): the server checks it and says what it is
    }
    const { deployments } = await call<{ deployments: ScriptUser[] }>('amlDeploy.server.deploymentsUsing', { file });
    if (deployments.length === 0) {
        void ui.error(`No deployment in this workspace uses ${name} as its scoring script yet: open (or write) the deployment ` +
            'YAML that names it in code_configuration.scoring_script, and deploy that.');
        return undefined;
    }
    if (deployments.length === 1) {
        return deployments[0].config;
    }
    const choice = await ui.pick(deployments.map((user) => ({ label: userLabel(user), description: user.config, user })),
        `${debug ? 'Debug' : 'Deploy'} which deployment of ${name}?`);
    return choice?.user.config;
}
