// The Models view: name -> versions, from the local registry, and the commands on it.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerManager } from './client';
import { withServerProgress } from './progress';
import { callServer } from './serverCommands';

export interface ModelVersion {
    name: string;
    version: string;
    type: string;
    description: string;
    tags: Record<string, string>;
    size_text: string;
    file_count: number;
    created: string;
    archived: boolean;
    reference: string;
}

interface ModelList {
    registry: string;
    models: { name: string; versions: ModelVersion[] }[];
    error?: string;
}

type Node = { kind: 'model'; name: string; versions: ModelVersion[] } | { kind: 'version'; model: ModelVersion };

export class ModelsView implements vscode.TreeDataProvider<Node> {
    private readonly changed = new vscode.EventEmitter<Node | undefined>();
    readonly onDidChangeTreeData = this.changed.event;

    constructor(private readonly servers: ServerManager) {}

    refresh(): void {
        this.changed.fire(undefined);
    }

    async getChildren(node?: Node): Promise<Node[]> {
        if (node?.kind === 'model') {
            return node.versions.map((model) => ({ kind: 'version', model }));
        }
        if (node) {
            return [];
        }
        try {
            const list = await callServer<ModelList>(this.servers.current, 'amlDeploy.server.listModels');
            return list.models.map((m) => ({ kind: 'model', name: m.name, versions: m.versions }));
        } catch {
            return []; // the welcome view says what to do
        }
    }

    getTreeItem(node: Node): vscode.TreeItem {
        if (node.kind === 'model') {
            const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
            item.iconPath = new vscode.ThemeIcon('package');
            item.contextValue = 'model';
            item.description = `${node.versions.length} version${node.versions.length === 1 ? '' : 's'}`;
            item.accessibilityInformation = { label: `model ${node.name}` };
            return item;
        }
        const model = node.model;
        const item = new vscode.TreeItem(model.version, vscode.TreeItemCollapsibleState.None);
        const tags = Object.entries(model.tags).map(([k, v]) => `${k}=${v}`).join(' ');
        item.description = [tags, model.size_text, model.created.slice(0, 10), model.archived ? 'archived' : ''].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(model.archived ? 'archive' : 'versions');
        item.contextValue = 'modelVersion';
        item.tooltip = new vscode.MarkdownString(
            `**${model.reference}**\n\n${model.description || ''}\n\n${model.type} · ${model.size_text} in ${model.file_count} file(s)\n\nRegistered ${model.created}`,
        );
        item.accessibilityInformation = { label: `${model.name} version ${model.version}` };
        return item;
    }
}

export function registerModelCommands(context: vscode.ExtensionContext, servers: ServerManager, view: ModelsView): void {
    context.subscriptions.push(
        vscode.commands.registerCommand('amlDeploy.refreshModels', () => view.refresh()),
        vscode.commands.registerCommand('amlDeploy.registerModel', (uri?: vscode.Uri) => registerModel(servers, view, uri)),
        vscode.commands.registerCommand('amlDeploy.copyModelReference', async (node?: { model: ModelVersion }) => {
            if (node?.model) {
                await vscode.env.clipboard.writeText(node.model.reference);
                void vscode.window.showInformationMessage(`Copied ${node.model.reference}`);
            }
        }),
        vscode.commands.registerCommand('amlDeploy.deleteModel', (node?: { model: ModelVersion }) => deleteModel(servers, view, node?.model)),
        vscode.commands.registerCommand('amlDeploy.revealModelFiles', (node?: { model: ModelVersion }) => revealFiles(servers, node?.model)),
    );
}

async function registerModel(servers: ServerManager, view: ModelsView, uri?: vscode.Uri): Promise<void> {
    const target = uri ?? (await pickFileOrFolder());
    if (!target) {
        return;
    }
    const suggested = path.basename(target.fsPath).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-_.]+/, '') || 'model';
    const name = await vscode.window.showInputBox({
        title: `Register ${path.basename(target.fsPath)}`,
        prompt: 'Model name (letters, digits, -, _ and .)',
        value: suggested,
        ignoreFocusOut: true, // a look elsewhere (for the file's name, say) must not throw the typed name away
        validateInput: (value) => (/^[A-Za-z0-9][A-Za-z0-9\-_.]{0,254}$/.test(value) ? undefined : 'Letters, digits, -, _ and ., starting with a letter or digit'),
    });
    if (!name) {
        return;
    }
    try {
        const model = await withServerProgress<ModelVersion>(servers.current, `Registering ${name}`, 'amlDeploy.server.registerModel',
            { path: target.fsPath, name });
        view.refresh();
        void vscode.window.showInformationMessage(`Registered ${model.reference} (${model.size_text}).`);
    } catch (error) {
        void vscode.window.showErrorMessage(`Could not register ${name}: ${error instanceof Error ? error.message : error}`);
    }
}

async function pickFileOrFolder(): Promise<vscode.Uri | undefined> {
    const choice = await vscode.window.showQuickPick(['A folder', 'A file'], { title: 'Register a model from' });
    if (!choice) {
        return undefined;
    }
    const picked = await vscode.window.showOpenDialog({
        canSelectFolders: choice === 'A folder', canSelectFiles: choice === 'A file', canSelectMany: false,
        openLabel: 'Register', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    return picked?.[0];
}

async function deleteModel(servers: ServerManager, view: ModelsView, model?: ModelVersion): Promise<void> {
    if (!model) {
        return;
    }
    const answer = await vscode.window.showWarningMessage(`Delete ${model.reference} and its files?`, { modal: true }, 'Delete');
    if (answer !== 'Delete') {
        return;
    }
    try {
        await callServer(servers.current, 'amlDeploy.server.deleteModel', { name: model.name, version: model.version });
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!message.includes('--force')) {
            void vscode.window.showErrorMessage(message);
            return;
        }
        const force = await vscode.window.showWarningMessage(message, { modal: true }, 'Delete Anyway');
        if (force !== 'Delete Anyway') {
            return;
        }
        await callServer(servers.current, 'amlDeploy.server.deleteModel', { name: model.name, version: model.version, force: true });
    }
    view.refresh();
}

async function revealFiles(servers: ServerManager, model?: ModelVersion): Promise<void> {
    if (!model) {
        return;
    }
    try {
        const result = await callServer<{ root: string; files: string[] }>(servers.current, 'amlDeploy.server.modelFiles',
            { name: model.name, version: model.version });
        const picked = await vscode.window.showQuickPick(
            result.files.map((file) => ({ label: path.relative(path.dirname(result.root), file), file })),
            { title: `${model.reference}: ${result.files.length} file(s), read-only` },
        );
        if (picked) {
            await vscode.window.showTextDocument(vscode.Uri.file(picked.file), { preview: true });
        }
    } catch (error) {
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
}
