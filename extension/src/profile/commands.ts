// Profile…'s questions and decisions, on the Ui and ServerCall interfaces (unit-tested with fakes).
import * as path from 'path';
import { ServerCall } from '../serverCall';
import { Choice, Ui } from '../ui';
import type { Deployment } from '../endpoints/tree';
import type { ModelList } from '../models/tree';

export const SAMPLE_REQUEST = 'Sample request';

// The arguments of amlDeploy.server.profile for a deployment of the Local Endpoints view: its file
// goes along so that a stopped deployment can be started for the profile (and removed after).
export function deploymentArgs(deployment: Deployment): Record<string, unknown> {
    return { endpoint: deployment.endpoint, deployment: deployment.name, ...(deployment.config ? { config: deployment.config } : {}) };
}

// Which requests to send: the sample (the script's input_sample or a *request*.json beside the
// configuration), or one of the request files found near it. undefined: cancelled; null: the sample.
export async function chooseRequests(ui: Ui, candidates: string[], relative: (file: string) => string): Promise<string | null | undefined> {
    if (candidates.length === 0) {
        return null;
    }
    const items: (Choice & { file: string | null })[] = [
        { label: SAMPLE_REQUEST, description: 'the script\'s input_sample, or a *request*.json beside the configuration', file: null },
        ...candidates.map((file) => ({ label: relative(file), description: 'one request, a JSON array of requests, or JSON Lines', file })),
    ];
    const picked = await ui.pick(items, 'Profile with which requests?');
    return picked === undefined ? undefined : picked.file;
}

// A v1 configuration runs as a temporary local service named after the profile, with a model from
// the local registry (what az ml model profile -m NAME:VERSION does).
export async function configurationArgs(ui: Ui, call: ServerCall, config: string): Promise<Record<string, unknown> | undefined> {
    const list = await call<ModelList>('amlDeploy.server.listModels');
    const versions = list.models.flatMap((m) => m.versions.filter((v) => !v.archived));
    if (versions.length === 0) {
        void ui.error('Register the model first (AML Deploy: Register Model): a v1 profile runs the model from the local registry.');
        return undefined;
    }
    const model = await ui.pick(versions.map((v) => ({ label: v.reference, description: v.description ?? '', reference: v.reference })),
        'Profile with which model?');
    if (!model) {
        return undefined;
    }
    const suggested = `${path.basename(path.dirname(config))}-profile`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '');
    const name = await ui.input({
        title: 'Profile name', prompt: 'Names the profile and the temporary local service it runs', value: suggested,
        validate: (value) => (/^[A-Za-z0-9][A-Za-z0-9\-_.]{0,99}$/.test(value) ? undefined : 'Letters, digits, -, _ and ., starting with a letter or digit'),
    });
    return name ? { config, name, models: [model.reference] } : undefined;
}
