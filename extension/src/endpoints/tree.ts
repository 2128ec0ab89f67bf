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

// How a state reads in the view.
const STATE_LABELS: Record<string, string> = {
    WaitingForDebugger: 'waiting for debugger',
};

export function stateLabel(state: string): string {
    return STATE_LABELS[state] ?? state;
}

// An endpoint whose deployment waits for its debugger says so (the server calls it Creating).
export function endpointState(endpoint: Endpoint): string {
    return endpoint.deployments.some((d) => d.provisioning_state === 'WaitingForDebugger') ? 'WaitingForDebugger' : endpoint.provisioning_state;
}

// listEndpoints' argument: this workspace's folders, unless all endpoints on the engine are wanted.
export function listOptions(showAll: boolean, folders: string[]): { workspace?: string[] } {
    return showAll || folders.length === 0 ? {} : { workspace: folders };
}

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
        const state = endpointState(endpoint);
        const auth = endpoint.auth_mode ? `auth: ${endpoint.auth_mode}` : '';
        const tooltip = [`**${endpoint.name}**: ${stateLabel(state)}`, endpoint.scoring_uri ? `Scoring URI: ${endpoint.scoring_uri}` : '',
            auth, ...(endpoint.notes ?? [])].filter(Boolean).join('\n\n');
        return {
            label: endpoint.name, description: [endpoint.scoring_uri ?? stateLabel(state), auth].filter(Boolean).join(' · '),
            icon: 'globe', contextValue: 'endpoint', tooltip,
            accessibility: `endpoint ${endpoint.name} ${state}`, expanded: true, data: node,
        };
    }
    const d = node.deployment;
    const lines = [`**${d.endpoint}/${d.name}**: ${stateLabel(d.provisioning_state)}`];
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
        description: [stateLabel(d.provisioning_state), d.problem && d.provisioning_state === 'Succeeded' ? 'last update failed' : '',
            share, d.port ? `port ${d.port}` : '',
            d.provisioning_state === 'WaitingForDebugger' && d.debug_port ? `debugger 127.0.0.1:${d.debug_port}` : ''].filter(Boolean).join(' · '),
        icon: d.problem && d.provisioning_state === 'Succeeded' ? STATE_ICONS.Missing : STATE_ICONS[d.provisioning_state] ?? 'question',
        contextValue: 'deployment',
        tooltip: lines.join('\n\n'),
        accessibility: `deployment ${d.endpoint}/${d.name} ${d.provisioning_state}`,
        data: node,
    };
}
