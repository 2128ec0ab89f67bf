// Delete a local deployment or endpoint.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { Target } from './tree';
import type { EndpointsView } from './view';

export async function deleteTarget(servers: ServerManager, view: EndpointsView, target: Target): Promise<void> {
    const endpoint = target?.deployment?.endpoint ?? target?.endpoint?.name;
    if (!endpoint) {
        return;
    }
    const what = target?.deployment ? `the local deployment ${endpoint}/${target.deployment.name}` : `the local endpoint ${endpoint} and its deployments`;
    if (await vscode.window.showWarningMessage(`Delete ${what}?`, { modal: true }, 'Delete') !== 'Delete') {
        return;
    }
    try {
        await callServer(servers.current, 'amlDeploy.server.deleteDeployment', { endpoint, deployment: target?.deployment?.name });
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
    view.refresh();
}
