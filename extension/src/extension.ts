// Entry point: a log channel, a status bar item, the language client, and its commands.
import * as vscode from 'vscode';
import { ServerManager } from './client';
import { EndpointsView, registerEndpointCommands } from './endpoints/view';
import { ModelsView, registerModelCommands } from './models/view';
import { PublishedView, registerPublishCommands } from './published/view';
import { StatusBar } from './statusBar';

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ServerManager> {
    const log = vscode.window.createOutputChannel('AML Deploy', { log: true });
    const status = new StatusBar();
    manager = new ServerManager(context, log, status);
    context.subscriptions.push(
        log,
        status,
        manager,
        vscode.commands.registerCommand('amlDeploy.restartServer', () => manager?.restart()),
        vscode.commands.registerCommand('amlDeploy.showLogs', () => log.show()),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (event.affectsConfiguration('amlDeploy.python') || event.affectsConfiguration('amlDeploy.registryPath')) {
                void manager?.restart();
            }
        }),
    );
    const models = new ModelsView(manager);
    context.subscriptions.push(vscode.window.registerTreeDataProvider('amlDeploy.models', models));
    registerModelCommands(context, manager, models);
    const endpoints = new EndpointsView(manager);
    context.subscriptions.push(vscode.window.registerTreeDataProvider('amlDeploy.endpoints', endpoints));
    registerEndpointCommands(context, manager, endpoints, log);
    const published = new PublishedView(manager);
    context.subscriptions.push(vscode.window.registerTreeDataProvider('amlDeploy.published', published));
    registerPublishCommands(context, manager, published, log);
    manager.onRunning(() => {
        models.refresh();
        endpoints.refresh();
        published.refresh();
    });
    log.info('AML Deploy activated');
    try {
        await manager.start();
    } catch {
        // Reported in the status bar and the log; the restart command tries again.
    }
    return manager;
}

export async function deactivate(): Promise<void> {
    await manager?.stop();
}
