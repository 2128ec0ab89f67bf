// Which deployment each server log follow (amlDeploy/logLines) belongs to. VS Code-free, unit-tested.

export interface LogLines {
    follow: string;
    lines: string[];
    ended: boolean;
    message?: string;
}

export function readLogLines(params: unknown): LogLines | undefined {
    const value = (params ?? {}) as Record<string, unknown>;
    if (typeof value.follow !== 'string') {
        return undefined;
    }
    const lines = Array.isArray(value.lines) ? value.lines.filter((line): line is string => typeof line === 'string') : [];
    return { follow: value.follow, lines, ended: value.ended === true, message: typeof value.message === 'string' ? value.message : undefined };
}

export function deploymentKey(endpoint: string, deployment: string): string {
    return `${endpoint}/${deployment}`;
}

export class LogFollows {
    private readonly byFollow = new Map<string, string>(); // follow id -> deployment key
    private readonly byKey = new Map<string, string>();

    start(key: string, follow: string): void {
        this.byFollow.set(follow, key);
        this.byKey.set(key, follow);
    }

    following(key: string): string | undefined {
        return this.byKey.get(key);
    }

    // The deployment these lines are for; an ended follow is forgotten.
    receive(message: LogLines): string | undefined {
        const key = this.byFollow.get(message.follow);
        if (key !== undefined && message.ended) {
            this.byFollow.delete(message.follow);
            if (this.byKey.get(key) === message.follow) {
                this.byKey.delete(key);
            }
        }
        return key;
    }

    all(): string[] {
        return [...this.byFollow.keys()];
    }
}
