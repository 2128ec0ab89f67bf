// Which configuration Publish… starts from, decided without VS Code: a local deployment's node in the
// Local Endpoints view, or a file (a v2 deployment YAML or a v1 inferenceconfig.json).
import * as path from 'path';
import { Choice, Ui } from '../ui';
import { PublishSource } from './commands';

export interface DeploymentNode {
    deployment?: { endpoint: string; name: string; config?: string };
    endpoint?: { name: string; deployments: { config?: string }[] };
}

export function isV1(config: string): boolean {
    return config.toLowerCase().endsWith('.json');
}

// The configuration of a local deployment (or of an endpoint's first deployment), named after the endpoint.
export function sourceFromNode(node: DeploymentNode): PublishSource | undefined {
    const config = node.deployment?.config ?? node.endpoint?.deployments.find((d) => d.config)?.config;
    const name = node.deployment?.endpoint ?? node.endpoint?.name;
    return config ? { config, name } : undefined;
}

// For a v1 inferenceconfig.json: which deploymentconfig.json beside it (none: cpu and memory are asked),
// and which registered model(s) it serves.
export async function completeV1Source(ui: Ui, source: PublishSource, siblings: string[],
    models: { label: string }[]): Promise<PublishSource | undefined> {
    if (!isV1(source.config)) {
        return source;
    }
    const candidates = siblings.filter((file) => /deploy.*config.*\.json$/i.test(path.basename(file)));
    const none: Choice & { file?: string } = { label: 'No deploymentconfig.json', description: 'give cpu and memory now' };
    const choices: (Choice & { file?: string })[] = [...candidates.map((file) => ({ label: path.basename(file), description: file, file })), none];
    const picked = choices.length === 1 ? none : await ui.pick(choices, 'Publish: the deployment configuration (computeType aci, or aks for Kubernetes)');
    if (!picked) {
        return undefined;
    }
    const noModel = { label: 'No model' };
    const model = models.length === 0 ? noModel : await ui.pick([...models, noModel], 'Publish: the model it serves (local registry)');
    if (!model) {
        return undefined;
    }
    return { ...source, name: source.name ?? path.basename(path.dirname(source.config)), deploymentConfig: picked.file,
        models: model === noModel ? [] : [model.label] };
}
