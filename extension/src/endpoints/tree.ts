// What the Local Endpoints view shows: endpoint -> deployments with state, port and scoring URI.
import { Entry } from '../tree';

export interface Deployment {
    endpoint: string;
    name: string;
    provisioning_state: string;
    target?: string;
    scoring_uri?: string;
    port?: number;
    debug_port?: number;
    config?: string;
    problem?: string;
    failure?: { message: string; path?: string; line?: number; function?: string; log: string; timed_out?: boolean };
    debug_configuration?: Record<string, unknown>;
    warnings?: string[];
    seconds?: number;
    restarted_in_place?: boolean;
}

export interface Endpoint {
    name: string;
    provisioning_state: string;
    scoring_uri?: string;
    auth_mode?: string;
    traffic?: Record<string, number>;
    mirror_traffic?: Record<string, number>;
    notes?: string[];
    deployments: Deployment[];
}

// What a command on the view receives: the node's data.
export type Target = { endpoint?: Endpoint; deployment?: Deployment } | undefined;

export type EndpointNode = { kind: 'endpoint'; endpoint: Endpoint }
    | { kind: 'deployment'; deployment: Deployment; traffic?: number; mirror?: number };

const STATE_ICONS: Record<string, string> = {
    Succeeded: 'pass-filled:testing.iconPassed',
    Failed: 'error:testing.iconFailed',
    Missing: 'warning:list.warningForeground',
    Creating: 'sync~spin',
    WaitingForDebugger: 'debug-pause',
    Stopped: 'circle-slash',
};

export function endpointNodes(endpoints: Endpoint[]): EndpointNode[] {
    return endpoints.map((endpoint) => ({ kind: 'endpoint', endpoint }));
}

export function childNodes(node: EndpointNode): EndpointNode[] {
    if (node.kind !== 'endpoint') {
        return [];
    }
    const { traffic, mirror_traffic: mirror } = node.endpoint;
    return node.endpoint.deployments.map((deployment) => ({
        kind: 'deployment', deployment, traffic: traffic?.[deployment.name] ?? 0, mirror: mirror?.[deployment.name] ?? 0,
    }));
}

export function endpointEntry(node: EndpointNode): Entry<EndpointNode> {
    if (node.kind === 'endpoint') {
        const endpoint = node.endpoint;
        const auth = endpoint.auth_mode ? `auth: ${endpoint.auth_mode}` : '';
        const tooltip = [`**${endpoint.name}**: ${endpoint.provisioning_state}`, endpoint.scoring_uri ? `Scoring URI: ${endpoint.scoring_uri}` : '',
            auth, ...(endpoint.notes ?? [])].filter(Boolean).join('\n\n');
        return {
            label: endpoint.name, description: [endpoint.scoring_uri ?? endpoint.provisioning_state, auth].filter(Boolean).join(' · '),
            icon: 'globe', contextValue: 'endpoint', tooltip,
            accessibility: `endpoint ${endpoint.name} ${endpoint.provisioning_state}`, expanded: true, data: node,
        };
    }
    const d = node.deployment;
    const lines = [`**${d.endpoint}/${d.name}**: ${d.provisioning_state}`];
    if (d.problem) {
        lines.push(d.problem);
    }
    if (d.failure) {
        lines.push(`Failed: ${d.failure.message}`);
    }
    if (d.scoring_uri) {
        lines.push(`Scoring URI: ${d.scoring_uri}`);
    }
    if (d.debug_port) {
        lines.push(`Debug port: 127.0.0.1:${d.debug_port}`);
    }
    if (d.config) {
        lines.push(`From ${d.config}`);
    }
    const share = node.traffic !== undefined ? `${node.traffic}%` + (node.mirror ? ` + mirror ${node.mirror}%` : '') : '';
    return {
        label: d.name,
        description: [d.provisioning_state, share, d.port ? `port ${d.port}` : ''].filter(Boolean).join(' · '),
        icon: STATE_ICONS[d.provisioning_state] ?? 'question',
        contextValue: 'deployment',
        tooltip: lines.join('\n\n'),
        accessibility: `deployment ${d.endpoint}/${d.name} ${d.provisioning_state}`,
        data: node,
    };
}
