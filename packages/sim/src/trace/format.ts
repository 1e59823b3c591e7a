/**
 * Traces: the versioned JSON record of one run — scenario, variant, seed, the decision stream, the event
 * log, the violated property and a fingerprint (SHA-256 of all of the run's record: see {@link fingerprint}).
 * Replaying the decisions must reproduce the fingerprint; that is how replay proves it showed the same run,
 * and loading a trace checks it too, so a trace edited by hand is refused rather than shown as replayed. The
 * format only: parsing is schema.ts, files are io/trace-file.ts.
 */
import { createHash } from "node:crypto";
import type { TraceEvent, Violation } from "../model/world/types.js";
import type { Decision } from "../strategy/chooser.js";

export const TRACE_FORMAT = "interleave-trace";
/**
 * 2: the fingerprint covers the whole run record ({@link FINGERPRINTED_FIELDS}); 1 covered only `events`.
 * Version-1 files still load (schema.ts checks their events against their version-1 fingerprint, then
 * upgrades them in memory with a note); other versions are refused.
 */
export const TRACE_VERSION = 2;

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  readonly scenario: string;
  readonly variant: string;
  /** The run's seed (uint32): `replay <scenario> --variant V --seed S` reruns it with the random strategy. */
  readonly seed: number;
  readonly strategy: string;
  readonly processes: readonly string[];
  readonly decisions: readonly Decision[];
  readonly events: readonly TraceEvent[];
  readonly violation: Violation | null;
  readonly steps: number;
  readonly endMs: number;
  readonly fingerprint: string;
  /**
   * The scenario parameters the run used, when they differ from the scenario's declared `params` (runs driven
   * by a fast-check arbitrary); replay rebuilds the world with them. Absent: the declared params.
   */
  readonly params?: unknown;
  /** The run drew its own fault plan first (swarm testing); replay must run with swarm on too. */
  readonly swarm?: true;
  /**
   * Present when this trace is a shrunk counterexample (see `shrinkTrace`): the decision and step counts of
   * the trace it was shrunk from, and the candidate runs the shrinker executed (its budget spent).
   */
  readonly shrunk?: {
    readonly originalDecisions: number;
    readonly originalSteps: number;
    readonly attempts: number;
  };
}

/**
 * The fields of a trace its fingerprint covers: what the run showed — the processes, the event log (inputs,
 * results, changes, effects), the violation and where the run ended — and whose run it was. Not covered:
 * `format`, `version`, `fingerprint` itself, the labels added around a run (`strategy`, `params`, `swarm`,
 * `shrunk`), and the `decisions`: they are the input replay feeds back, and replay checks them by running
 * them — a changed decision, `params` or `swarm` makes the run diverge or differ from the fingerprinted one
 * (exit 1), which is how a trace is shown to no longer fit the code.
 */
export const FINGERPRINTED_FIELDS = [
  "scenario",
  "variant",
  "seed",
  "processes",
  "events",
  "violation",
  "steps",
  "endMs",
] as const;

/** What a fingerprint is computed from: a trace, or a run about to become one. */
export type FingerprintedRun = Pick<Trace, (typeof FINGERPRINTED_FIELDS)[number]>;

/**
 * SHA-256 (hex) of the run's record ({@link FINGERPRINTED_FIELDS}) as canonical JSON: object keys sorted,
 * values as `JSON.stringify` writes them (so a trace read back from its file gives the same fingerprint as the
 * run recorded in memory). Equal fingerprints mean the same run, step for step: same processes, events
 * (inputs, results, changes, effects) and violation. Deterministic: the same seed gives the same trace
 * and the same fingerprint.
 */
export function fingerprint(run: FingerprintedRun): string {
  const record = Object.fromEntries(FINGERPRINTED_FIELDS.map((field) => [field, run[field]]));
  return createHash("sha256").update(canonicalJson(record)).digest("hex");
}

/** The version-1 fingerprint: SHA-256 (hex) of `JSON.stringify(events)` as the file holds them. */
export function fingerprintV1(events: unknown): string {
  return createHash("sha256").update(JSON.stringify(events)).digest("hex");
}

/** `JSON.stringify(value)` with every object's keys in sorted order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
