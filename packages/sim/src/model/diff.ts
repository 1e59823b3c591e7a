/**
 * Structural diff of two JSON-like values, for showing what a step changed. Immutable machine states keep
 * unchanged parts by reference, so identical subtrees are skipped without being walked.
 */

/** One changed leaf: `path` like `items.a.claim.token`; `before`/`after` are `undefined` when absent. */
export interface Change {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

const CHANGES_MAX = 64;

/** Changes from `before` to `after`, at most 64 (deeper leaves first in key order). */
export function diff(before: unknown, after: unknown): Change[] {
  const out: Change[] = [];
  walk(before, after, "", out);
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function walk(a: unknown, b: unknown, path: string, out: Change[]): void {
  if (a === b || out.length >= CHANGES_MAX) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) walk(a[k], b[k], path === "" ? k : `${path}.${k}`, out);
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const change: { path: string; before?: unknown; after?: unknown } = { path };
  if (a !== undefined) change.before = a;
  if (b !== undefined) change.after = b;
  out.push(change);
}
