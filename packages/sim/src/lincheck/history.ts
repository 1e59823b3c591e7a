/**
 * The history file format (JSONL) and its zod schema: text in, a header and validated operations out, or one
 * {@link InputError} line naming what is wrong. No file access (io/history-file.ts reads the file).
 */
import { z } from "zod";
import { InputError } from "../model/scenario.js";
import type { LinOperation } from "./types.js";

/** The header line's `format` value. */
export const HISTORY_FORMAT = "interleave-history";
/** The version this code reads and writes. */
export const HISTORY_VERSION = 1;

/**
 * The first line of a history file: which machine's transition is the sequential specification, and its
 * config.
 *
 * @example
 * {"format":"interleave-history","version":1,"machine":"Lease","config":{"leaseTtlMs":1000}}
 */
export interface HistoryHeader {
  readonly format: typeof HISTORY_FORMAT;
  readonly version: typeof HISTORY_VERSION;
  /** A core machine's name: `Lease`, `FencedResource`, `ClaimQueue`, `Mailbox`, `SyncCoordinator`, …. */
  readonly machine: string;
  /** The machine's config for `initial(config)`; absent for a machine without one. */
  readonly config?: unknown;
}

/** A parsed history: its header and its operations, in file order. */
export interface History {
  readonly header: HistoryHeader;
  readonly ops: readonly LinOperation[];
}

const headerSchema = z.object({
  format: z.literal(HISTORY_FORMAT),
  version: z.literal(HISTORY_VERSION),
  machine: z.string().min(1),
  config: z.unknown().optional(),
});

/**
 * One operation line: `process` (string), `input` (the machine event, an object with a `_tag`), `output` (what
 * the call returned; absent with `returnMs`), `callMs` and `returnMs` (finite ms, `returnMs >= callMs`;
 * `returnMs` `null` or absent for a call that never returned — then `output` is ignored).
 */
export const operationSchema = z
  .object({
    process: z.union([z.string().min(1), z.number().int()]).transform(String),
    input: z.looseObject({ _tag: z.string() }),
    output: z.unknown().optional(),
    callMs: z.number().finite(),
    returnMs: z.number().finite().nullable().optional(),
  })
  .strict()
  .refine((op) => op.returnMs === undefined || op.returnMs === null || op.returnMs >= op.callMs, {
    message: "returnMs is before callMs",
  })
  .refine((op) => op.returnMs === undefined || op.returnMs === null || "output" in op, {
    message: "an op with returnMs needs an output",
  });

/**
 * Parse the text of a history file; `source` names it in errors. Lines: the header, then one operation each;
 * blank lines are skipped. Throws {@link InputError} (one line: the source, the line number, the problem) for
 * an empty file, a header that is not an interleave history, a line that is not JSON (a truncated file ends
 * in one), or an operation that does not fit {@link operationSchema}.
 */
export function parseHistory(text: string, source: string): History {
  const lines = text.split("\n");
  const rows: { line: number; json: unknown }[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      rows.push({ line: i + 1, json: JSON.parse(raw) });
    } catch {
      const truncated = i === lines.length - 1 || (i === lines.length - 2 && lines.at(-1) === "");
      throw new InputError(
        `${source}:${i + 1} is not JSON${truncated ? " (the file looks truncated)" : ""}: ${raw.slice(0, 60)}`,
      );
    }
  });
  const first = rows[0];
  if (first === undefined) throw new InputError(`${source} is empty: expected a header line`);
  const header = headerSchema.safeParse(first.json);
  if (!header.success) {
    throw new InputError(
      `${source}:${first.line} is not an interleave history header (expected {"format":"${HISTORY_FORMAT}","version":${HISTORY_VERSION},"machine":…})`,
    );
  }
  const ops = rows.slice(1).map(({ line, json }) => {
    const op = operationSchema.safeParse(json);
    if (!op.success) {
      const issue = op.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.join(".")}`;
      throw new InputError(`${source}:${line} is not an operation${where}: ${issue?.message ?? "invalid"}`);
    }
    return op.data as LinOperation;
  });
  return { header: header.data as HistoryHeader, ops };
}

/** The JSONL text of `history`: the header line, then one line per op (the inverse of {@link parseHistory}). */
export function formatHistory(history: History): string {
  const lines = [JSON.stringify(history.header), ...history.ops.map((op) => JSON.stringify(op))];
  return `${lines.join("\n")}\n`;
}
