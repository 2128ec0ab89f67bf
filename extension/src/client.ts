// Starts, stops and restarts the language client around the Python server.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, State } from 'vscode-languageclient/node';
import { findPython } from './python';
import { errorMessage } from './serverCall';
import { serverLaunch } from './serverEnvironment';
import { StatusBar } from './statusBar';

const DOCUMENTS = [
    { scheme: 'file', language: 'yaml' },
    { scheme: 'file', language: 'json' },
    { scheme: 'file', language: 'jsonc' },
    { scheme: 'file', language: 'python' },
    { scheme: 'untitled', language: 'yaml' },
];

export class ServerManager implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private restarting = false;
    private readonly notifications: [string, (params: unknown) => void][] = [];
    private readonly running = new vscode.EventEmitter<void>();
    readonly onRunning = this.running.event;

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly log: vscode.LogOutputChannel,
        private readonly status: StatusBar,
    ) {}

    get current(): LanguageClient | undefined {
        return this.client;
    }

    // Hear a server notification from this client and every one a restart starts.
    onNotification(method: string, handler: (params: unknown) => void): void {
        this.notifications.push([method, handler]);
        this.client?.onNotification(method, handler);
    }

    async start(): Promise<void> {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const python = await findPython(folder);
        const settings = vscode.workspace.getConfiguration('amlDeploy', folder);
        const launch = serverLaunch(this.context.extensionPath, python.command, process.env, settings.get<string>('registryPath') || undefined);
        this.log.info(`Starting the language server: ${launch.command} ${launch.args.join(' ')} (Python from ${python.source})`);
        const serverOptions: ServerOptions = { command: launch.command, args: launch.args, options: { env: launch.env } };
        const clientOptions: LanguageClientOptions = {
            documentSelector: DOCUMENTS,
            outputChannel: this.log,
            traceOutputChannel: this.log,
            revealOutputChannelOn: 4, // never: the status bar says when something is wrong
            initializationOptions: {
                scanWorkspace: settings.get<boolean>('scanWorkspace', true),
                registryPath: settings.get<string>('registryPath') || undefined,
                modelReferences: settings.get<string>('modelReferences', 'local'),
            },
        };
        const client = new LanguageClient('amlDeploy', 'AML Deploy', serverOptions, clientOptions);
        for (const [method, handler] of this.notifications) {
            client.onNotification(method, handler);
        }
        client.onDidChangeState((event) => {
            if (event.newState === State.Running) {
                this.status.show('running', `Python: ${launch.command}`);
                this.running.fire();
            } else if (event.newState === State.Stopped && !this.restarting) {
                this.status.show('stopped');
            }
        });
        this.client = client;
        this.status.show('starting');
        try {
            await client.start();
        } catch (error) {
            this.status.show('failed', String(error));
            this.log.error(`The language server did not start with ${launch.command}: ${errorMessage(error)}. ` +
                'Set amlDeploy.python to a Python 3.10+ interpreter, or install the server with "pip install aml-deploy".');
            throw error;
        }
    }

    async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (client) {
            try {
                await client.stop();
            } catch (error) {
                this.log.warn(`Stopping the language server failed: ${errorMessage(error)}`);
            }
        }
    }

    async restart(): Promise<void> {
        if (this.restarting) {
            return;
        }
        this.restarting = true;
        try {
            await this.stop();
            await this.start();
        } finally {
            this.restarting = false;
        }
    }

    dispose(): void {
        void this.stop();
    }
}
