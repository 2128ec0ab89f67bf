// The Published Services view and its commands on the VS Code API: Publish…, Copy Key, Copy Scoring URI,
// Regenerate Key, Show Logs, Update Model, Delete. Progress notifications name the publish's stages.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { withServerProgress } from '../progress';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { toTreeItem } from '../treeItem';
import { vscodeUi } from '../vscodeUi';
import { copyKey, deleteService, publish, Publisher, PublishResult, publishSummary, regenerateKey, updateModel } from './commands';
import { completeV1Source, DeploymentNode, sourceFromNode } from './sources';
import { deploymentEntry, isDeploymentNode, PublishedNode, PublishedService, serviceEntry } from './tree';

export class PublishedView implements vscode.TreeDataProvider<PublishedNode> {
    private readonly changed = new vscode.EventEmitter<PublishedNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;

    constructor(private readonly servers: ServerManager) {}

    refresh(): void {
        this.changed.fire(undefined);
    }

    async getChildren(node?: PublishedNode): Promise<PublishedNode[]> {
        if (node) {
            return isDeploymentNode(node) ? [] : (node.deployments ?? []).map((deployment) => ({ endpoint: node, deployment }));
        }
        try {
            return (await callServer<{ services: PublishedService[] }>(this.servers.current, 'amlDeploy.server.listPublished')).services;
        } catch {
            return []; // the welcome view says what to do
        }
    }

    getTreeItem(node: PublishedNode): vscode.TreeItem {
        return toTreeItem(isDeploymentNode(node) ? deploymentEntry(node.endpoint, node.deployment) : serviceEntry(node));
    }
}

export function registerPublishCommands(context: vscode.ExtensionContext, servers: ServerManager, view: PublishedView,
    log: vscode.LogOutputChannel): void {
    const call = <T>(command: string, args?: Record<string, unknown>) => callServer<T>(servers.current, command, args);
    const publisher = (command: string): Publisher => async (title, args) => {
        setTimeout(() => view.refresh(), 1500); // shows it as Creating while it works
        try {
            return await withServerProgress<PublishResult>(servers.current, title, command, args);
        } finally {
            view.refresh();
        }
    };
    context.subscriptions.push(
        vscode.commands.registerCommand('amlDeploy.refreshPublished', () => view.refresh()),
        vscode.commands.registerCommand('amlDeploy.publish', async (target?: vscode.Uri | DeploymentNode) => {
            const source = await publishSource(call, target);
            const result = source && await publish(vscodeUi, publisher('amlDeploy.server.publish'), context.workspaceState, source);
            if (result) {
                await report(result, log);
            }
        }),
        vscode.commands.registerCommand('amlDeploy.copyPublishedKey', (service?: PublishedService) => service && copyKey(vscodeUi, call, service)),
        vscode.commands.registerCommand('amlDeploy.copyScoringUri', async (service?: PublishedService) => {
            if (service?.scoringUri) {
                await vscode.env.clipboard.writeText(service.scoringUri);
                void vscode.window.showInformationMessage(`Copied ${service.scoringUri}`);
            }
        }),
        vscode.commands.registerCommand('amlDeploy.regeneratePublishedKey', (service?: PublishedService) =>
            service && regenerateKey(vscodeUi, call, service)),
        vscode.commands.registerCommand('amlDeploy.showPublishedLogs', (service?: PublishedService) => service && showLogs(call, service)),
        vscode.commands.registerCommand('amlDeploy.updatePublishedModel', async (service?: PublishedService) => {
            const result = service && await updateModel(vscodeUi, call, publisher('amlDeploy.server.updatePublished'), service);
            if (result) {
                await report(result, log);
            }
        }),
        vscode.commands.registerCommand('amlDeploy.deletePublished', async (service?: PublishedService) => {
            if (service && await deleteService(vscodeUi, call, service)) {
                view.refresh();
            }
        }),
    );
}

async function publishSource(call: <T>(command: string, args?: Record<string, unknown>) => Promise<T>,
    target?: vscode.Uri | DeploymentNode) {
    const fromNode = target && !(target instanceof vscode.Uri) ? sourceFromNode(target) : undefined;
    const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
    const source = fromNode ?? (uri ? { config: uri.fsPath } : undefined);
    if (!source) {
        void vscode.window.showErrorMessage('Open a deployment YAML or an inferenceconfig.json, or pick a local deployment, to publish it.');
        return undefined;
    }
    const folder = path.dirname(source.config);
    const siblings = (await vscode.workspace.fs.readDirectory(vscode.Uri.file(folder))).map(([name]) => path.join(folder, name));
    let models: { label: string }[] = [];
    try {
        const list = await call<{ models: { name: string; versions: { version: string; archived: boolean }[] }[] }>('amlDeploy.server.listModels');
        models = list.models.flatMap((m) => m.versions.filter((v) => !v.archived).map((v) => ({ label: `${m.name}:${v.version}` })));
    } catch {
        // no registry: publish without a registered model
    }
    const complete = await completeV1Source(vscodeUi, source, siblings, models);
    return complete?.deploymentConfig ? { ...complete, computeType: await computeTypeOf(complete.deploymentConfig) } : complete;
}

// The computeType a deploymentconfig.json names (aks: Publish… goes to a Kubernetes cluster); the server checks the rest.
async function computeTypeOf(file: string): Promise<string | undefined> {
    try {
        const data: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))));
        const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).computeType : undefined;
        return typeof value === 'string' ? value : undefined;
    } catch {
        return undefined; // unreadable: published as ACI, and the server says what is wrong with the file
    }
}

async function report(result: PublishResult, log: vscode.LogOutputChannel): Promise<void> {
    for (const warning of result.warnings ?? []) {
        log.warn(`${result.endpoint}: ${warning}`);
    }
    const summary = publishSummary(result);
    if (result.provisioning_state === 'Succeeded') {
        void vscode.window.showInformationMessage(summary);
        return;
    }
    const failure = result.failure;
    const choice = await vscode.window.showErrorMessage(summary, ...(failure?.path ? ['Go to Line'] : []), 'Show Log');
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

async function showLogs(call: <T>(command: string, args?: Record<string, unknown>) => Promise<T>, service: PublishedService): Promise<void> {
    try {
        const logs = await call<{ text: string }>('amlDeploy.server.publishedLogs', { name: service.name });
        const document = await vscode.workspace.openTextDocument({ content: logs.text, language: 'log' });
        await vscode.window.showTextDocument(document);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}
