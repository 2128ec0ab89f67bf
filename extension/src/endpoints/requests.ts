// Scoring requests: one request file per deployment (reused, so edits survive), checked before it is
// sent, and the response shown in one document per deployment. VS Code-free, unit-tested.

// Endpoint and deployment names hold letters, digits and '-', so "<endpoint>.<deployment>.json" reads back.
export function requestFileName(endpoint: string, deployment: string): string {
    const safe = (name: string) => name.replace(/[^A-Za-z0-9-]/g, '_');
    return `${safe(endpoint)}.${safe(deployment)}.json`;
}

export function requestTarget(fileName: string): { endpoint: string; deployment: string } | undefined {
    const match = /^([A-Za-z0-9-]+)\.([A-Za-z0-9-]+)\.json$/.exec(fileName);
    return match ? { endpoint: match[1], deployment: match[2] } : undefined;
}

// undefined when `text` is JSON; else the parse error with its line and column (1-based).
export function requestProblem(text: string): string | undefined {
    if (!text.trim()) {
        return 'The request is empty: write the JSON body to send.';
    }
    try {
        JSON.parse(text);
        return undefined;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const position = /position (\d+)/.exec(message);
        const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
        if (!position) {
            return `The request is not valid JSON: ${reason}. Nothing was sent.`;
        }
        const offset = Number(position[1]);
        const before = text.slice(0, offset).split('\n');
        return `The request is not valid JSON: ${reason} at line ${before.length}, column ${before[before.length - 1].length + 1}. Nothing was sent.`;
    }
}

// The response as shown: who served it, the status and time, what a front status means, the body.
export function responseText(target: string, status: number, body: string, milliseconds: number, at: Date,
    explanation?: string): string {
    let pretty = body;
    try {
        pretty = JSON.stringify(JSON.parse(body), null, 2);
    } catch {
        // not JSON: shown as it came
    }
    const meaning = explanation ? `// ${explanation}\n` : '';
    return `// ${target}: HTTP ${status} in ${milliseconds} ms, ${at.toLocaleTimeString()}\n${meaning}${pretty}\n`;
}
