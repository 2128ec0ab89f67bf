// Which files the server knows as deployments (and the scoring scripts they run) and as model YAMLs,
// from its amlDeploy/fileKinds notification; the menus show Deploy, Debug and Register Model by them.

export interface FileKinds {
    deployable: string[]; // deployment YAMLs and inferenceconfig.json files
    scripts: string[]; // scoring scripts those run
    models: string[]; // model YAMLs
}

export const NO_FILE_KINDS: FileKinds = { deployable: [], scripts: [], models: [] };

function paths(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function readFileKinds(params: unknown): FileKinds {
    const value = (params ?? {}) as Record<string, unknown>;
    return { deployable: paths(value.deployable), scripts: paths(value.scripts), models: paths(value.models) };
}

// The context keys package.json's `when` clauses read (`resourcePath in amlDeploy.deployableFiles`).
export function contextKeys(kinds: FileKinds): Record<string, string[]> {
    return {
        'amlDeploy.deployableFiles': [...kinds.deployable, ...kinds.scripts],
        'amlDeploy.modelFiles': kinds.models,
    };
}

export type FileRole = 'deployment' | 'script' | 'model' | 'unknown';

export function roleOf(kinds: FileKinds, file: string): FileRole {
    if (kinds.deployable.includes(file)) {
        return 'deployment';
    }
    if (kinds.scripts.includes(file) || file.toLowerCase().endsWith('.py')) {
        return 'script';
    }
    return kinds.models.includes(file) ? 'model' : 'unknown';
}
