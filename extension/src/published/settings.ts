// The target settings Publish… asks for, remembered per workspace: where the service runs in Azure and
// which registry holds its image. Asked in order, each prefilled with what was used last time.
import { InputOptions, Ui } from '../ui';

export interface PublishSettings {
    subscription?: string; // empty: the Azure CLI's default / AZURE_SUBSCRIPTION_ID
    resourceGroup?: string; // empty: `az configure --defaults group=`
    location?: string; // empty: the configuration's, else the resource group's
    registryServer: string;
    registryUsername?: string; // empty: an Azure Container Registry, or what `docker login` stored
    acrName?: string;
    cpu?: number; // only asked without a deploymentconfig.json
    memoryGb?: number;
    kubeContext?: string; // Kubernetes: empty is the configuration's computeTargetName, else the current context
}

// Where settings are remembered (VS Code's workspaceState; a Map in the tests).
export interface SettingsStore {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export const SETTINGS_KEY = 'amlDeploy.publishSettings';
// Azure ML v1's rule for service names, which ACI's group names follow.
export const SERVICE_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

export function serviceNameProblem(value: string): string | undefined {
    return SERVICE_NAME.test(value) ? undefined : '3 to 32 lowercase letters, digits and -, starting with a letter';
}

// A service name from a configuration's folder or an endpoint's name.
export function suggestedServiceName(source: string): string {
    const cleaned = source.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    const named = /^[a-z]/.test(cleaned) ? cleaned : `service-${cleaned}`;
    return named.slice(0, 32).replace(/-+$/, '') || 'service';
}

function positiveNumber(value: string): string | undefined {
    return value === '' || (Number.isFinite(Number(value)) && Number(value) > 0) ? undefined : 'A positive number';
}

function registryProblem(value: string): string | undefined {
    return /^[A-Za-z0-9.-]+(:\d+)?$/.test(value) ? undefined : 'A registry login server: myacr.azurecr.io, or host:port';
}

// Ask for the settings; undefined when the person cancels. `needsResources`: no deploymentconfig.json says cpu and memory.
export async function askSettings(ui: Ui, remembered: PublishSettings | undefined, needsResources: boolean): Promise<PublishSettings | undefined> {
    const last: Partial<PublishSettings> = remembered ?? {};
    const ask = async (options: InputOptions): Promise<string | undefined> => {
        const value = await ui.input(options);
        return value === undefined ? undefined : value.trim();
    };
    const registryServer = await askRegistry(ui, last);
    if (!registryServer) {
        return undefined;
    }
    const resourceGroup = await ask({ title: 'Publish: resource group', prompt: 'Resource group of the service (empty: the Azure CLI default)',
        value: last.resourceGroup ?? '' });
    if (resourceGroup === undefined) {
        return undefined;
    }
    const location = await ask({ title: 'Publish: location', prompt: 'Azure region (empty: the configuration\'s, else the resource group\'s)',
        value: last.location ?? '' });
    if (location === undefined) {
        return undefined;
    }
    const settings: PublishSettings = { ...last, registryServer, resourceGroup: resourceGroup || undefined, location: location || undefined };
    if (needsResources) {
        const cpu = await ask({ title: 'Publish: CPU cores', prompt: 'CPU cores of the scoring container', value: String(last.cpu ?? 1), validate: positiveNumber });
        const memory = cpu === undefined ? undefined : await ask({ title: 'Publish: memory (GB)', prompt: 'Memory of the scoring container in GB',
            value: String(last.memoryGb ?? 1.5), validate: positiveNumber });
        if (cpu === undefined || memory === undefined) {
            return undefined;
        }
        settings.cpu = Number(cpu) || undefined;
        settings.memoryGb = Number(memory) || undefined;
    }
    return settings;
}

async function askRegistry(ui: Ui, last: Partial<PublishSettings>): Promise<string | undefined> {
    const value = await ui.input({ title: 'Publish: container registry', prompt: 'Login server of the registry the image is pushed to ' +
        '(an Azure Container Registry such as myacr.azurecr.io, or any registry `docker login` knows)', value: last.registryServer,
    validate: registryProblem });
    return value?.trim();
}

// For a v1 configuration with computeType aks: the registry the cluster pulls from, and the kubeconfig context.
export async function askKubernetesSettings(ui: Ui, remembered: PublishSettings | undefined): Promise<PublishSettings | undefined> {
    const last: Partial<PublishSettings> = remembered ?? {};
    const registryServer = await askRegistry(ui, last);
    if (!registryServer) {
        return undefined;
    }
    const context = await ui.input({ title: 'Publish: kubeconfig context', prompt: 'The cluster to publish to (empty: the ' +
        'configuration\'s computeTargetName, else the current context of your kubeconfig)', value: last.kubeContext ?? '' });
    if (context === undefined) {
        return undefined;
    }
    return { ...last, registryServer, kubeContext: context.trim() || undefined };
}

export async function rememberSettings(store: SettingsStore, settings: PublishSettings): Promise<void> {
    await store.update(SETTINGS_KEY, settings); // never a password: none is part of the settings
}
