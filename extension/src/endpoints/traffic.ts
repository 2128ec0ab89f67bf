// Traffic shares as people type them ("blue=90 green=10"), checked as Azure checks them.

export type Shares = Record<string, number>;

export function formatShares(shares: Shares | undefined, names: string[]): string {
    return names.map((name) => `${name}=${shares?.[name] ?? 0}`).join(' ');
}

// The shares, or why they are not acceptable: every name a deployment of the endpoint, whole
// percentages, adding up to 100 (or 0, for none).
export function parseShares(text: string, names: string[]): { shares?: Shares; problem?: string } {
    const shares: Shares = {};
    for (const item of text.split(/[\s,]+/).filter(Boolean)) {
        const match = /^([A-Za-z][A-Za-z0-9-]*)=(\d{1,3})$/.exec(item);
        if (!match) {
            return { problem: `"${item}" is not NAME=PERCENT, e.g. blue=90` };
        }
        if (!names.includes(match[1])) {
            return { problem: `${match[1]} is not a deployment of this endpoint (${names.join(', ') || 'none'})` };
        }
        shares[match[1]] = Number(match[2]);
    }
    const total = Object.values(shares).reduce((sum, value) => sum + value, 0);
    if (total !== 0 && total !== 100) {
        return { problem: `the shares add up to ${total}; Azure wants 100 (or 0 for none)` };
    }
    return { shares };
}
