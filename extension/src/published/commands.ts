// The Published Services commands on the Ui and ServerCall interfaces (unit-tested with fakes):
// Publish…, Copy Key, Regenerate Key, Show Logs, Update Model, Delete.
import { errorMessage, ServerCall, ServerError } from '../serverCall';
import { Ui } from '../ui';
import { askKubernetesSettings, askSettings, PublishSettings, rememberSettings, serviceNameProblem, SettingsStore, SETTINGS_KEY, suggestedServiceName } from './settings';
import { PublishedService } from './tree';

// What is being published: a local deployment's configuration, or a v1 inferenceconfig.json.
export interface PublishSource {
    config: string; // path or file URI
    name?: string; // a suggestion: the local endpoint's name, the folder's
    deploymentConfig?: string; // a v1 deploymentconfig.json beside it
    computeType?: string; // its computeType: aks publishes to a Kubernetes cluster, anything else to ACI
    models?: string[];
}

export interface PublishResult {
    endpoint: string;
    provisioning_state: string;
    target?: string;
    scoring_uri?: string;
    problem?: string;
    failure?: { message: string; path?: string; line?: number; function?: string; log: string };
    warnings?: string[];
    publish?: { push?: { bytes_pushed: number; layers_pushed: number }; stages?: Record<string, number> };
}

// Runs the publish under a progress notification (the view passes withServerProgress; tests call straight).
export type Publisher = (title: string, args: Record<string, unknown>) => Promise<PublishResult>;

export async function publish(ui: Ui, publisher: Publisher, store: SettingsStore, source: PublishSource,
    askPassword = true): Promise<PublishResult | undefined> {
    const kubernetes = source.computeType?.toLowerCase() === 'aks';
    const where = kubernetes ? 'Kubernetes' : 'ACI';
    const name = await ui.input({ title: 'Publish: service name', prompt: `Name of the service on ${kubernetes ? 'the cluster' : 'ACI'}`,
        value: suggestedServiceName(source.name ?? 'service'), validate: serviceNameProblem });
    if (!name) {
        return undefined;
    }
    const remembered = store.get<PublishSettings>(SETTINGS_KEY);
    const settings = kubernetes ? await askKubernetesSettings(ui, remembered) : await askSettings(ui, remembered, !source.deploymentConfig);
    if (!settings) {
        return undefined;
    }
    await rememberSettings(store, settings);
    let registryPassword: string | undefined;
    if (settings.registryUsername && askPassword) {
        registryPassword = await ui.input({ title: `Publish: password of ${settings.registryUsername}`, prompt: 'Not stored', password: true });
        if (registryPassword === undefined) {
            return undefined;
        }
    }
    const args: Record<string, unknown> = {
        config: source.config, name, deploymentConfig: source.deploymentConfig, models: source.models ?? [],
        subscription: settings.subscription, resourceGroup: settings.resourceGroup, location: settings.location,
        registryServer: settings.registryServer, registryUsername: settings.registryUsername, registryPassword,
        acrName: settings.acrName, cpu: settings.cpu, memoryGb: settings.memoryGb,
        kubeContext: kubernetes ? settings.kubeContext : undefined,
    };
    try {
        return await publisher(`Publishing ${name} to ${where}`, args);
    } catch (error) {
        void ui.error(`Could not publish ${name}: ${errorMessage(error)}`);
        return undefined;
    }
}

// One line for the notification after a publish: where it answers, or why it failed and at which stage.
export function publishSummary(result: PublishResult): string {
    if (result.provisioning_state === 'Succeeded') {
        const pushed = result.publish?.push;
        const bytes = pushed ? ` (pushed ${pushed.layers_pushed} layer(s), ${(pushed.bytes_pushed / 1e6).toFixed(2)} MB)` : '';
        return `${result.endpoint} is ready at ${result.scoring_uri}${bytes}.`;
    }
    const stage = result.target === 'local-check' ? 'the local check (nothing was pushed)' : 'ACI';
    const where = result.failure?.path ? ` at ${result.failure.path}:${result.failure.line}` : '';
    return `${result.endpoint} failed in ${stage}: ${result.failure?.message ?? result.problem ?? 'see the log'}${where}`;
}

export async function copyKey(ui: Ui, call: ServerCall, service: PublishedService): Promise<void> {
    try {
        const keys = await call<{ primaryKey: string }>('amlDeploy.server.publishedKeys', { name: service.name });
        await ui.copy(keys.primaryKey);
        void ui.info(`Copied the primary key of ${service.name}.`);
    } catch (error) {
        void ui.error(errorMessage(error));
    }
}

export async function regenerateKey(ui: Ui, call: ServerCall, service: PublishedService): Promise<boolean> {
    const picked = await ui.pick([{ label: 'primary' }, { label: 'secondary' }], `Regenerate a key of ${service.name}`);
    if (!picked || !(await ui.confirm(`Regenerate the ${picked.label} key of ${service.name}? Callers using it get 401 from then on; ` +
        'the other key keeps working.', 'Regenerate'))) {
        return false;
    }
    try {
        const keys = await call<{ primaryKey: string; secondaryKey: string }>('amlDeploy.server.regeneratePublishedKey',
            { name: service.name, keyType: picked.label });
        await ui.copy(picked.label === 'primary' ? keys.primaryKey : keys.secondaryKey);
        void ui.info(`Regenerated the ${picked.label} key of ${service.name} and copied it.`);
        return true;
    } catch (error) {
        void ui.error(errorMessage(error));
        return false;
    }
}

interface ModelList { models: { name: string; versions: { version: string; reference: string; archived: boolean }[] }[] }

// Update Model: pick a registered version; the server pushes the new model layer and updates the group (keys kept).
export async function updateModel(ui: Ui, call: ServerCall, publisher: Publisher, service: PublishedService): Promise<PublishResult | undefined> {
    let list: ModelList;
    try {
        list = await call<ModelList>('amlDeploy.server.listModels');
    } catch (error) {
        void ui.error(errorMessage(error));
        return undefined;
    }
    const choices = list.models.flatMap((m) => m.versions.filter((v) => !v.archived)
        .map((v) => ({ label: `${m.name}:${v.version}`, description: v.reference })));
    if (choices.length === 0) {
        void ui.info('The local registry has no models: register one first (Models view).');
        return undefined;
    }
    const picked = await ui.pick(choices, `Update the model of ${service.name}`);
    if (!picked) {
        return undefined;
    }
    try {
        return await publisher(`Updating ${service.name} to ${picked.label}`, { name: service.name, models: [picked.label] });
    } catch (error) {
        void ui.error(`Could not update ${service.name}: ${errorMessage(error)}`);
        return undefined;
    }
}

export async function deleteService(ui: Ui, call: ServerCall, service: PublishedService): Promise<boolean> {
    if (!(await ui.confirm(`Delete the service ${service.name} (its container group on ACI)? The image stays in the registry.`, 'Delete'))) {
        return false;
    }
    try {
        await call('amlDeploy.server.deletePublished', { name: service.name });
        return true;
    } catch (error) {
        if (error instanceof ServerError && error.code === 'not-found') {
            return true; // already gone in Azure
        }
        void ui.error(errorMessage(error));
        return false;
    }
}
