// Profile… and Apply Recommendation on the VS Code API: the commands, the progress notification
// (with the current concurrency level, cancellable), the results panel, and a code action on a
// profiled file that applies the recommendation.
import * as path from 'path';
import * as vscode from 'vscode';
import { WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressReport, WorkspaceEdit } from 'vscode-languageclient/node';
import { ServerManager } from '../client';
import type { Target } from '../endpoints/tree';
import { errorMessage, ServerError } from '../serverCall';
import { callServer } from '../serverCommands';
import { vscodeUi } from '../vscodeUi';
import { chooseRequests, configurationArgs, deploymentArgs } from './commands';
import { headline, ProfileAnswer, Recommendation, resultsHtml } from './results';

// The last recommendation per file it can go into (what the code action offers).
const recommendations = new Map<string, { recommendation: Recommendation; name: string }>();

export function registerProfileCommands(context: vscode.ExtensionContext, servers: ServerManager): void {
    const call = <T>(command: string, args?: Record<string, unknown>) => callServer<T>(servers.current, command, args);
    context.subscriptions.push(
        vscode.commands.registerCommand('amlDeploy.profileDeployment', async (target: Target) => {
            if (target?.deployment) {
                const d = target.deployment;
                await profile(context, servers, `${d.endpoint}/${d.name}`, deploymentArgs(d), d.config ?? undefined);
            }
        }),
        vscode.commands.registerCommand('amlDeploy.profileConfiguration', async (uri?: vscode.Uri) => {
            const config = uri ?? vscode.window.activeTextEditor?.document.uri;
            if (!config) {
                void vscode.window.showErrorMessage('Open an inferenceconfig.json to profile it.');
                return;
            }
            try {
                const args = await configurationArgs(vscodeUi, call, config.fsPath);
                if (args) {
                    await profile(context, servers, String(args.name), args, config.fsPath);
                }
            } catch (error) {
                void vscode.window.showErrorMessage(errorMessage(error));
            }
        }),
        vscode.commands.registerCommand('amlDeploy.applyRecommendation', (file: string, recommendation?: Recommendation) =>
            applyRecommendation(servers, file, recommendation ?? recommendations.get(file)?.recommendation)),
        vscode.languages.registerCodeActionsProvider([{ scheme: 'file', pattern: '**/*.{yml,yaml,json}' }], {
            provideCodeActions(document) {
                const remembered = recommendations.get(document.uri.fsPath);
                if (!remembered) {
                    return [];
                }
                const action = new vscode.CodeAction(`Apply the recommendation of profile ${remembered.name}`, vscode.CodeActionKind.Refactor);
                action.command = { title: action.title, command: 'amlDeploy.applyRecommendation', arguments: [document.uri.fsPath] };
                return [action];
            },
        }),
    );
}

async function profile(context: vscode.ExtensionContext, servers: ServerManager, what: string, args: Record<string, unknown>,
    near?: string): Promise<void> {
    const folder = near ? vscode.Uri.file(path.dirname(near)) : undefined;
    const found = folder ? await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '*request*.{json,jsonl}'), null, 20) : [];
    const requests = await chooseRequests(vscodeUi, found.map((u) => u.fsPath), (file) => vscode.workspace.asRelativePath(file));
    if (requests === undefined) {
        return;
    }
    let answer: ProfileAnswer;
    try {
        answer = await withCancellableProgress(servers, `Profiling ${what}`, { ...args, ...(requests ? { requestFile: requests } : {}) });
    } catch (error) {
        if (error instanceof ServerError && error.code === 'cancelled') {
            void vscode.window.showInformationMessage(error.message);
        } else {
            void vscode.window.showErrorMessage(errorMessage(error));
        }
        return;
    }
    const r = answer.profile.recommendation;
    for (const file of answer.writeTargets) {
        if (r) {
            recommendations.set(file, { recommendation: r, name: answer.profile.name });
        }
    }
    showResults(context, servers, answer);
    void vscode.window.showInformationMessage(headline(answer));
}

async function withCancellableProgress(servers: ServerManager, title: string, args: Record<string, unknown>): Promise<ProfileAnswer> {
    const client = servers.current;
    const token = `amlDeploy.profile.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, cancel) => {
        let reported = 0;
        const listener = client?.onProgress(WorkDoneProgress.type, token, (value) => {
            if (value.kind === 'end') {
                return;
            }
            const update: WorkDoneProgressBegin | WorkDoneProgressReport = value;
            const increment = update.percentage !== undefined ? update.percentage - reported : undefined;
            reported = update.percentage ?? reported;
            progress.report({ message: update.message, increment });
        });
        const cancelling = cancel.onCancellationRequested(() => {
            void callServer(client, 'amlDeploy.server.cancelProfile', { progressToken: token }).catch(() => undefined);
        });
        try {
            return await callServer<ProfileAnswer>(client, 'amlDeploy.server.profile', { ...args, progressToken: token });
        } finally {
            listener?.dispose();
            cancelling.dispose();
        }
    });
}

function showResults(context: vscode.ExtensionContext, servers: ServerManager, answer: ProfileAnswer): void {
    const panel = vscode.window.createWebviewPanel('amlDeploy.profile', `Profile ${answer.profile.name}`, vscode.ViewColumn.Beside,
        { enableScripts: true, localResourceRoots: [] });
    const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
    panel.webview.html = resultsHtml(answer, { nonce, cspSource: panel.webview.cspSource, relative: (f) => vscode.workspace.asRelativePath(f) });
    panel.webview.onDidReceiveMessage((message: { apply?: number }) => {
        const file = message.apply !== undefined ? answer.writeTargets[message.apply] : undefined;
        if (file && answer.profile.recommendation) {
            void applyRecommendation(servers, file, answer.profile.recommendation);
        }
    }, undefined, context.subscriptions);
}

async function applyRecommendation(servers: ServerManager, file: string, recommendation?: Recommendation): Promise<void> {
    if (!recommendation) {
        void vscode.window.showErrorMessage(`No profile has a recommendation for ${vscode.workspace.asRelativePath(file)}: run Profile… first.`);
        return;
    }
    const client = servers.current;
    try {
        const answer = await callServer<{ edit: WorkspaceEdit; fields: string[] }>(client, 'amlDeploy.server.recommendationEdit', { file, recommendation });
        if (!client) {
            throw new Error('The AML Deploy language server is not running (see AML Deploy: Show Logs).');
        }
        const edit = await client.protocol2CodeConverter.asWorkspaceEdit(answer.edit);
        if (!(await vscode.workspace.applyEdit(edit))) {
            throw new Error(`VS Code did not apply the edit to ${vscode.workspace.asRelativePath(file)} (was it changed meanwhile?).`);
        }
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
        void vscode.window.showInformationMessage(`Set ${answer.fields.join(', ')} in ${vscode.workspace.asRelativePath(file)} (not saved yet).`);
    } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
    }
}
