/**
 * The failing window as a small timeline table, for the terminal: each op's interval, what it sent, what it
 * got and what the machine would have answered at the point where the search got stuck.
 */
import type { LinWindow } from "./types.js";

const CELL_MAX = 60;

/** `value` as compact JSON, cut to {@link CELL_MAX} characters. */
function cell(value: unknown, max = CELL_MAX): string {
  const text = value === undefined ? "?" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The window as lines of text: a heading (partition, prefix length), a table with one row per op — `op` (its
 * index in the history), `process`, `call`/`return` (ms; `—` for a call that never returned), `input`,
 * `output` (`?` when unknown), `machine says` (for a stuck op: the machine's result in the state reached;
 * `(linearized)` for an op already placed) — and a legend.
 */
export function renderWindow(window: LinWindow): string {
  const header = ["op", "process", "call", "return", "input", "output", "machine says"];
  const rows = window.ops.map((op) => [
    `#${op.index}`,
    op.process,
    String(op.callMs),
    op.returnMs === null ? "—" : String(op.returnMs),
    cell(op.input),
    op.returnMs === null ? "? (pending)" : cell(op.output),
    op.linearized ? "(linearized)" : cell(op.expected),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((v, c) => v.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
  const where = window.partition === null ? "" : ` (partition ${JSON.stringify(window.partition)})`;
  return [
    `not linearizable${where}: after ${window.prefixLength} ops linearized, no op below can take effect next`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `state reached: ${cell(window.state, 3 * CELL_MAX)}`,
    "legend: call/return in ms; output is what the call returned; machine says is the result the machine gives",
    "in the state reached; a stuck op whose output differs from it cannot be placed there.",
    "",
  ].join("\n");
}
