// The Models view's commands, on the Ui and ServerCall interfaces (unit-tested with fakes).
import * as path from 'path';
import { errorMessage, ServerCall, ServerError } from '../serverCall';
import { Ui } from '../ui';
import { ModelVersion } from './tree';

// A model name from a file or folder name: the registry's rule is letters, digits, -, _ and .
export function suggestedName(file: string): string {
    return path.basename(file).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-_.]+/, '') || 'model';
}

// The input box's check, from the pattern the server enforces in full (listModels' namePattern).
export function nameValidator(pattern: string): (value: string) => string | undefined {
    const rule = new RegExp(`^(?:${pattern})$`);
    return (value) => (rule.test(value) ? undefined : 'Letters, digits, -, _ and ., starting with a letter or digit');
}

// Delete a version; when a local deployment holds it, say so and offer to delete it anyway.
export async function deleteModel(ui: Ui, call: ServerCall, model: ModelVersion): Promise<boolean> {
    if (!(await ui.confirm(`Delete ${model.reference} and its files?`, 'Delete'))) {
        return false;
    }
    try {
        await call('amlDeploy.server.deleteModel', { name: model.name, version: model.version });
        return true;
    } catch (error) {
        if (!(error instanceof ServerError) || error.code !== 'in-use') {
            void ui.error(errorMessage(error));
            return false;
        }
        if (!(await ui.confirm(error.message, 'Delete Anyway'))) {
            return false;
        }
        try {
            await call('amlDeploy.server.deleteModel', { name: model.name, version: model.version, force: true });
            return true;
        } catch (again) {
            void ui.error(errorMessage(again));
            return false;
        }
    }
}

// The registry's version rule (registry/names.py VERSION); empty means "the next number".
export function versionProblem(value: string): string | undefined {
    return !value.trim() || /^[A-Za-z0-9][A-Za-z0-9\-_.]{0,99}$/.test(value.trim()) ? undefined
        : 'Letters, digits, -, _ and ., starting with a letter or digit (or leave it empty for the next number)';
}

// "key=value, key2=value 2" as tags; an entry without "=" is the problem.
export function parseTags(text: string): { tags: Record<string, string>; problem?: string } {
    const tags: Record<string, string> = {};
    for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
        const equals = entry.indexOf('=');
        if (equals <= 0) {
            return { tags, problem: `"${entry}" is not key=value` };
        }
        tags[entry.slice(0, equals).trim()] = entry.slice(equals + 1).trim();
    }
    return { tags };
}

export interface RegisterArgs {
    path: string;
    name: string;
    version?: string;
    description?: string;
    tags?: Record<string, string>;
}

export interface RegisterPreset {
    name?: string;
    version?: string;
}

// Ask for the name, then the optional version, description and tags; undefined when cancelled.
export async function askRegistration(ui: Ui, file: string, namePattern: string, preset: RegisterPreset = {}): Promise<RegisterArgs | undefined> {
    const name = await ui.input({
        title: `Register ${path.basename(file)}`, prompt: 'Model name (letters, digits, -, _ and .)',
        value: preset.name ?? suggestedName(file), validate: nameValidator(namePattern),
    });
    if (!name) {
        return undefined;
    }
    const version = await ui.input({
        title: `Register ${name}: version (optional)`, prompt: 'Leave empty for the next number (1, 2, ...)',
        value: preset.version ?? '', validate: versionProblem,
    });
    if (version === undefined) {
        return undefined;
    }
    const description = await ui.input({ title: `Register ${name}: description (optional)`, prompt: 'What this model is', value: '' });
    if (description === undefined) {
        return undefined;
    }
    const tags = await ui.input({
        title: `Register ${name}: tags (optional)`, prompt: 'key=value pairs, separated by commas', value: '',
        validate: (text) => parseTags(text).problem,
    });
    if (tags === undefined) {
        return undefined;
    }
    return {
        path: file, name, ...(version.trim() ? { version: version.trim() } : {}),
        ...(description.trim() ? { description: description.trim() } : {}), tags: parseTags(tags).tags,
    };
}
