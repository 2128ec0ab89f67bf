// Deploy Locally and Debug Locally: build and start a local deployment, report a failure on its line,
// and attach the debugger.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { withServerProgress } from '../progress';
import { Deployment } from './tree';
import type { EndpointsView } from './view';

function configUri(uri?: vscode.Uri | string): vscode.Uri | undefined {
    if (typeof uri === 'string') {
        return vscode.Uri.parse(uri);
    }
    return uri ?? vscode.window.activeTextEditor?.document.uri;
}

export async function deploy(servers: ServerManager, view: EndpointsView, log: vscode.LogOutputChannel, uri: vscode.Uri | string | undefined,
    debug: boolean): Promise<void> {
    const config = configUri(uri);
    if (!config) {
        void vscode.window.showErrorMessage('Open a deployment YAML (or inferenceconfig.json) to deploy it.');
        return;
    }
    const title = `${debug ? 'Debugging' : 'Deploying'} ${vscode.workspace.asRelativePath(config)} locally`;
    let state: Deployment;
    try {
        const deploying = withServerProgress<Deployment>(servers.current, title, 'amlDeploy.server.deploy', { config: config.toString(), debug });
        setTimeout(() => view.refresh(), 1500); // show it as Creating while it builds
        state = await deploying;
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
        return;
    } finally {
        view.refresh();
    }
    for (const warning of state.warnings ?? []) {
        log.warn(`${state.endpoint}/${state.name}: ${warning}`);
    }
    if (state.provisioning_state === 'Failed') {
        await reportFailure(state);
    } else if (debug && state.debug_configuration) {
        await startDebugging(servers, view, state, config);
    } else {
        void vscode.window.showInformationMessage(
            `${state.endpoint}/${state.name} is ready at ${state.scoring_uri}` + (state.restarted_in_place ? ' (restarted in place)' : ''));
    }
}

async function reportFailure(state: Deployment): Promise<void> {
    const failure = state.failure;
    const where = failure?.path ? ` at ${vscode.workspace.asRelativePath(failure.path)}:${failure.line}` : '';
    const choice = await vscode.window.showErrorMessage(`${state.endpoint}/${state.name} failed: ${failure?.message ?? 'see the log'}${where}`,
        ...(failure?.path ? ['Go to Line'] : []), 'Show Log');
    if (choice === 'Go to Line' && failure?.path && failure.line) {
        const editor = await vscode.window.showTextDocument(vscode.Uri.file(failure.path));
        const position = new vscode.Position(failure.line - 1, 0);
        editor.selection = new vscode.Selection(position, position);
        editor.revealRange(new vscode.Range(position, position));
    } else if (choice === 'Show Log') {
        const document = await vscode.workspace.openTextDocument({ content: failure?.log ?? '', language: 'log' });
        await vscode.window.showTextDocument(document);
    }
}

async function startDebugging(servers: ServerManager, view: EndpointsView, state: Deployment, config: vscode.Uri): Promise<void> {
    const configuration = state.debug_configuration as unknown as vscode.DebugConfiguration;
    if (!vscode.extensions.getExtension('ms-python.debugpy')) {
        const copy = await vscode.window.showWarningMessage(
            `${state.endpoint}/${state.name} waits for a debugger on 127.0.0.1:${state.debug_port}. Install the Python Debugger ` +
            'extension (ms-python.debugpy) to attach from VS Code, or attach any DAP client with this configuration.', 'Copy Configuration');
        if (copy) {
            await vscode.env.clipboard.writeText(JSON.stringify(configuration, null, 2));
        }
        return;
    }
    const started = await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(config), configuration);
    if (!started) {
        void vscode.window.showErrorMessage(`Could not attach the debugger to 127.0.0.1:${state.debug_port}.`);
        return;
    }
    const ready = await callServer<Deployment>(servers.current, 'amlDeploy.server.waitReady', { endpoint: state.endpoint, deployment: state.name });
    view.refresh();
    if (ready.provisioning_state === 'Succeeded') {
        void vscode.window.showInformationMessage(`${state.endpoint}/${state.name} is ready at ${ready.scoring_uri}: send it a request to stop in run().`);
    }
}
