// The Models view and its commands on the VS Code API.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { withServerProgress } from '../progress';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { toTreeItem } from '../treeItem';
import { vscodeUi } from '../vscodeUi';
import { FileKinds, roleOf } from '../fileKinds';
import { askRegistration, deleteModel, RegisterArgs, RegisterPreset } from './commands';
import { childNodes, ModelList, ModelNode, modelEntry, modelNodes, ModelVersion } from './tree';

const FALLBACK_NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9\\-_.]{0,254}';

export class ModelsView implements vscode.TreeDataProvider<ModelNode> {
    private readonly changed = new vscode.EventEmitter<ModelNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;
    namePattern = FALLBACK_NAME_PATTERN;

    constructor(private readonly servers: ServerManager) {}

    refresh(): void {
        this.changed.fire(undefined);
    }

    async getChildren(node?: ModelNode): Promise<ModelNode[]> {
        if (node) {
            return childNodes(node);
        }
        try {
            const list = await callServer<ModelList>(this.servers.current, 'amlDeploy.server.listModels');
            this.namePattern = list.namePattern || FALLBACK_NAME_PATTERN;
            return modelNodes(list);
        } catch {
            return []; // the welcome view says what to do
        }
    }

    getTreeItem(node: ModelNode): vscode.TreeItem {
        return toTreeItem(modelEntry(node));
    }
}

export function registerModelCommands(context: vscode.ExtensionContext, servers: ServerManager, view: ModelsView, kinds: () => FileKinds): void {
    const call = <T>(command: string, args?: Record<string, unknown>) => callServer<T>(servers.current, command, args);
    context.subscriptions.push(
        vscode.commands.registerCommand('amlDeploy.refreshModels', () => view.refresh()),
        vscode.commands.registerCommand('amlDeploy.registerModel', (uri?: vscode.Uri | RegisterPreset | null, preset?: RegisterPreset) =>
            registerModel(servers, view, kinds, uri, preset)),
        vscode.commands.registerCommand('amlDeploy.copyModelReference', async (node?: { model: ModelVersion }) => {
            if (node?.model) {
                await vscode.env.clipboard.writeText(node.model.reference);
                void vscode.window.showInformationMessage(`Copied ${node.model.reference}`);
            }
        }),
        vscode.commands.registerCommand('amlDeploy.deleteModel', async (node?: { model: ModelVersion }) => {
            if (node?.model && await deleteModel(vscodeUi, call, node.model)) {
                view.refresh();
            }
        }),
        vscode.commands.registerCommand('amlDeploy.revealModelFiles', (node?: { model: ModelVersion }) => revealFiles(servers, node?.model)),
    );
}

// Register Model: a model YAML registers what it describes (as `model create --file`); any other file or
// folder asks for the name and the optional version, description and tags. A quick fix passes a preset.
async function registerModel(servers: ServerManager, view: ModelsView, kinds: () => FileKinds, uri?: vscode.Uri | RegisterPreset | null,
    preset?: RegisterPreset): Promise<void> {
    if (uri && !(uri instanceof vscode.Uri)) {
        [uri, preset] = [undefined, uri]; // a quick fix's arguments: the preset alone
    }
    const open = vscode.window.activeTextEditor?.document.uri;
    const openModelYaml = !preset && open?.scheme === 'file' && roleOf(kinds(), open.fsPath) === 'model' ? open : undefined;
    const target = uri ?? openModelYaml ?? (await pickFileOrFolder(preset));
    if (!target) {
        return;
    }
    // A YAML is registered as the model it describes (the server refuses one that describes none).
    const fromYaml = roleOf(kinds(), target.fsPath) === 'model' || /\.ya?ml$/i.test(target.fsPath);
    const args = fromYaml ? { file: target.fsPath } : await askRegistration(vscodeUi, target.fsPath, view.namePattern, preset);
    if (!args) {
        return;
    }
    const what = fromYaml ? vscode.workspace.asRelativePath(target) : (args as RegisterArgs).name;
    try {
        const model = await withServerProgress<ModelVersion>(servers.current, `Registering ${what}`,
            fromYaml ? 'amlDeploy.server.registerModelFile' : 'amlDeploy.server.registerModel', { ...args });
        view.refresh();
        void vscode.window.showInformationMessage(`Registered ${model.reference} (${model.size_text}).`);
    } catch (error) {
        void vscode.window.showErrorMessage(`Could not register ${what}: ${errorMessage(error)}`);
    }
}

async function pickFileOrFolder(preset?: RegisterPreset): Promise<vscode.Uri | undefined> {
    const what = preset?.name ? `${preset.name}${preset.version ? `:${preset.version}` : ''}` : 'a model';
    const choice = await vscode.window.showQuickPick(['A folder', 'A file'], { title: `Register ${what} from` });
    if (!choice) {
        return undefined;
    }
    const picked = await vscode.window.showOpenDialog({
        canSelectFolders: choice === 'A folder', canSelectFiles: choice === 'A file', canSelectMany: false,
        openLabel: 'Register', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    return picked?.[0];
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
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}
