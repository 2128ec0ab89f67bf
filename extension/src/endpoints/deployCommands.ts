// Deploy Locally and Debug Locally: build and start a local deployment (of a deployment YAML, or of the
// deployment a scoring script belongs to), report a failure on its line, and attach the debugger.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { FileKinds } from '../fileKinds';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { withServerProgress } from '../progress';
import { vscodeUi } from '../vscodeUi';
import { configToDeploy } from './deployTarget';
import { LogChannels } from './logChannels';
import { COPY_URI, GO_TO_LINE, outcomeMessage, SHOW_LOG, TEST_ENDPOINT } from './outcome';
import { Requests } from './requestCommands';
import { Deployment } from './tree';
import type { EndpointsView } from './view';

export interface DeployContext {
    servers: ServerManager;
    view: EndpointsView;
    log: vscode.LogOutputChannel;
    logs: LogChannels;
    requests: Requests;
    kinds: () => FileKinds;
}

function fileOf(uri?: vscode.Uri | string): vscode.Uri | undefined {
    if (typeof uri === 'string') {
        return vscode.Uri.parse(uri);
    }
    return uri ?? vscode.window.activeTextEditor?.document.uri;
}

export async function deploy(ctx: DeployContext, uri: vscode.Uri | string | undefined, debug: boolean): Promise<void> {
    const file = fileOf(uri);
    if (!file || file.scheme !== 'file') {
        void vscode.window.showErrorMessage('Open a deployment YAML (or inferenceconfig.json), or the scoring script it runs, to deploy it.');
        return;
    }
    const call = <T>(command: string, args?: Record<string, unknown>) => callServer<T>(ctx.servers.current, command, args);
    let config: string | undefined;
    try {
        config = await configToDeploy(vscodeUi, call, file.fsPath, ctx.kinds(), debug);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
        return;
    }
    if (!config) {
        return;
    }
    const configUri = vscode.Uri.file(config);
    const title = `${debug ? 'Debugging' : 'Deploying'} ${vscode.workspace.asRelativePath(configUri)} locally`;
    let state: Deployment;
    try {
        const deploying = withServerProgress<Deployment>(ctx.servers.current, title, 'amlDeploy.server.deploy',
            { config: configUri.toString(), debug });
        setTimeout(() => ctx.view.refresh(), 1500); // show it as Creating while it builds
        state = await deploying;
    } catch (error) {
        ctx.view.refresh();
        void vscode.window.showErrorMessage(errorMessage(error));
        return;
    }
    await ctx.view.refreshAndWait(); // what the notification says, the view shows already
    for (const warning of state.warnings ?? []) {
        ctx.log.warn(`${state.endpoint}/${state.name}: ${warning}`);
    }
    if (debug && state.provisioning_state === 'WaitingForDebugger' && state.debug_configuration) {
        await startDebugging(ctx, state, configUri);
        return;
    }
    if (state.provisioning_state !== 'Failed') {
        void ctx.logs.refollow(state.endpoint, state.name);
    }
    await tell(ctx, state);
}

async function tell(ctx: DeployContext, state: Deployment): Promise<void> {
    const message = outcomeMessage(state, (file) => vscode.workspace.asRelativePath(file));
    const show = message.level === 'error' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
    const choice = await show(message.text, ...message.actions);
    const failure = state.failure;
    if (choice === GO_TO_LINE && failure?.path && failure.line) {
        const editor = await vscode.window.showTextDocument(vscode.Uri.file(failure.path));
        const position = new vscode.Position(failure.line - 1, 0);
        editor.selection = new vscode.Selection(position, position);
        editor.revealRange(new vscode.Range(position, position));
    } else if (choice === SHOW_LOG) {
        ctx.logs.showText(state.endpoint, state.name, `why ${state.endpoint}/${state.name} failed`, failure?.log ?? '');
    } else if (choice === TEST_ENDPOINT) {
        await ctx.requests.testEndpoint({ deployment: state });
    } else if (choice === COPY_URI && state.scoring_uri) {
        await vscode.env.clipboard.writeText(state.scoring_uri);
    }
}

async function startDebugging(ctx: DeployContext, state: Deployment, config: vscode.Uri): Promise<void> {
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
    ctx.view.refresh(); // attached: init() runs (Creating) until it returns
    const ready = await callServer<Deployment>(ctx.servers.current, 'amlDeploy.server.waitReady', { endpoint: state.endpoint, deployment: state.name });
    await ctx.view.refreshAndWait();
    await tell(ctx, ready);
}
