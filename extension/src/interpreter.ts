// The order in which a Python interpreter is chosen (pure, so it is testable without VS Code).

export interface PythonChoice {
    command: string;
    source: 'setting' | 'python-extension' | 'default';
}

export function chooseInterpreter(setting: string | undefined, fromExtension: string | undefined, platform: string): PythonChoice {
    if (setting && setting.trim()) {
        return { command: setting.trim(), source: 'setting' };
    }
    if (fromExtension) {
        return { command: fromExtension, source: 'python-extension' };
    }
    return { command: platform === 'win32' ? 'python' : 'python3', source: 'default' };
}
