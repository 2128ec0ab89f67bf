// One status bar item that says what the language server is doing.
import * as vscode from 'vscode';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

const LOOK: Record<ServerState, { icon: string; tooltip: string }> = {
    starting: { icon: '$(sync~spin)', tooltip: 'AML Deploy: starting the language server' },
    running: { icon: '$(check)', tooltip: 'AML Deploy: language server running' },
    stopped: { icon: '$(circle-slash)', tooltip: 'AML Deploy: language server stopped' },
    failed: { icon: '$(error)', tooltip: 'AML Deploy: the language server failed to start. Click for the log.' },
};

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('amlDeploy.status', vscode.StatusBarAlignment.Left, 50);

    constructor() {
        this.item.name = 'AML Deploy';
        this.item.command = 'amlDeploy.showLogs';
        this.show('starting');
        this.item.show();
    }

    show(state: ServerState, detail?: string): void {
        const look = LOOK[state];
        this.item.text = `${look.icon} AML Deploy`;
        this.item.tooltip = detail ? `${look.tooltip}\n${detail}` : look.tooltip;
        this.item.backgroundColor = state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    }

    dispose(): void {
        this.item.dispose();
    }
}
