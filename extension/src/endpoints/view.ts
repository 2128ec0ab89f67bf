// The Local Endpoints view and the local deployment commands: Deploy Locally, Debug Locally,
// Test Endpoint, Send Request, Show Logs, Delete. The view lists this workspace's endpoints unless
// "Show All Local Endpoints" is on (the engine is shared by every project on the machine).
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { FileKinds } from '../fileKinds';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { toTreeItem } from '../treeItem';
import { deploy, DeployContext } from './deployCommands';
import { copyKey, regenerateKey, setTraffic } from './frontCommands';
import { LogChannels } from './logChannels';
import { deleteTarget } from './manageCommands';
import { Requests } from './requestCommands';
import { childNodes, Endpoint, EndpointNode, endpointEntry, endpointNodes, listOptions, Target } from './tree';

const SHOW_ALL = 'amlDeploy.endpointsShowAll';
const REFRESH_WAIT_MS = 5000;

export class EndpointsView implements vscode.TreeDataProvider<EndpointNode> {
    private readonly changed = new vscode.EventEmitter<EndpointNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;
    error: string | undefined;
    showAll = false;
    tree: vscode.TreeView<EndpointNode> | undefined;
    private waiting: (() => void)[] = [];

    constructor(private readonly servers: ServerManager) {}

    refresh(): void {
        this.changed.fire(undefined);
    }

    // Refresh, and return once the view has its new rows (or at once when it is not showing).
    refreshAndWait(): Promise<void> {
        if (!this.tree?.visible) {
            this.refresh();
            return Promise.resolve();
        }
        return new Promise((resolve) => {
            const timer = setTimeout(resolve, REFRESH_WAIT_MS);
            this.waiting.push(() => {
                clearTimeout(timer);
                resolve();
            });
            this.refresh();
        });
    }

    setShowAll(showAll: boolean): void {
        this.showAll = showAll;
        void vscode.commands.executeCommand('setContext', SHOW_ALL, showAll);
        if (this.tree) {
            this.tree.description = showAll ? 'all on this Docker engine' : undefined;
        }
        this.refresh();
    }

    async getChildren(node?: EndpointNode): Promise<EndpointNode[]> {
        if (node) {
            return childNodes(node);
        }
        try {
            const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
            const result = await callServer<{ endpoints: Endpoint[] }>(this.servers.current, 'amlDeploy.server.listEndpoints',
                listOptions(this.showAll, folders));
            this.error = undefined;
            return endpointNodes(result.endpoints);
        } catch (error) {
            this.error = errorMessage(error);
            return [];
        } finally {
            const waiting = this.waiting;
            this.waiting = [];
            setTimeout(() => waiting.forEach((resolve) => resolve()), 50); // after the rows are drawn
        }
    }

    getTreeItem(node: EndpointNode): vscode.TreeItem {
        return toTreeItem(endpointEntry(node));
    }
}

export function registerEndpointCommands(context: vscode.ExtensionContext, servers: ServerManager, view: EndpointsView,
    log: vscode.LogOutputChannel, kinds: () => FileKinds): void {
    const logs = new LogChannels(servers);
    const requests = new Requests(servers, context.globalStorageUri, logs);
    const ctx: DeployContext = { servers, view, log, logs, requests, kinds };
    context.subscriptions.push(
        logs,
        requests,
        vscode.commands.registerCommand('amlDeploy.refreshEndpoints', () => view.refresh()),
        vscode.commands.registerCommand('amlDeploy.showAllEndpoints', () => view.setShowAll(true)),
        vscode.commands.registerCommand('amlDeploy.showWorkspaceEndpoints', () => view.setShowAll(false)),
        vscode.commands.registerCommand('amlDeploy.deployLocally', (uri?: vscode.Uri | string) => deploy(ctx, uri, false)),
        vscode.commands.registerCommand('amlDeploy.debugLocally', (uri?: vscode.Uri | string) => deploy(ctx, uri, true)),
        vscode.commands.registerCommand('amlDeploy.testEndpoint', (target: Target) => requests.testEndpoint(target)),
        vscode.commands.registerCommand('amlDeploy.sendRequest', (uri?: vscode.Uri) => requests.sendRequest(uri)),
        vscode.commands.registerCommand('amlDeploy.showDeploymentLogs', (target: Target) => requests.showLogs(target)),
        vscode.commands.registerCommand('amlDeploy.deleteDeployment', (target: Target) => deleteTarget(servers, view, target)),
        vscode.commands.registerCommand('amlDeploy.copyEndpointKey', (target: Target) => copyKey(servers, target?.endpoint)),
        vscode.commands.registerCommand('amlDeploy.regenerateEndpointKey', (target: Target) => regenerateKey(servers, target?.endpoint)),
        vscode.commands.registerCommand('amlDeploy.setEndpointTraffic', (target: Target) => setTraffic(servers, view, target?.endpoint)),
    );
}
