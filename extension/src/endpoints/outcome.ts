// What the user is told when a deployment ends: a failure with its reason first, or "ready" with
// what to do next. VS Code-free, unit-tested.
import { Deployment } from './tree';

export const GO_TO_LINE = 'Go to Line';
export const SHOW_LOG = 'Show Log';
export const TEST_ENDPOINT = 'Test Endpoint';
export const COPY_URI = 'Copy URI';

export interface Message {
    level: 'info' | 'error';
    text: string;
    actions: string[];
}

export function outcomeMessage(state: Deployment, relative: (file: string) => string = (file) => file): Message {
    const name = `${state.endpoint}/${state.name}`;
    if (state.provisioning_state === 'Failed') {
        const failure = state.failure;
        const where = failure?.path && failure.line ? ` (${relative(failure.path)}:${failure.line})` : '';
        const actions = [...(failure?.path && failure.line ? [GO_TO_LINE] : []), ...(failure?.log ? [SHOW_LOG] : [])];
        return { level: 'error', text: `${name} failed: ${failure?.message ?? 'see its log'}${where}`, actions };
    }
    const where = state.scoring_uri ? ` at ${state.scoring_uri}` : '';
    const how = state.restarted_in_place ? ' (restarted in place)' : '';
    return { level: 'info', text: `${name} is ready${where}${how}.`, actions: state.scoring_uri ? [TEST_ENDPOINT, COPY_URI] : [] };
}
