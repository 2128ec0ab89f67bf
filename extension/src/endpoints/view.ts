// The Local Endpoints view and the local deployment commands: Deploy Locally, Debug Locally,
// Test Endpoint, Send Request, Show Logs, Delete.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { withServerProgress } from '../progress';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { toTreeItem } from '../treeItem';
import { childNodes, Deployment, Endpoint, EndpointNode, endpointEntry, endpointNodes } from './tree';

export class EndpointsView implements vscode.TreeDataProvider<EndpointNode> {
    private readonly changed = new vscode.EventEmitter<EndpointNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;
    error: string | undefined;

    constructor(private readonly servers: ServerManager) {}

    refresh(): void {
        this.changed.fire(undefined);
    }

    async getChildren(node?: EndpointNode): Promise<EndpointNode[]> {
        if (node) {
            return childNodes(node);
        }
        try {
            const result = await callServer<{ endpoints: Endpoint[] }>(this.servers.current, 'amlDeploy.server.listEndpoints');
            this.error = undefined;
            return endpointNodes(result.endpoints);
        } catch (error) {
            this.error = errorMessage(error);
            return [];
        }
    }

    getTreeItem(node: EndpointNode): vscode.TreeItem {
        return toTreeItem(endpointEntry(node));
    }
}

type Target = { endpoint?: Endpoint; deployment?: Deployment } | undefined;

export function registerEndpointCommands(context: vscode.ExtensionContext, servers: ServerManager, view: EndpointsView,
    log: vscode.LogOutputChannel): void {
    context.subscriptions.push(
        vscode.commands.registerCommand('amlDeploy.refreshEndpoints', () => view.refresh()),
        vscode.commands.registerCommand('amlDeploy.deployLocally', (uri?: vscode.Uri | string) => deploy(servers, view, log, uri, false)),
        vscode.commands.registerCommand('amlDeploy.debugLocally', (uri?: vscode.Uri | string) => deploy(servers, view, log, uri, true)),
        vscode.commands.registerCommand('amlDeploy.testEndpoint', (target: Target) => testEndpoint(servers, target)),
        vscode.commands.registerCommand('amlDeploy.sendRequest', () => sendRequest(servers)),
        vscode.commands.registerCommand('amlDeploy.showDeploymentLogs', (target: Target) => showLogs(servers, target)),
        vscode.commands.registerCommand('amlDeploy.deleteDeployment', (target: Target) => deleteTarget(servers, view, target)),
    );
}

function configUri(uri?: vscode.Uri | string): vscode.Uri | undefined {
    if (typeof uri === 'string') {
        return vscode.Uri.parse(uri);
    }
    return uri ?? vscode.window.activeTextEditor?.document.uri;
}

async function deploy(servers: ServerManager, view: EndpointsView, log: vscode.LogOutputChannel, uri: vscode.Uri | string | undefined,
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

const requests = new Map<string, { endpoint: string; deployment?: string }>();

async function testEndpoint(servers: ServerManager, target: Target): Promise<void> {
    const endpoint = target?.deployment?.endpoint ?? target?.endpoint?.name;
    if (!endpoint) {
        return;
    }
    const deployment = target?.deployment?.name;
    try {
        const sample = await callServer<{ body: string; deployment: string }>(servers.current, 'amlDeploy.server.sampleRequest', { endpoint, deployment });
        const document = await vscode.workspace.openTextDocument({ content: sample.body, language: 'json' });
        requests.set(document.uri.toString(), { endpoint, deployment: sample.deployment });
        await vscode.window.showTextDocument(document);
        void vscode.window.showInformationMessage(`Edit the request for ${endpoint}/${sample.deployment}, then run "AML Deploy: Send Request".`);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}

async function sendRequest(servers: ServerManager): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const target = editor && requests.get(editor.document.uri.toString());
    if (!editor || !target) {
        void vscode.window.showErrorMessage('Open a request with "Test Endpoint" on a deployment first.');
        return;
    }
    try {
        const result = await callServer<{ status: number; body: string; deployment: string }>(servers.current, 'amlDeploy.server.invoke',
            { endpoint: target.endpoint, deployment: target.deployment, body: editor.document.getText() });
        const content = `// ${target.endpoint}/${result.deployment}: HTTP ${result.status}\n${pretty(result.body)}`;
        const document = await vscode.workspace.openTextDocument({ content, language: 'jsonc' });
        await vscode.window.showTextDocument(document, vscode.ViewColumn.Beside);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}

function pretty(body: string): string {
    try {
        return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
        return body;
    }
}

async function showLogs(servers: ServerManager, target: Target): Promise<void> {
    const endpoint = target?.deployment?.endpoint ?? target?.endpoint?.name;
    if (!endpoint) {
        return;
    }
    try {
        const result = await callServer<{ text: string }>(servers.current, 'amlDeploy.server.logs', { endpoint, deployment: target?.deployment?.name });
        const document = await vscode.workspace.openTextDocument({ content: result.text, language: 'log' });
        await vscode.window.showTextDocument(document);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}

async function deleteTarget(servers: ServerManager, view: EndpointsView, target: Target): Promise<void> {
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
