// What the Published Services view shows: each service with its state, scoring URI and where it runs, and
// under a Kubernetes endpoint its deployments with their traffic, from the server's listPublished answer.
import { Entry } from '../tree';

export interface PublishedService {
    name: string;
    target: string; // "aci" | "kubernetes"
    state: string; // Creating | Succeeded | Failed | Missing ...
    scoringUri?: string | null;
    image?: string | null;
    resourceGroup?: string | null;
    location?: string | null;
    authMode?: string;
    updated?: string;
    problem?: string | null;
    config?: string | null;
    context?: string | null; // Kubernetes: the kubeconfig context
    namespace?: string | null;
    deployments?: PublishedDeployment[]; // Kubernetes: the endpoint's deployments
}

export interface PublishedDeployment {
    name: string;
    traffic: number; // percent of the endpoint's requests
    mirror: number; // percent copied to it (shadow traffic)
    state: string;
    image?: string | null;
}

// A row of the view: a service (an ACI service, a Kubernetes endpoint), or a deployment of an endpoint.
export type PublishedNode = PublishedService | { endpoint: PublishedService; deployment: PublishedDeployment };

export function isDeploymentNode(node: PublishedNode): node is { endpoint: PublishedService; deployment: PublishedDeployment } {
    return 'deployment' in node;
}

const STATE_ICONS: Record<string, string> = {
    Succeeded: 'pass-filled:testing.iconPassed',
    Failed: 'error:testing.iconFailed',
    Missing: 'warning:list.warningForeground',
    Creating: 'sync~spin',
};

const TARGET_NAMES: Record<string, string> = { aci: 'ACI', kubernetes: 'Kubernetes' };

export function targetName(target: string): string {
    return TARGET_NAMES[target] ?? target;
}

function where(service: PublishedService): string {
    const place = service.target === 'kubernetes' ? [service.context, service.namespace && `namespace ${service.namespace}`]
        : [service.resourceGroup, service.location];
    return [targetName(service.target), ...place].filter(Boolean).join(' · ');
}

export function serviceEntry(service: PublishedService): Entry<PublishedService> {
    const lines = [`**${service.name}** on ${where(service)}: ${service.state}`];
    if (service.problem) {
        lines.push(service.problem);
    }
    if (service.scoringUri) {
        lines.push(`Scoring URI: ${service.scoringUri}`);
    }
    lines.push(service.authMode === 'key' ? 'Key authentication (Copy Key)'
        : service.authMode === 'aml_token' ? 'Token authentication' : 'No authentication');
    if (service.image) {
        lines.push(`Image: ${service.image}`);
    }
    if (service.config) {
        lines.push(`From ${service.config}`);
    }
    return {
        label: service.name,
        description: [service.state, targetName(service.target), service.scoringUri ?? ''].filter(Boolean).join(' · '),
        icon: STATE_ICONS[service.state] ?? 'question',
        contextValue: service.authMode === 'key' ? 'publishedService.key' : 'publishedService',
        tooltip: lines.join('\n\n'),
        accessibility: `published service ${service.name} on ${targetName(service.target)} ${service.state}`,
        expanded: (service.deployments?.length ?? 0) > 0,
        data: service,
    };
}

// "traffic 80%" (and "mirror 10%"): the share of the endpoint's requests the deployment gets.
export function shares(deployment: PublishedDeployment): string {
    return [`traffic ${deployment.traffic}%`, deployment.mirror ? `mirror ${deployment.mirror}%` : ''].filter(Boolean).join(', ');
}

export function deploymentEntry(endpoint: PublishedService, deployment: PublishedDeployment): Entry<PublishedNode> {
    const lines = [`**${endpoint.name}/${deployment.name}**: ${deployment.state}, ${shares(deployment)}`];
    if (deployment.image) {
        lines.push(`Image: ${deployment.image}`);
    }
    return {
        label: deployment.name,
        description: [shares(deployment), deployment.state].join(' · '),
        icon: STATE_ICONS[deployment.state] ?? 'question',
        contextValue: 'publishedDeployment',
        tooltip: lines.join('\n\n'),
        accessibility: `deployment ${deployment.name} of ${endpoint.name}, ${shares(deployment)}, ${deployment.state}`,
        data: { endpoint, deployment },
    };
}
