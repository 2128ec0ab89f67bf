// Test Endpoint, Send Request and Show Logs: use a running deployment.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { Target } from './tree';

const requests = new Map<string, { endpoint: string; deployment?: string }>();

export async function testEndpoint(servers: ServerManager, target: Target): Promise<void> {
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

export async function sendRequest(servers: ServerManager): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const target = editor && requests.get(editor.document.uri.toString());
    if (!editor || !target) {
        void vscode.window.showErrorMessage('Open a request with "Test Endpoint" on a deployment first.');
        return;
    }
    try {
        const result = await callServer<{ status: number; body: string; deployment: string; explanation?: string }>(servers.current,
            'amlDeploy.server.invoke', { endpoint: target.endpoint, deployment: target.deployment, body: editor.document.getText() });
        const explanation = result.explanation ? `// ${result.explanation}\n` : '';
        const content = `// ${target.endpoint}/${result.deployment || '(none)'}: HTTP ${result.status} (through the endpoint's front)\n${explanation}${pretty(result.body)}`;
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

export async function showLogs(servers: ServerManager, target: Target): Promise<void> {
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
