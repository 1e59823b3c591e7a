/**
 * Renders a trace as a timeline for a terminal: virtual time on the left, one column per process, each
 * step's input and result, the store changes it made inline, faults, notes, and the violated property at its
 * step, followed by a legend. Output depends only on the trace, so the same trace prints the same text.
 */
import pc from "picocolors";
import type { TraceEvent, Violation } from "../model/world/types.js";
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
    case "timer":
      return `timer #${(e.input as { id: number }).id} fired`;
    case "deliver": {
      const { conn, what } = e.input as { conn: number; what: string };
      return what === "connected"
        ? `c${conn} connected`
        : `c${conn} ← ${what === "push" ? "message " : ""}${formatValue(e.result, 1)}`;
    }
    case "fault":
      return faultText(e.input as Record<string, unknown>);
  }
}

/** A network fault, a server restart or a clock skew as words. */
function faultText(f: Record<string, unknown>): string {
  switch (f.kind) {
    case "delay":
      return `c${f.conn}: reply delayed`;
    case "drop":
      return `c${f.conn}: connection reset before the command was sent`;
    case "lose-reply":
      return `c${f.conn}: command applied, connection reset before the reply`;
    case "stall":
      return `c${f.conn}: command lost in a half-open connection, which resets later`;
    case "delay-request":
      return `c${f.conn}: request held in the network`;
    case "server-restart":
      return `${f.server} restarted (down ${f.downMs}ms)`;
    case "skew":
      return `clock skewed ${Number(f.ms) >= 0 ? "+" : ""}${f.ms}ms`;
    default:
      return `fault ${formatValue(f, 1)}`;
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
    case "timer":
      lines.push({ text: `⏲ ${eventText(e)}`, paint: pc.dim });
      break;
    case "deliver":
      lines.push({ text: `← ${cap(eventText(e))}`, paint: pc.dim });
      break;
    case "fault":
      lines.push({ text: `⚡ ${eventText(e)}`, paint: pc.magenta });
      break;
  }
  return lines;
}

/**
 * Whether a `tx` result is the idle/empty answer of a poll: absent (`undefined`/`null`), or a value whose
 * fields (its `_tag` aside) are all empty — `null`, `false`, `[]`, `{}`, `""` — such as `Claimed claims=[]`
 * or a bare `{ _tag: "Empty" }`. A result that carries data (`QueueFull scope="a" itemCountMax=1`, `Busy
 * holder=…`, `Ownership owned=true`) says something happened, so its step is never an idle poll.
 */
export function isIdleResult(result: unknown): boolean {
  if (result === undefined || result === null) return true;
  if (typeof result !== "object") return false;
  if (Array.isArray(result)) return result.length === 0;
  return Object.entries(result as Record<string, unknown>).every(([k, v]) => k === "_tag" || isEmptyField(v));
}

function isEmptyField(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

/**
 * A key for "this step repeats an earlier idle poll of the same process": a `tx` that changed nothing, returned
 * no effect and whose result is idle (see {@link isIdleResult}) gets `process|key|input|result`; any other event
 * gets null (never hidden). Renderers hide an event whose key they have already seen (unless showing
 * everything), see {@link foldIdle}.
 */
export function idleKey(e: TraceEvent): string | null {
  if (e.op !== "tx" || (e.changes?.length ?? 0) > 0 || (e.effects?.length ?? 0) > 0) return null;
  if (!isIdleResult(e.result)) return null;
  // The whole input (its time left out) and result: a Get of another object is not a repeat.
  return `${e.process}|${e.key}|${formatValue(e.input)}|${formatValue(e.result)}`;
}

/** The `tx` at which an `always` violation broke: the last `tx` of the violating step (none for `eventually`). */
export function breakingEvent(trace: Trace): TraceEvent | undefined {
  const violation = trace.violation;
  if (violation?.kind !== "always") return undefined;
  return findLast(trace.events, (e) => e.op === "tx" && e.step === violation.step);
}

/** How many of a process's last `tx` steps before a violation are always shown (see {@link foldIdle}). */
export const LAST_STEPS_SHOWN = 3;

/**
 * The events the violated property's evaluation may depend on, which are never folded: the breaking event
 * and the last {@link LAST_STEPS_SHOWN} `tx` steps of its process up to the violation (an `always`), or the last
 * `tx` step of every process up to the violation (an `eventually`: what each process did last before the
 * deadline or the end of the run). Empty without a violation.
 */
export function dependedOn(trace: Trace): ReadonlySet<TraceEvent> {
  const violation = trace.violation;
  const out = new Set<TraceEvent>();
  if (violation === null) return out;
  const breaking = breakingEvent(trace);
  if (breaking !== undefined) out.add(breaking);
  const counts = new Map<string, number>();
  for (let i = trace.events.length - 1; i >= 0; i--) {
    const e = trace.events[i]!;
    if (e.op !== "tx" || e.step > violation.step) continue;
    if (breaking !== undefined && e.process !== breaking.process) continue;
    const n = counts.get(e.process) ?? 0;
    if (n >= (breaking === undefined ? 1 : LAST_STEPS_SHOWN)) continue;
    counts.set(e.process, n + 1);
    out.add(e);
  }
  return out;
}

/**
 * Which events a rendering shows (timeline, Mermaid, HTML report): every event, except that a repeated idle
 * poll (see {@link idleKey}: a `tx` that changed nothing, returned no effect and an idle result) after its
 * first occurrence is folded away unless `all`. The events the violated property depends on (see
 * {@link dependedOn}) are always shown, the breaking event among them. `shown[i]` is for `trace.events[i]`;
 * `hidden` counts the folded ones.
 *
 * Known limitation: the trace does not say which store keys a property reads, so a repeated no-op with a bare
 * tagged result (`{ _tag: "Skipped" }`) that the property depends on is folded unless it is among the last
 * steps kept; `--all` shows everything.
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
  const kept = dependedOn(trace);
  const seen = new Set<string>();
  let hidden = 0;
  const shown = trace.events.map((e) => {
    const key = idleKey(e);
    if (key === null || all || kept.has(e)) return true;
    if (seen.has(key)) {
      hidden++;
      return false;
    }
    seen.add(key);
    return true;
  });
  return { shown, hidden, breaking };
}

/** Milliseconds as seconds for a sentence: 2000 → `2 s`, 2500 → `2.5 s`, 60000 → `60 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * What happened to a failed `eventually`, as words: the run ended before the deadline (`the run finished at
 * t=2 s with the property unmet; deadline 60 s`, or `went quiet`), or the deadline passed (`deadline 60 s
 * passed at t=60 s with the property unmet`). Traces written before violations carried `withinMs`/`cut` fall
 * back on the violation's message for the cause and leave out the deadline they do not know.
 */
export function livenessOutcome(violation: Violation): string {
  const at = `t=${formatSeconds(violation.t)}`;
  const cut =
    violation.cut ??
    (/went quiet/.test(violation.message)
      ? "quiescent"
      : /finished/.test(violation.message)
        ? "finished"
        : "deadline");
  const within = violation.withinMs;
  if (cut === "deadline")
    return `deadline ${within === undefined ? "" : `${formatSeconds(within)} `}passed at ${at} with the property unmet`;
  const ended = cut === "quiescent" ? "went quiet" : "finished";
  return `the run ${ended} at ${at} with the property unmet${within === undefined ? "" : `; deadline ${formatSeconds(within)}`}`;
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
      {
        text: `✗ ${livenessOutcome(violation)}: ${violation.property}`,
        paint: (s) => pc.red(pc.bold(s)),
      },
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
    ...(trace.events.some((e) => e.op === "timer" || e.op === "deliver" || e.op === "fault")
      ? [
          `  ← ⏲        async tasks: a connection established or a reply delivered to the task / a virtual timer fired`,
          `  ⚡         a network fault (reply delayed, request held, connection reset), a server restart, a clock skew`,
        ]
      : []),
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
