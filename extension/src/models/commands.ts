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
