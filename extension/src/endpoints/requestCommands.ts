// Test Endpoint, Send Request and Show Logs. A deployment's request lives in one file (in the
// extension's storage) that Test Endpoint opens again; Send Request checks it is JSON, saves it and
// shows the answer in the deployment's one response document.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { LogChannels } from './logChannels';
import { requestFileName, requestProblem, requestTarget, responseText } from './requests';
import { Target } from './tree';

const RESPONSE_SCHEME = 'aml-deploy-response';
const REQUEST_FILES = 'amlDeploy.requestFiles';

export class Requests implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly responses = new Map<string, string>();
    private readonly changed = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changed.event;
    private readonly registration: vscode.Disposable;
    private readonly folder: vscode.Uri;

    constructor(private readonly servers: ServerManager, storage: vscode.Uri, private readonly logs: LogChannels) {
        this.folder = vscode.Uri.joinPath(storage, 'requests');
        this.registration = vscode.workspace.registerTextDocumentContentProvider(RESPONSE_SCHEME, this);
        void this.announceFiles();
    }

    provideTextDocumentContent(uri: vscode.Uri): string {
        return this.responses.get(uri.path) ?? '';
    }

    // The request files Send Request appears on (`resourcePath in amlDeploy.requestFiles`).
    private async announceFiles(): Promise<void> {
        let names: string[] = [];
        try {
            names = (await vscode.workspace.fs.readDirectory(this.folder)).map(([name]) => name).filter((name) => requestTarget(name));
        } catch {
            // no request yet
        }
        await vscode.commands.executeCommand('setContext', REQUEST_FILES, names.map((name) => vscode.Uri.joinPath(this.folder, name).fsPath));
    }

    async testEndpoint(target: Target): Promise<void> {
        const endpoint = target?.deployment?.endpoint ?? target?.endpoint?.name;
        if (!endpoint) {
            return;
        }
        try {
            const sample = await callServer<{ body: string; deployment: string }>(this.servers.current, 'amlDeploy.server.sampleRequest',
                { endpoint, deployment: target?.deployment?.name });
            const file = vscode.Uri.joinPath(this.folder, requestFileName(endpoint, sample.deployment));
            const exists = await vscode.workspace.fs.stat(file).then(() => true, () => false);
            if (!exists) {
                await vscode.workspace.fs.createDirectory(this.folder);
                await vscode.workspace.fs.writeFile(file, Buffer.from(`${sample.body}\n`, 'utf8'));
                await this.announceFiles();
            }
            await vscode.window.showTextDocument(file, { preview: false });
            if (!exists) {
                void vscode.window.showInformationMessage(
                    `The request for ${endpoint}/${sample.deployment}: edit it, then Send Request (the send button above it).`);
            }
        } catch (error) {
            void vscode.window.showErrorMessage(errorMessage(error));
        }
    }

    async sendRequest(uri?: vscode.Uri): Promise<void> {
        const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
        const target = document && path.dirname(document.uri.fsPath) === this.folder.fsPath ? requestTarget(path.basename(document.uri.fsPath)) : undefined;
        if (!document || !target) {
            void vscode.window.showErrorMessage('Open a deployment\'s request first: Test Endpoint on it in the Local Endpoints view.');
            return;
        }
        const text = document.getText();
        const problem = requestProblem(text);
        if (problem) {
            void vscode.window.showErrorMessage(problem);
            return;
        }
        if (document.isDirty) {
            await document.save(); // one file per deployment: nothing left to ask about on close
        }
        try {
            const started = Date.now();
            const result = await callServer<{ status: number; body: string; deployment: string; explanation?: string }>(
                this.servers.current, 'amlDeploy.server.invoke', { endpoint: target.endpoint, deployment: target.deployment, body: text });
            const name = `${target.endpoint}/${result.deployment || target.deployment || '(no deployment)'}`;
            const response = vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/${target.endpoint}.${result.deployment}.response.jsonc` });
            this.responses.set(response.path, responseText(name, result.status, result.body, Date.now() - started, new Date(),
                result.explanation));
            this.changed.fire(response);
            const shown = await vscode.workspace.openTextDocument(response);
            await vscode.languages.setTextDocumentLanguage(shown, 'jsonc');
            await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
        } catch (error) {
            void vscode.window.showErrorMessage(errorMessage(error));
        }
    }

    async showLogs(target: Target): Promise<void> {
        const endpoint = target?.deployment?.endpoint ?? target?.endpoint?.name;
        const deployment = target?.deployment?.name ?? target?.endpoint?.deployments[0]?.name;
        if (endpoint && deployment) {
            await this.logs.show(endpoint, deployment);
        }
    }

    dispose(): void {
        this.registration.dispose();
        this.changed.dispose();
    }
}
