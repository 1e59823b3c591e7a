/**
 * Renders a trace as a timeline for a terminal: virtual time on the left, one column per process, each
 * step's input and result, the store changes it made inline, faults, notes, and the violated property at its
 * step, followed by a legend. Output depends only on the trace, so the same trace prints the same text.
 */
import pc from "picocolors";
import type { TraceEvent } from "../model/world/types.js";
import type { Trace } from "../trace/format.js";

export interface TimelineOptions {
  /** Show steps that changed nothing and repeat an earlier one (hidden by default). */
  readonly all?: boolean;
  /** Total width in columns (default: the terminal's, or 160). */
  readonly width?: number;
}

/** Format seconds with millisecond precision: 60000 → `60.000s`. */
export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

const VALUE_CHARS_MAX = 96;

/** Cut `text` to `max` characters with an ellipsis. */
function cap(text: string, max = VALUE_CHARS_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Compact one-line rendering of a JSON-like value: tags first, `atMs` dropped (the time column has it), and
 * fields whose value is `omit` (the column's own process name, e.g. `holder`) left out.
 */
export function formatValue(value: unknown, depth = 0, omit?: string): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return depth === 0 ? value : JSON.stringify(value);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) {
    if (depth > 2) return `[${value.length}]`;
    return `[${value.map((v) => formatValue(v, depth + 1)).join(", ")}]`;
  }
  const record = value as Record<string, unknown>;
  const tag = typeof record._tag === "string" ? record._tag : "";
  const fields = Object.entries(record).filter(
    ([k, v]) => k !== "_tag" && k !== "atMs" && (omit === undefined || v !== omit),
  );
  if (depth > 2) return tag === "" ? "{…}" : `${tag}{…}`;
  const body = fields.map(([k, v]) => `${k}=${formatValue(v, depth + 1)}`).join(" ");
  if (tag === "") return `{${body}}`;
  return body === "" ? tag : depth === 0 ? `${tag} ${body}` : `${tag}{${body}}`;
}

/**
 * One event as words, without an icon: a `tx`'s input (fields equal to its process's name left out), `read key`, a note's
 * text and data, `label Nms` for a drawn delay, `paused Nms`, `crashed, restart in Nms`, `restarted from its
 * entry`, `spawn name`, `stop name`. Shared by the timeline, the Mermaid diagram and the HTML report.
 */
export function eventText(e: TraceEvent): string {
  switch (e.op) {
    case "tx":
      return formatValue(e.input, 0, e.process);
    case "read":
      return `read ${e.key}`;
    case "note":
      return `${String(e.input)}${e.result === undefined ? "" : ` ${formatValue(e.result, 1)}`}`;
    case "sleep": {
      const { label, ms } = e.input as { label: string; ms: number };
      return `${label} ${ms}ms`;
    }
    case "pause":
      return `paused ${(e.input as { ms: number }).ms}ms`;
    case "crash":
      return `crashed, restart in ${(e.input as { restartInMs: number }).restartInMs}ms`;
    case "restart":
      return "restarted from its entry";
    case "spawn":
      return `spawn ${(e.input as { name: string }).name}`;
    case "kill":
      return `stop ${(e.input as { name: string }).name}`;
  }
}

interface Line {
  readonly text: string;
  readonly paint?: (s: string) => string;
}

function describe(e: TraceEvent): Line[] {
  const lines: Line[] = [];
  switch (e.op) {
    case "tx": {
      lines.push({
        text: `● ${cap(formatValue(e.input, 0, e.process))} [${e.key}] → ${cap(formatValue(e.result, 0, e.process))}`,
        paint: pc.bold,
      });
      for (const c of e.changes ?? []) {
        const before = c.before === undefined ? "∅" : cap(formatValue(c.before, 1), 64);
        const after = c.after === undefined ? "∅" : cap(formatValue(c.after, 1), 64);
        lines.push({ text: `  Δ ${c.path}: ${before} → ${after}`, paint: pc.cyan });
      }
      for (const f of e.effects ?? []) lines.push({ text: `  ⇒ ${cap(formatValue(f, 0))}`, paint: pc.blue });
      break;
    }
    case "read":
      lines.push({ text: `○ read [${e.key}] → ${cap(formatValue(e.result, 0, e.process))}`, paint: pc.bold });
      break;
    case "note":
      lines.push({ text: `~ ${eventText(e)}`, paint: pc.yellow });
      break;
    case "sleep":
      lines.push({ text: `… ${eventText(e)}`, paint: pc.dim });
      break;
    case "pause":
      lines.push({ text: `⏸ ${eventText(e)}`, paint: pc.magenta });
      break;
    case "crash":
      lines.push({ text: `✖ ${eventText(e)}`, paint: pc.magenta });
      break;
    case "restart":
      lines.push({ text: `↻ ${eventText(e)}`, paint: pc.magenta });
      break;
    case "spawn":
      lines.push({ text: `+ ${eventText(e)}`, paint: pc.dim });
      break;
    case "kill":
      lines.push({ text: `- ${eventText(e)}`, paint: pc.dim });
      break;
  }
  return lines;
}

/**
 * A key for "this step repeats an earlier no-op step of the same process" (idle polls): a `tx` that changed
 * nothing gets `process|key|input|result`; any other event gets null (never hidden). Renderers hide an event
 * whose key they have already seen (unless showing everything).
 */
export function idleKey(e: TraceEvent): string | null {
  if (e.op !== "tx" || (e.changes?.length ?? 0) > 0) return null;
  // The whole input (its time left out) and result: a Get of another object is not a repeat.
  return `${e.process}|${e.key}|${formatValue(e.input)}|${formatValue(e.result)}`;
}

/** The `tx` at which an `always` violation broke: the last `tx` of the violating step (none for `eventually`). */
export function breakingEvent(trace: Trace): TraceEvent | undefined {
  const violation = trace.violation;
  if (violation?.kind !== "always") return undefined;
  return findLast(trace.events, (e) => e.op === "tx" && e.step === violation.step);
}

/**
 * Which events a rendering shows (timeline, Mermaid, HTML report): every event, except that a repeated idle
 * poll (see {@link idleKey}) after its first occurrence is folded away unless `all`. The breaking event is
 * always shown. `shown[i]` is for `trace.events[i]`; `hidden` counts the folded ones.
 */
export function foldIdle(
  trace: Trace,
  all = false,
): {
  readonly shown: readonly boolean[];
  readonly hidden: number;
  readonly breaking: TraceEvent | undefined;
} {
  const breaking = breakingEvent(trace);
  const seen = new Set<string>();
  let hidden = 0;
  const shown = trace.events.map((e) => {
    const key = idleKey(e);
    if (key === null || all || e === breaking) return true;
    if (seen.has(key)) {
      hidden++;
      return false;
    }
    seen.add(key);
    return true;
  });
  return { shown, hidden, breaking };
}

const TIME_WIDTH = 10;

/** Split `text` (no ANSI codes) into pieces of at most `width` characters, preferring spaces. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(" ", width);
    const at = cut > width / 3 ? cut : width;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

/**
 * The header, the timeline and the legend, as one string. Layout: one lane (column) per process; an event's
 * text starts in its process's lane and runs to the right across the lanes that are idle in that row.
 */
export function renderTimeline(trace: Trace, options: TimelineOptions = {}): string {
  const processes = trace.processes;
  const width = Math.max(80, options.width ?? 160);
  const laneWidth = Math.max(12, ...processes.map((p) => p.length + 2));
  const lane = new Map(processes.map((p, i) => [p, i]));
  const out: string[] = [];
  const violation = trace.violation;
  const header = [
    `${pc.bold("interleave replay")} · ${trace.scenario} / ${trace.variant} · seed ${trace.seed} · ${trace.steps} steps · ${trace.decisions.length} decisions`,
    violation === null
      ? pc.green("no property violated in this run")
      : `${pc.red(pc.bold("✗ property violated:"))} ${violation.property} ${pc.dim(`(${violation.kind}; ${violation.message})`)}`,
    pc.dim(`fingerprint ${trace.fingerprint}`),
    "",
    `${pc.bold("time".padStart(TIME_WIDTH - 2).padEnd(TIME_WIDTH))}│ ${processes.map((p) => pc.bold(p.padEnd(laneWidth))).join("")}`,
    `${"─".repeat(TIME_WIDTH)}┼${"─".repeat(Math.min(width - TIME_WIDTH - 1, laneWidth * processes.length + 1))}`,
  ];
  out.push(...header);
  const { shown, hidden, breaking } = foldIdle(trace, options.all === true);
  let lastTime = -1;
  const emit = (
    t: number | null,
    index: number,
    lines: readonly { text: string; paint?: (s: string) => string }[],
  ) => {
    const rails = processes
      .slice(0, index)
      .map(() => pc.dim("│".padEnd(laneWidth)))
      .join("");
    const room = Math.max(32, width - TIME_WIDTH - 2 - index * laneWidth);
    let first = true;
    for (const { text, paint } of lines) {
      for (const [n, part] of wrap(text, room - 2).entries()) {
        const piece = n === 0 ? part : `  ${part}`;
        const time =
          first && t !== null
            ? formatTime(t)
                .padStart(TIME_WIDTH - 2)
                .padEnd(TIME_WIDTH)
            : " ".repeat(TIME_WIDTH);
        out.push(`${time}│ ${rails}${paint === undefined ? piece : paint(piece)}`);
        first = false;
      }
    }
  };
  for (const [i, e] of trace.events.entries()) {
    if (!shown[i]) continue;
    emit(e.t === lastTime ? null : e.t, lane.get(e.process) ?? 0, describe(e));
    lastTime = e.t;
    if (e === breaking && violation !== null) {
      emit(null, lane.get(e.process) ?? 0, [
        { text: `✗ violated here: ${violation.property}`, paint: (s) => pc.red(pc.bold(s)) },
      ]);
    }
  }
  if (violation !== null && violation.kind === "eventually") {
    emit(violation.t, 0, [
      { text: `✗ deadline passed: ${violation.property}`, paint: (s) => pc.red(pc.bold(s)) },
    ]);
  }
  const legend = [
    "",
    pc.bold("Legend"),
    `  time       virtual time since the run started (s.ms), shown when it changes; rows are in execution order`,
    `  lanes      one per process; an event is written from its process's lane to the right`,
    `  ● Ev [key] one atomic tx: the event applied to that store key (fields equal to the lane's name left out)`,
    `  → / Δ      the tx's result / what it changed in the store: path: before → after (∅ = absent)`,
    `  ⇒          an effect the tx returned (dispatch, cancel, …), carried out at the end of the step`,
    `  ~ … + -    a note by the process / a drawn delay / a process spawned / stopped`,
    `  ⏸ ✖ ↻      injected faults: pause (stall), crash, restart from entry`,
    `  ✗          where the property was violated`,
    hidden > 0
      ? `  ${hidden} repeated steps that changed nothing (idle polls) are hidden; --all shows them`
      : `  every step is shown`,
  ];
  out.push(...legend);
  return out.join("\n");
}

function findLast<T>(xs: readonly T[], p: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (p(xs[i]!)) return xs[i];
  return undefined;
}
