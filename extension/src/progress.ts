// Runs a server command under a VS Code progress notification fed by the server's $/progress reports.
import * as vscode from 'vscode';
import { LanguageClient, WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressReport } from 'vscode-languageclient/node';
import { callServer } from './serverCommands';

export async function withServerProgress<T>(client: LanguageClient | undefined, title: string, command: string,
    args: Record<string, unknown>): Promise<T> {
    const token = `${command}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async (progress) => {
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
        try {
            return await callServer<T>(client, command, { ...args, progressToken: token });
        } finally {
            listener?.dispose();
        }
    });
}
