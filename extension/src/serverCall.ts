// How a server command's answer is read (no VS Code here, so it is unit-tested): a result as it
// is, or {"error": message, "code": code} for an error meant for the user.

export class ServerError extends Error {
    constructor(message: string, readonly code: string) {
        super(message);
        this.name = 'ServerError';
    }
}

// Calls one of the server's amlDeploy.server.* commands.
export type ServerCall = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

export function unwrap<T>(result: unknown): T {
    if (result !== null && typeof result === 'object' && 'error' in result) {
        const { error, code } = result as { error?: unknown; code?: unknown };
        if (typeof error === 'string' && error) {
            throw new ServerError(error, typeof code === 'string' ? code : 'failed');
        }
    }
    return result as T;
}

export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
