// The Local Endpoints view and the local deployment commands: Deploy Locally, Debug Locally,
// Test Endpoint, Send Request, Show Logs, Delete.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { toTreeItem } from '../treeItem';
import { deploy } from './deployCommands';
import { copyKey, regenerateKey, setTraffic } from './frontCommands';
import { deleteTarget } from './manageCommands';
import { sendRequest, showLogs, testEndpoint } from './requestCommands';
import { childNodes, Endpoint, EndpointNode, endpointEntry, endpointNodes, Target } from './tree';

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
        vscode.commands.registerCommand('amlDeploy.copyEndpointKey', (target: Target) => copyKey(servers, target?.endpoint)),
        vscode.commands.registerCommand('amlDeploy.regenerateEndpointKey', (target: Target) => regenerateKey(servers, target?.endpoint)),
        vscode.commands.registerCommand('amlDeploy.setEndpointTraffic', (target: Target) => setTraffic(servers, view, target?.endpoint)),
    );
}
