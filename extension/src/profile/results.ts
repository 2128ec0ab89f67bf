// What a profile's results look like in the editor: the table's rows, the summary, the
// recommendation and the webview's HTML. No VS Code here, so it is unit-tested.

export interface Latency {
    p50?: number | null;
    p90?: number | null;
    p95?: number | null;
    p99?: number | null;
    'p99.9'?: number | null;
    max?: number | null;
}

export interface ProfileLevel {
    concurrency: number;
    seconds: number;
    requests: number;
    errors: number;
    error_rate: number;
    throughput: number;
    latency_ms: Latency;
    cpu_cores?: number | null;
    memory_peak_mb?: number | null;
    first_error?: string | null;
}

export interface Recommendation {
    cpu: number;
    memory_in_gb: number;
    instance_type?: string | null;
    max_concurrent_requests_per_instance: number;
    request_timeout_ms: number;
    instance_count?: number | null;
    reasoning: string[];
}

export interface Profile {
    name: string;
    endpoint: string;
    deployment: string;
    config?: string | null;
    started_deployment: boolean;
    seconds: number;
    worker_count?: string | null;
    host_cores: number;
    levels: ProfileLevel[];
    totals: {
        requests: number;
        errors: number;
        error_rate?: number | null;
        first_error?: string | null;
        cpu_seconds_per_request?: number | null;
        memory_peak_mb?: number | null;
        memory_steady_mb?: number | null;
        knee_concurrency?: number | null;
    };
    notes: string[];
    recommendation?: Recommendation | null;
}

// What amlDeploy.server.profile answers.
export interface ProfileAnswer {
    profile: Profile;
    chartSvg?: string | null;
    chartHint?: string | null;
    writeTargets: string[];
}

export const COLUMNS = ['Concurrency', 'Req/s', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'p99.9 ms', 'Errors', 'CPU cores', 'Memory MB'];

function number(value: number | null | undefined, digits = 1): string {
    return value === null || value === undefined ? '–' : value.toFixed(digits);
}

// One row per concurrency level; the knee's row is marked.
export function levelRows(profile: Profile): string[][] {
    const knee = profile.totals.knee_concurrency;
    return profile.levels.map((level) => [
        `${level.concurrency}${level.concurrency === knee ? ' (knee)' : ''}`,
        number(level.throughput),
        ...(['p50', 'p90', 'p95', 'p99', 'p99.9'] as const).map((p) => number(level.latency_ms[p])),
        level.errors ? `${level.errors} (${(level.error_rate * 100).toFixed(1)}%)` : '0',
        number(level.cpu_cores, 2),
        number(level.memory_peak_mb, 0),
    ]);
}

export function summaryLines(profile: Profile): string[] {
    const t = profile.totals;
    const lines = [
        t.knee_concurrency ? `Latency climbs after concurrency ${t.knee_concurrency}.` : 'No level served without errors, so there is no knee.',
        t.cpu_seconds_per_request ? `CPU per request: ${(t.cpu_seconds_per_request * 1000).toFixed(1)} ms.` : 'CPU per request: not measured.',
        `Memory: peak ${number(t.memory_peak_mb, 0)} MB, steady ${number(t.memory_steady_mb, 0)} MB.`,
        `Errors: ${t.errors} of ${t.requests} requests` + (t.first_error ? `; the first: ${t.first_error}` : '.'),
    ];
    return lines.concat(profile.notes);
}

export function recommendationLines(r: Recommendation): string[] {
    const v2 = [`instance_type: ${r.instance_type ?? '(no size fits)'}`,
        `request_settings.max_concurrent_requests_per_instance: ${r.max_concurrent_requests_per_instance}`,
        `request_settings.request_timeout_ms: ${r.request_timeout_ms}`];
    if (r.instance_count !== null && r.instance_count !== undefined) {
        v2.push(`instance_count: ${r.instance_count}`);
    }
    return [`ACI/AKS: cpu ${r.cpu}, memoryInGB ${r.memory_in_gb}`, ...v2];
}

// A one-line summary for the notification at the end of a profile.
export function headline(answer: ProfileAnswer): string {
    const p = answer.profile;
    const r = p.recommendation;
    const where = `${p.endpoint}/${p.deployment}`;
    if (!r) {
        return `Profiled ${where}: no recommendation (${p.totals.errors} of ${p.totals.requests} requests failed).`;
    }
    return `Profiled ${where}: ${r.instance_type ?? 'no managed size fits'}, max ${r.max_concurrent_requests_per_instance} concurrent, ` +
        `cpu ${r.cpu}, memoryInGB ${r.memory_in_gb}.`;
}

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

export interface HtmlOptions {
    nonce: string;
    cspSource: string;
    relative: (file: string) => string; // a path as the workspace shows it
}

// The results panel: table, chart (an <img> of the server's SVG: no script from the chart runs),
// summary, recommendation with its reasons, and an Apply button per file it can go into.
export function resultsHtml(answer: ProfileAnswer, options: HtmlOptions): string {
    const p = answer.profile;
    const header = COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
    const rows = levelRows(p).map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
    const chart = answer.chartSvg
        ? `<img class="chart" alt="latency and throughput by concurrency" src="data:image/svg+xml;base64,${Buffer.from(answer.chartSvg).toString('base64')}">`
        : `<p class="hint">${escapeHtml(answer.chartHint ?? 'No chart.')}</p>`;
    const r = p.recommendation;
    const recommendation = r
        ? `<h2>Recommendation</h2><ul>${recommendationLines(r).map((l) => `<li><code>${escapeHtml(l)}</code></li>`).join('')}</ul>
<h3>Why</h3><ul>${r.reasoning.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>
${answer.writeTargets.map((file, i) => `<button data-target="${i}">Apply Recommendation to ${escapeHtml(options.relative(file))}</button>`).join(' ')}`
        : '<h2>No recommendation</h2>';
    const csp = `default-src 'none'; img-src data:; style-src ${options.cspSource} 'unsafe-inline'; script-src 'nonce-${options.nonce}';`;
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
table { border-collapse: collapse; } th, td { padding: 2px 8px; text-align: right; border-bottom: 1px solid var(--vscode-panel-border); }
.chart { max-width: 800px; width: 100%; background: white; } .hint { font-style: italic; }
</style></head><body>
<h1>Profile ${escapeHtml(p.name)}: ${escapeHtml(`${p.endpoint}/${p.deployment}`)}</h1>
<p>${p.totals.requests} requests in ${p.seconds.toFixed(0)} s, WORKER_COUNT=${escapeHtml(p.worker_count ?? '1')}, ${p.host_cores} host cores${p.started_deployment ? '; the deployment the profile started was removed' : ''}.</p>
<table><thead><tr>${header}</tr></thead><tbody>
${rows}
</tbody></table>
${chart}
<ul>${summaryLines(p).map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>
${recommendation}
<script nonce="${options.nonce}">
const vscode = acquireVsCodeApi();
for (const button of document.querySelectorAll('button[data-target]')) {
    button.addEventListener('click', () => vscode.postMessage({ apply: Number(button.dataset.target) }));
}
</script>
</body></html>`;
}
