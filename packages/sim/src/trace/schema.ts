/**
 * The trace file's schema (zod) and its parser: JSON text in, a validated {@link Trace} out, or one
 * {@link InputError} line naming what is wrong (invalid JSON, a foreign document, an unsupported version, a
 * damaged field). Pure: reading the file is io/trace-file.ts.
 */
import { z } from "zod";
import { InputError } from "../model/scenario.js";
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from "./format.js";

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
      withinMs: z.number().int().min(1).optional(),
      cut: z.enum(["deadline", "finished", "quiescent"]).optional(),
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

/**
 * Parse and validate the text of a trace file; `path` names it in errors. Throws {@link InputError} with one
 * line naming the problem for invalid JSON (corrupt or truncated), a foreign JSON document, an unsupported
 * version, or a damaged trace.
 */
export function parseTrace(text: string, path: string): Trace {
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
