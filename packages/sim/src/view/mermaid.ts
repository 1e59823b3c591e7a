/**
 * Mermaid sequence-diagram export of a trace, for pasting a counterexample into a GitHub issue or pull request
 * (GitHub renders ```mermaid fences). One participant per process (in `trace.processes` order), then one per
 * store key the trace's `tx` steps touch (first-use order) inside a `box` named "store". Each `tx` is an
 * arrow from its process to its key with the event applied, a dashed arrow back with the result, and a note
 * right of the key with what it changed (`Δ path: before → after`) and the effects it returned (`⇒ …`).
 * Virtual time is a note left of the first participant wherever it changes, so it reads down the left edge
 * like the terminal timeline's time column. Faults (‖ pause, ✖ crash, ↻ restart) are notes on an orange
 * `rect`; the violated property is a note on a red `rect`, right after the breaking `tx` (an `always`
 * invariant) or at the end (an `eventually` deadline). Repeated idle polls are hidden as in the timeline.
 *
 * All text is escaped with Mermaid's entity codes (`#59;` for `;`, …) and capped, so any scenario's strings
 * parse; the output depends only on the trace (same trace, same text).
 */
import { InputError } from "../model/scenario.js";
import type { TraceEvent } from "../model/world/types.js";
import type { Trace } from "../trace/format.js";
import { eventText, foldIdle, formatTime, formatValue, livenessOutcome } from "./timeline.js";

export interface MermaidOptions {
  /** Show repeated steps that changed nothing (idle polls), hidden by default as in the timeline. */
  readonly all?: boolean;
  /**
   * Most arrows and notes in the diagram's body (default {@link MERMAID_MESSAGES_MAX_DEFAULT}); a longer trace
   * ends with a note pointing to the HTML report. The breaking step and the violation are always shown.
   */
  readonly messagesMax?: number;
}

/** Default bound on the arrows and notes of a diagram's body. */
export const MERMAID_MESSAGES_MAX_DEFAULT = 300;

/**
 * Bound on the characters of a diagram's body. Mermaid refuses a diagram longer than its `maxTextSize`
 * (50,000 characters by default, GitHub's too) and draws an error instead; this leaves room for the
 * participants, the violation and the trailing notes.
 */
export const MERMAID_BODY_CHARS_MAX = 40_000;

/** Visible characters of one text (a message, or one line of a note) before it is cut with `…`. */
const TEXT_CHARS_MAX = 120;
/** Visible characters of one side of a change (`before` or `after`). */
const VALUE_CHARS_MAX = 48;
/** Change lines (`Δ`) in one note before "+N more". */
const CHANGES_MAX = 3;
/** Effect lines (`⇒`) in one note before "+N more". */
const EFFECTS_MAX = 2;

const STORE_BOX = "rgb(236, 241, 248)";
const FAULT_RECT = "rgb(255, 232, 200)";
const VIOLATION_RECT = "rgb(255, 200, 200)";

/**
 * Characters Mermaid's sequence-diagram grammar treats specially in message, note and participant text, as
 * its entity codes (`#59;` → `;` in the drawing): `;` ends a statement, `#` starts a comment, `%` a `%%`
 * comment, `:` after the first can read as `wrap:`, `<`/`>` as HTML (`<br/>`), `,` and `@` end a participant
 * name, and quotes, braces and `&` are escaped so nothing reads as markup or metadata.
 */
const ENTITIES: Readonly<Record<string, string>> = {
  ";": "#59;",
  "#": "#35;",
  "%": "#37;",
  ":": "#58;",
  "<": "#60;",
  ">": "#62;",
  ",": "#44;",
  "@": "#64;",
  '"': "#34;",
  "'": "#39;",
  "{": "#123;",
  "}": "#125;",
  "&": "#38;",
  "`": "#96;",
};
const SPECIAL = /[;#%:<>,@"'{}&`]/g;

/** One line: whitespace runs (line breaks included) become one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Cut `text` to `max` characters (code points) with an ellipsis. */
function cap(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * `text` as safe Mermaid text: on one line, capped at `max` visible characters (default 120), every special
 * character as its entity code. The result contains no `;`, `#` outside entity codes, `%`, `:`, `<`, `>` or
 * line break.
 */
export function escapeMermaid(text: string, max = TEXT_CHARS_MAX): string {
  return cap(oneLine(text), max).replace(SPECIAL, (c) => ENTITIES[c] ?? c);
}

/** A diagram being built: its lines, and how many arrows/notes and characters its body holds. */
interface Group {
  readonly lines: string[];
  count: number;
}

function group(): Group {
  return { lines: [], count: 0 };
}

function statement(g: Group, line: string): void {
  g.lines.push(`  ${line}`);
  g.count++;
}

/** A note on a coloured background (`rect`), counted as one statement. */
function highlighted(g: Group, colour: string, note: string): void {
  g.lines.push(`  rect ${colour}`, `    ${note}`, "  end");
  g.count++;
}

function chars(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) n += line.length + 1;
  return n;
}

/** Participant ids: `p<i>` for processes, `k<i>` for store keys (safe whatever the names are). */
interface Participants {
  readonly processes: ReadonlyMap<string, string>;
  readonly keys: ReadonlyMap<string, string>;
  /** `Note over first,last` spans every participant. */
  readonly all: string;
  readonly first: string;
}

function participantsOf(trace: Trace): Participants {
  const processes = new Map<string, string>();
  const keys = new Map<string, string>();
  const addProcess = (name: string) => {
    if (!processes.has(name)) processes.set(name, `p${processes.size}`);
  };
  for (const p of trace.processes) addProcess(p);
  for (const e of trace.events) {
    addProcess(e.process);
    if (e.op === "tx" || e.op === "read") {
      const key = keyOf(e);
      if (!keys.has(key)) keys.set(key, `k${keys.size}`);
    }
  }
  const ids = [...processes.values(), ...keys.values()];
  const first = ids[0] ?? "p0";
  const last = ids[ids.length - 1] ?? first;
  return { processes, keys, all: first === last ? first : `${first},${last}`, first };
}

function keyOf(e: TraceEvent): string {
  return e.key ?? "store";
}

function more(n: number, what: string): string {
  return `+${n} more ${what}${n === 1 ? "" : "s"}`;
}

function changeLines(e: TraceEvent): string[] {
  const lines: string[] = [];
  const changes = e.changes ?? [];
  for (const c of changes.slice(0, CHANGES_MAX)) {
    const before = c.before === undefined ? "∅" : cap(formatValue(c.before, 1), VALUE_CHARS_MAX);
    const after = c.after === undefined ? "∅" : cap(formatValue(c.after, 1), VALUE_CHARS_MAX);
    // An empty path is the key's whole state (the note sits beside the key).
    lines.push(escapeMermaid(`Δ ${c.path === "" ? "" : `${c.path}: `}${before} → ${after}`));
  }
  if (changes.length > CHANGES_MAX) lines.push(more(changes.length - CHANGES_MAX, "change"));
  const effects = e.effects ?? [];
  for (const f of effects.slice(0, EFFECTS_MAX)) lines.push(escapeMermaid(`⇒ ${formatValue(f, 0)}`));
  if (effects.length > EFFECTS_MAX) lines.push(more(effects.length - EFFECTS_MAX, "effect"));
  return lines;
}

/** The statements of one event (after its time note). */
function describe(g: Group, e: TraceEvent, ids: Participants): void {
  const p = ids.processes.get(e.process) ?? ids.first;
  switch (e.op) {
    case "tx": {
      const k = ids.keys.get(keyOf(e)) ?? ids.first;
      statement(g, `${p}->>${k}: ${escapeMermaid(formatValue(e.input, 0, e.process))}`);
      statement(g, `${k}-->>${p}: ${escapeMermaid(formatValue(e.result, 0, e.process))}`);
      const lines = changeLines(e);
      if (lines.length > 0) statement(g, `Note right of ${k}: ${lines.join("<br/>")}`);
      break;
    }
    case "read": {
      const k = ids.keys.get(keyOf(e)) ?? ids.first;
      statement(g, `${p}->>${k}: read`);
      statement(g, `${k}-->>${p}: ${escapeMermaid(formatValue(e.result, 0, e.process))}`);
      break;
    }
    case "note":
      statement(g, `Note over ${p}: ${escapeMermaid(`~ ${eventText(e)}`)}`);
      break;
    case "sleep":
      statement(g, `Note over ${p}: ${escapeMermaid(`… ${eventText(e)}`)}`);
      break;
    case "pause":
      highlighted(g, FAULT_RECT, `Note over ${p}: ${escapeMermaid(`‖ ${eventText(e)}`)}`);
      break;
    case "crash":
      highlighted(g, FAULT_RECT, `Note over ${p}: ${escapeMermaid(`✖ ${eventText(e)}`)}`);
      break;
    case "restart":
      highlighted(g, FAULT_RECT, `Note over ${p}: ${escapeMermaid(`↻ ${eventText(e)}`)}`);
      break;
    case "fault":
      highlighted(g, FAULT_RECT, `Note over ${p}: ${escapeMermaid(`⚡ ${eventText(e)}`)}`);
      break;
    case "timer":
    case "deliver":
      statement(g, `Note over ${p}: ${escapeMermaid(`${e.op === "timer" ? "⏲" : "←"} ${eventText(e)}`)}`);
      break;
    case "spawn":
    case "kill": {
      const name = String((e.input as { name: string }).name);
      const target = ids.processes.get(name);
      const verb = e.op === "spawn" ? "spawn" : "stop";
      if (target === undefined || target === p) {
        statement(g, `Note over ${p}: ${escapeMermaid(`${e.op === "spawn" ? "+" : "-"} ${verb} ${name}`)}`);
      } else {
        statement(g, `${p}${e.op === "spawn" ? "-)" : "-x"}${target}: ${verb}`);
      }
      break;
    }
  }
}

/**
 * The trace as a Mermaid sequence diagram: text starting with `sequenceDiagram`, lines separated by `\n`, no
 * markdown fence (see {@link mermaidBlock}). `options.all` shows repeated idle polls; `options.messagesMax`
 * (an integer ≥ 1, default 300) bounds the body's arrows and notes — the body also stops before
 * {@link MERMAID_BODY_CHARS_MAX} characters — and a longer trace gets "… N more steps" (N = the world steps
 * of the events not drawn, hidden idle polls aside), then the breaking step and the violation all the same. Throws {@link InputError} for a bad
 * `messagesMax`. Pure: the same trace and options give the same text.
 */
export function renderMermaid(trace: Trace, options: MermaidOptions = {}): string {
  const messagesMax = options.messagesMax ?? MERMAID_MESSAGES_MAX_DEFAULT;
  if (!Number.isInteger(messagesMax) || messagesMax < 1) {
    throw new InputError(`Mermaid messagesMax must be a positive integer, got ${messagesMax}`);
  }
  const ids = participantsOf(trace);
  const out = ["sequenceDiagram"];
  for (const [name, id] of ids.processes) out.push(`  participant ${id} as ${escapeMermaid(name)}`);
  if (ids.keys.size > 0) {
    out.push(`  box ${STORE_BOX} store`);
    for (const [name, id] of ids.keys) out.push(`    participant ${id} as ${escapeMermaid(name)}`);
    out.push("  end");
  }

  const violation = trace.violation;
  const { shown, hidden, breaking } = foldIdle(trace, options.all === true);
  const visible = trace.events.filter((_, i) => shown[i]);

  /** One event's statements: a time note when the time changed, the event, and the violation after it. */
  const eventGroup = (e: TraceEvent, lastTime: number): Group => {
    const g = group();
    if (e.t !== lastTime) statement(g, `Note left of ${ids.first}: t=${formatTime(e.t)}`);
    describe(g, e, ids);
    if (e === breaking && violation !== null) {
      const p = ids.processes.get(e.process) ?? ids.first;
      const k = ids.keys.get(keyOf(e)) ?? ids.first;
      highlighted(
        g,
        VIOLATION_RECT,
        `Note over ${p},${k}: ${escapeMermaid(`✗ violated here: ${violation.property}`, 160)}`,
      );
    }
    return g;
  };

  let used = 0;
  let bodyChars = 0;
  let lastTime = -1;
  let cut = visible.length;
  for (const [i, e] of visible.entries()) {
    const g = eventGroup(e, lastTime);
    const size = chars(g.lines);
    if (used + g.count > messagesMax || bodyChars + size > MERMAID_BODY_CHARS_MAX) {
      cut = i;
      break;
    }
    out.push(...g.lines);
    used += g.count;
    bodyChars += size;
    lastTime = e.t;
  }
  if (cut < visible.length) {
    const rest = visible.slice(cut);
    const breakingLeft = breaking !== undefined && rest.includes(breaking);
    const steps = new Set(rest.filter((e) => e !== breaking).map((e) => e.step)).size;
    out.push(
      `  Note over ${ids.all}: ${escapeMermaid(`… ${steps} more ${steps === 1 ? "step" : "steps"}: see the HTML report (interleave report <trace>)`)}`,
    );
    if (breakingLeft) out.push(...eventGroup(breaking, -1).lines);
  }
  if (violation !== null && breaking === undefined) {
    const text =
      violation.kind === "eventually"
        ? `✗ ${livenessOutcome(violation)}: ${violation.property}`
        : `✗ violated at step ${violation.step} (t=${formatTime(violation.t)}): ${violation.property}`;
    out.push(...highlightedLines(VIOLATION_RECT, `Note over ${ids.all}: ${escapeMermaid(text, 160)}`));
  }
  if (hidden > 0) {
    out.push(
      `  Note over ${ids.all}: ${escapeMermaid(`${hidden} repeated ${hidden === 1 ? "step" : "steps"} that changed nothing (idle polls) hidden; --all shows them`)}`,
    );
  }
  return out.join("\n");
}

function highlightedLines(colour: string, note: string): string[] {
  const g = group();
  highlighted(g, colour, note);
  return g.lines;
}

/**
 * {@link renderMermaid}'s diagram inside a ```mermaid fence, after a one-line comment naming the run
 * (`%% interleave · scenario / variant · seed S · property`): the text users paste into an issue. Ends
 * with a newline. Same options and errors as {@link renderMermaid}.
 */
export function mermaidBlock(trace: Trace, options: MermaidOptions = {}): string {
  const property = trace.violation === null ? "no property violated" : trace.violation.property;
  // A comment line ends at the line break; a leading `{` would make it a directive, a fence would close the block.
  const title = oneLine(
    `interleave · ${trace.scenario} / ${trace.variant} · seed ${trace.seed} · ${property}`,
  ).replace(/[{}`]/g, "");
  return ["```mermaid", `%% ${title}`, renderMermaid(trace, options), "```", ""].join("\n");
}
