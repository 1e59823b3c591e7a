/**
 * The trace file's schema (zod) and its parser: JSON text in, a validated {@link Trace} out, or one
 * {@link InputError} line naming what is wrong (invalid JSON, a foreign document, an unsupported version, a
 * damaged field, a fingerprint that does not match the content: an edited trace). Pure: reading the file is
 * io/trace-file.ts.
 */
import { z } from "zod";
import { InputError } from "../model/scenario.js";
import {
  type FingerprintedRun,
  fingerprint,
  fingerprintV1,
  TRACE_FORMAT,
  TRACE_VERSION,
  type Trace,
} from "./format.js";

/** The versions this parser reads: the current one, and 1 (upgraded in memory, with a note). */
const READABLE_VERSIONS: readonly unknown[] = [1, TRACE_VERSION];

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
  op: z.enum([
    "tx",
    "read",
    "sleep",
    "note",
    "spawn",
    "kill",
    "pause",
    "crash",
    "restart",
    "timer",
    "deliver",
    "fault",
  ]),
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
  version: z.union([z.literal(1), z.literal(TRACE_VERSION)]),
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
 * version, a damaged trace, or a trace whose content no longer matches its fingerprint (`trace <path> was
 * modified: fingerprint mismatch …`: someone edited its events, processes, decisions or violation, so it is
 * refused rather than shown as replayed). The fingerprint is computed from the JSON as read, before the schema
 * drops anything. A version-1 trace (its fingerprint covered the events only) is checked against that
 * fingerprint, then returned as version 2 with a fingerprint of its whole record; `note` gets one line saying so.
 */
export function parseTrace(text: string, path: string, note?: (line: string) => void): Trace {
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
  if (!READABLE_VERSIONS.includes(head.version)) {
    throw new InputError(
      `${path} is trace format version ${JSON.stringify(head.version)}; this interleave reads versions 1 and ${TRACE_VERSION}`,
    );
  }
  const parsed = traceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : issue.path.join(".");
    throw new InputError(`${path} is a damaged interleave trace: ${where}: ${issue?.message ?? "invalid"}`);
  }
  const raw = json as FingerprintedRun & { readonly fingerprint: string; readonly version: number };
  const content = fingerprint(raw);
  if (raw.version === 1) {
    checkFingerprint(path, raw.fingerprint, fingerprintV1(raw.events));
    note?.(
      `${path} is a version-1 trace: its fingerprint covers the events only, and they match; read as version ${TRACE_VERSION} (to cover its processes and violation too, re-record it: replay <trace> --json > new.json)`,
    );
    return { ...(parsed.data as unknown as Trace), version: TRACE_VERSION, fingerprint: content };
  }
  checkFingerprint(path, raw.fingerprint, content);
  return parsed.data as Trace;
}

/** Throws the one-line "was modified" error when the recorded fingerprint differs from the content's. */
function checkFingerprint(path: string, recorded: string, computed: string): void {
  if (recorded === computed) return;
  throw new InputError(
    `trace ${path} was modified: fingerprint mismatch (recorded ${recorded.slice(0, 12)}…, content ${computed.slice(0, 12)}…); an edited trace is not replayed — record it again with explore (or replay --json)`,
  );
}
