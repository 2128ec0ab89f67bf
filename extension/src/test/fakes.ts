// A Ui that answers from a script and records what it was asked; a server that answers per command.
import { ServerCall, unwrap } from '../serverCall';
import { Choice, InputOptions, Ui } from '../ui';

export class FakeUi implements Ui {
    readonly shown: string[] = [];
    constructor(private readonly answers: Record<string, string | boolean | undefined> = {}) {}

    private answer(kind: string, message: string): string | boolean | undefined {
        this.shown.push(`${kind}: ${message}`);
        const key = Object.keys(this.answers).find((k) => message.includes(k));
        return key === undefined ? undefined : this.answers[key];
    }

    info(message: string): Promise<string | undefined> {
        return Promise.resolve(this.answer('info', message) as string | undefined);
    }
    warn(message: string): Promise<string | undefined> {
        return Promise.resolve(this.answer('warn', message) as string | undefined);
    }
    error(message: string): Promise<string | undefined> {
        return Promise.resolve(this.answer('error', message) as string | undefined);
    }
    confirm(message: string): Promise<boolean> {
        return Promise.resolve(this.answer('confirm', message) === true);
    }
    input(options: InputOptions): Promise<string | undefined> {
        return Promise.resolve(this.answer('input', options.title) as string | undefined);
    }
    pick<T extends Choice>(items: T[], title: string): Promise<T | undefined> {
        const label = this.answer('pick', title);
        return Promise.resolve(items.find((item) => item.label === label));
    }
    copy(text: string): Promise<void> {
        this.shown.push(`copy: ${text}`);
        return Promise.resolve();
    }
}

// Answers each command with the next of its results; records the calls.
export function fakeServer(results: Record<string, unknown[]>): { call: ServerCall; calls: [string, unknown][] } {
    const calls: [string, unknown][] = [];
    const call = <T>(command: string, args?: Record<string, unknown>): Promise<T> => {
        calls.push([command, args]);
        const queue = results[command] ?? [];
        if (queue.length === 0) {
            return Promise.reject(new Error(`unexpected call ${command}`));
        }
        try {
            return Promise.resolve(unwrap<T>(queue.shift()));
        } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
    };
    return { call, calls };
}
