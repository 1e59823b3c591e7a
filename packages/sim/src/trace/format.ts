/**
 * Traces: the versioned JSON record of one run — scenario, variant, seed, the decision stream, the event
 * log, the violated property and a fingerprint (SHA-256 of the event log). Replaying the decisions must
 * reproduce the fingerprint; that is how replay proves it showed the same run. The format only: parsing is
 * schema.ts, files are io/trace-file.ts.
 */
import { createHash } from "node:crypto";
import type { TraceEvent, Violation } from "../model/world/types.js";
import type { Decision } from "../strategy/chooser.js";

export const TRACE_FORMAT = "interleave-trace";
export const TRACE_VERSION = 1;

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

/** SHA-256 (hex) of the event log: equal fingerprints mean the same run, step for step. */
export function fingerprint(events: readonly TraceEvent[]): string {
  return createHash("sha256").update(JSON.stringify(events)).digest("hex");
}
