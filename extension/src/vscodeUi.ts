// The Ui interface on the VS Code API.
import * as vscode from 'vscode';
import { Choice, InputOptions, Ui } from './ui';

export const vscodeUi: Ui = {
    info: (message, ...actions) => Promise.resolve(vscode.window.showInformationMessage(message, ...actions)),
    warn: (message, ...actions) => Promise.resolve(vscode.window.showWarningMessage(message, ...actions)),
    error: (message, ...actions) => Promise.resolve(vscode.window.showErrorMessage(message, ...actions)),
    confirm: async (message, action) => (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action,
    input: (options: InputOptions) => Promise.resolve(vscode.window.showInputBox({
        title: options.title,
        prompt: options.prompt,
        value: options.value,
        ignoreFocusOut: true, // a look elsewhere (for a file's name, say) must not throw the typed text away
        validateInput: options.validate,
        password: options.password,
    })),
    pick: <T extends Choice>(items: T[], title: string) => Promise.resolve(vscode.window.showQuickPick(items, { title })),
    copy: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
};
