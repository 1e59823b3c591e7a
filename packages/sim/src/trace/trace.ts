/**
 * Traces: the versioned JSON record of one run — scenario, variant, seed, the decision stream, the event
 * log, the violated property and a fingerprint (SHA-256 of the event log). Replaying the decisions must
 * reproduce the fingerprint; that is how replay proves it showed the same run.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { InputError } from "../model/scenario.js";
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

const decisionSchema = z.object({
  label: z.string(),
  count: z.number().int().min(2),
  choice: z.number().int().min(0),
  options: z.array(z.string()).optional(),
});

const eventSchema = z.object({
  step: z.number().int().min(0),
  t: z.number().int().min(0),
  process: z.string(),
  op: z.enum(["tx", "sleep", "note", "spawn", "kill", "pause", "crash", "restart"]),
  key: z.string().optional(),
  input: z.unknown().optional(),
  result: z.unknown().optional(),
  changes: z
    .array(z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() }))
    .optional(),
  effects: z.array(z.unknown()).optional(),
});

const traceSchema = z.object({
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_VERSION),
  scenario: z.string().min(1),
  variant: z.string().min(1),
  seed: z.number().int().min(0).max(0xffffffff),
  strategy: z.string(),
  processes: z.array(z.string()),
  decisions: z.array(decisionSchema),
  events: z.array(eventSchema),
  violation: z
    .object({
      property: z.string(),
      kind: z.enum(["always", "eventually"]),
      step: z.number().int(),
      t: z.number().int(),
      message: z.string(),
    })
    .nullable(),
  steps: z.number().int().min(0),
  endMs: z.number().int().min(0),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  params: z.unknown().optional(),
  swarm: z.literal(true).optional(),
  shrunk: z
    .object({
      originalDecisions: z.number().int().min(0),
      originalSteps: z.number().int().min(0),
      attempts: z.number().int().min(0),
    })
    .optional(),
});

/** SHA-256 (hex) of the event log: equal fingerprints mean the same run, step for step. */
export function fingerprint(events: readonly TraceEvent[]): string {
  return createHash("sha256").update(JSON.stringify(events)).digest("hex");
}

/**
 * Read and validate a trace file. Throws {@link InputError} with one line naming the problem for a missing
 * file, invalid JSON (corrupt or truncated), a foreign JSON document, or an unsupported version.
 */
export function readTrace(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read trace file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `${path} is not valid JSON (corrupt or truncated trace): ${(error as Error).message}`,
    );
  }
  const head = json as { format?: unknown; version?: unknown } | null;
  if (typeof head !== "object" || head === null || head.format !== TRACE_FORMAT) {
    throw new InputError(`${path} is not an interleave trace (expected "format": "${TRACE_FORMAT}")`);
  }
  if (head.version !== TRACE_VERSION) {
    throw new InputError(
      `${path} is trace format version ${JSON.stringify(head.version)}; this interleave reads version ${TRACE_VERSION}`,
    );
  }
  const parsed = traceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : issue.path.join(".");
    throw new InputError(`${path} is a damaged interleave trace: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data as Trace;
}

/**
 * Write `trace` to `path` (creating directories). An existing file is never replaced: if it already holds
 * this exact trace the write is skipped, otherwise a numbered sibling (`name.1.json`, …) is used.
 * Returns the path written (or found identical).
 */
export function writeTrace(path: string, trace: Trace): string {
  const text = `${JSON.stringify(trace, null, 2)}\n`;
  mkdirSync(dirname(path), { recursive: true });
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? path : path.replace(/\.json$/, `.${i}.json`);
    if (!existsSync(candidate)) {
      writeFileSync(candidate, text, { flag: "wx" });
      return candidate;
    }
    if (readFileSync(candidate, "utf8") === text) return candidate;
  }
  throw new Error(`too many traces named like ${path}`);
}
