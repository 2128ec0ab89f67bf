// Calls to the language server's own commands (the amlDeploy.server.* namespace).
import { ExecuteCommandRequest, LanguageClient } from 'vscode-languageclient/node';
import { unwrap } from './serverCall';

export async function callServer<T>(client: LanguageClient | undefined, command: string, ...args: unknown[]): Promise<T> {
    if (!client || !client.isRunning()) {
        throw new Error('The AML Deploy language server is not running (see AML Deploy: Show Logs).');
    }
    return unwrap<T>(await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }));
}
