// What the Published Services view shows: each service with its state, scoring URI and where it runs,
// from the server's listPublished answer.
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

export function serviceEntry(service: PublishedService): Entry<PublishedService> {
    const where = [targetName(service.target), service.resourceGroup, service.location].filter(Boolean).join(' · ');
    const lines = [`**${service.name}** on ${where}: ${service.state}`];
    if (service.problem) {
        lines.push(service.problem);
    }
    if (service.scoringUri) {
        lines.push(`Scoring URI: ${service.scoringUri}`);
    }
    lines.push(service.authMode === 'key' ? 'Key authentication (Copy Key)' : 'No authentication');
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
        data: service,
    };
}
