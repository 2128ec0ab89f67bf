// The endpoint's front: Copy Key, Regenerate Key, Set Traffic.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { formatShares, parseShares } from './traffic';
import { Endpoint } from './tree';
import type { EndpointsView } from './view';

export async function copyKey(servers: ServerManager, endpoint?: Endpoint): Promise<void> {
    if (!endpoint) {
        return;
    }
    try {
        const credentials = await callServer<Record<string, string>>(servers.current, 'amlDeploy.server.getCredentials',
            { endpoint: endpoint.name });
        const secret = credentials.primaryKey ?? credentials.accessToken;
        if (!secret) {
            void vscode.window.showWarningMessage(`${endpoint.name} has no key or token to copy.`);
            return;
        }
        await vscode.env.clipboard.writeText(secret);
        const what = credentials.primaryKey ? 'primary key' : `token (expires ${credentials.expiryTimeUtc})`;
        void vscode.window.showInformationMessage(`Copied the ${what} of ${endpoint.name}. Send it as "Authorization: Bearer <key>".`);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}

export async function regenerateKey(servers: ServerManager, endpoint?: Endpoint): Promise<void> {
    if (!endpoint) {
        return;
    }
    const choice = await vscode.window.showQuickPick(
        [{ label: 'primary', description: 'the secondary keeps working' }, { label: 'secondary', description: 'the primary keeps working' }],
        { title: `Regenerate a key of ${endpoint.name}` });
    if (!choice) {
        return;
    }
    try {
        await callServer(servers.current, 'amlDeploy.server.regenerateKeys', { endpoint: endpoint.name, keyType: choice.label });
        void vscode.window.showInformationMessage(`Regenerated the ${choice.label} key of ${endpoint.name}; the old one no longer works.`);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}

export async function setTraffic(servers: ServerManager, view: EndpointsView, endpoint?: Endpoint): Promise<void> {
    if (!endpoint) {
        return;
    }
    const names = endpoint.deployments.map((d) => d.name);
    const text = await vscode.window.showInputBox({
        title: `Traffic of ${endpoint.name}`,
        prompt: 'Percent per deployment, adding up to 100 (e.g. blue=90 green=10)',
        value: formatShares(endpoint.traffic, names),
        ignoreFocusOut: true,
        validateInput: (value) => parseShares(value, names).problem,
    });
    const parsed = text === undefined ? undefined : parseShares(text, names);
    if (!parsed?.shares) {
        return;
    }
    try {
        await callServer(servers.current, 'amlDeploy.server.setTraffic', { endpoint: endpoint.name, traffic: parsed.shares });
        view.refresh();
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}
