// What the commands need from the editor's user interface, as an interface: vscodeUi.ts implements
// it with the VS Code API, and the unit tests with a fake that records and answers.

export interface Choice {
    label: string;
    description?: string;
}

export interface InputOptions {
    title: string;
    prompt: string;
    value?: string;
    validate?: (value: string) => string | undefined;
    password?: boolean; // typed text hidden
}

export interface Ui {
    info(message: string, ...actions: string[]): Promise<string | undefined>;
    warn(message: string, ...actions: string[]): Promise<string | undefined>;
    confirm(message: string, action: string): Promise<boolean>; // a modal question
    error(message: string, ...actions: string[]): Promise<string | undefined>;
    input(options: InputOptions): Promise<string | undefined>;
    pick<T extends Choice>(items: T[], title: string): Promise<T | undefined>;
    copy(text: string): Promise<void>;
}
