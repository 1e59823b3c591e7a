/**
 * The data of the HTML counterexample report: one {@link ReportRun} per trace shown (the shrunk counterexample
 * first, the original as found second). A run lists every step in execution order with its process, input,
 * result, changes and effects, the store's whole state after each step, the lanes (processes, then store keys)
 * and where the violated property failed. Everything here is plain JSON, embedded in the report page.
 *
 * The store's states come from replaying the trace through its scenario ({@link replayStore}): exact. When
 * that is impossible (scenario unknown to the registry, or the current code no longer reproduces the trace),
 * they are rebuilt from the `changes` the trace recorded ({@link rebuildStore}): only the fields the run
 * changed are known, and the report says so.
 *
 * One numbering: the report calls its rows steps and numbers them from 1 ({@link stepNumber}) — the `#`
 * column, the slider, the side panel, the address, the violation. The world's own step counter
 * (`TraceEvent.step`, `Violation.step`; several rows can share one) stays in the data and is never shown.
 */

import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import type { RunResult, StoreSnapshots, TraceEvent } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import { ReplayChooser, ReplayDivergence } from "../strategy/replay.js";
import { fingerprint, type Trace } from "../trace/format.js";
import { eventText, foldIdle, formatValue, livenessOutcome } from "./timeline.js";

/** One row of the report: a recorded event, or the synthetic last row of an `eventually` deadline. */
export interface ReportStep {
  /** Position in the run's rows (0-based); shown as step `index + 1` ({@link stepNumber}). */
  readonly index: number;
  /**
   * The world step that produced it (several events can share a step: a tx and the effects it spawned). Kept
   * for tools reading the data; the page never shows it (one numbering: {@link stepNumber}).
   */
  readonly step: number;
  /** Virtual time in ms since the run started. */
  readonly t: number;
  readonly process: string;
  readonly op: TraceEvent["op"] | "deadline";
  /** Store key of a `tx`. */
  readonly key?: string;
  /** One-line summaries (see `formatValue`), for the swimlane. */
  readonly summary: string;
  readonly resultSummary?: string;
  readonly input?: unknown;
  readonly result?: unknown;
  readonly changes?: TraceEvent["changes"];
  readonly effects?: readonly unknown[];
  /** An injected fault: pause, crash or restart. */
  readonly fault: boolean;
  /** The violated property failed at this row. */
  readonly violation: boolean;
  /** Repeats an earlier step of its process that changed nothing (an idle poll; see `idleKey`). */
  readonly idle: boolean;
}

/** How the store's states in a report were obtained. */
export type StoreSource =
  | { readonly _tag: "Replayed" }
  | { readonly _tag: "Rebuilt"; readonly reason: string; readonly partial: true };

/** One trace as the report shows it. */
export interface ReportRun {
  /** Tab label: "shrunk counterexample", "original, as found" or "run". */
  readonly title: string;
  readonly scenario: string;
  readonly variant: string;
  readonly seed: number;
  readonly strategy: string;
  readonly fingerprint: string;
  readonly decisions: number;
  readonly endMs: number;
  readonly swarm: boolean;
  readonly params: unknown;
  readonly shrunk: NonNullable<Trace["shrunk"]> | null;
  readonly violation: Trace["violation"];
  /**
   * The violation's message as the page shows it: the engine's own step counter left out ("invariant broken
   * at step 16 (t=22000ms)" → "invariant broken"), since the page numbers its rows itself. Null without one.
   */
  readonly violationMessage: string | null;
  /**
   * What a violated `eventually` came to, as the terminal timeline says it (`livenessOutcome`: "the run
   * finished at t=2 s with the property unmet; deadline 60 s" or "deadline 60 s passed at t=60 s …"); null
   * for an `always` or no violation.
   */
  readonly violationOutcome: string | null;
  /** Row index where the violation is marked, or null. */
  readonly violationIndex: number | null;
  /** Process lanes (in `trace.processes` order), then store-key lanes. */
  readonly processes: readonly string[];
  readonly keys: readonly string[];
  readonly steps: readonly ReportStep[];
  /**
   * Per store key, its states as `[rowIndex, state]` pairs in row order: `-1` is the initial state, and a pair
   * appears only where the state changed. The state at row `i` is the last pair with `rowIndex ≤ i`.
   */
  readonly states: Readonly<Record<string, readonly (readonly [number, unknown])[]>>;
  readonly storeSource: StoreSource;
  /** Trace file the run was read from, for display. */
  readonly file: string | null;
  /**
   * From the scenario registry, when the trace's scenario is in it: the scenario's description and source
   * (the incident it models), and the variant's expected verdict and why.
   */
  readonly about: {
    readonly description: string;
    readonly source: string;
    readonly expect: "violation" | "pass";
    readonly why: string;
  } | null;
}

const SUMMARY_CHARS_MAX = 160;

/**
 * The number the report shows for row `index` (0-based): `index + 1`, everywhere on the page (the `#` column,
 * the slider's position, the side panel, the address `#run=R&step=S`, "go to step S").
 */
export function stepNumber(index: number): number {
  return index + 1;
}

/**
 * `message` without the world's step counter: " at step 16" and a following " (t=…ms)" (the page shows the
 * row's own step number and time beside it). Other text is kept as it is.
 */
export function withoutWorldStep(message: string): string {
  return message
    .replace(/ at (?:world )?step \d+(?: \(t=\d+ms\))?/g, "")
    .replace(/\bworld step \d+/g, "")
    .trim();
}

function cap(text: string): string {
  return text.length <= SUMMARY_CHARS_MAX ? text : `${text.slice(0, SUMMARY_CHARS_MAX - 1)}…`;
}

/**
 * Replay `trace` through `variant` (with its params and swarm mode) recording the store's states. Returns
 * them when the run reproduces the trace exactly (same decisions used, same fingerprint); otherwise the
 * reason it could not (a sentence), and the report falls back to {@link rebuildStore}. Throws
 * `AsyncTasksError` when the variant has async tasks (use {@link replayStoreAsync}).
 */
export function replayStore(
  variant: ScenarioVariant,
  trace: Trace,
): { readonly store: StoreSnapshots } | { readonly reason: string } {
  return runSync(replayStoreGen(variant, trace), `${trace.scenario}/${variant.name}`);
}

/**
 * The same as {@link replayStore}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps.
 */
export function replayStoreAsync(
  variant: ScenarioVariant,
  trace: Trace,
): Promise<{ readonly store: StoreSnapshots } | { readonly reason: string }> {
  return runAsync(replayStoreGen(variant, trace));
}

/** {@link replayStore} as a {@link Sim}, to `yield*` from another one. */
export function* replayStoreGen(
  variant: ScenarioVariant,
  trace: Trace,
): Sim<{ readonly store: StoreSnapshots } | { readonly reason: string }> {
  const chooser = new ReplayChooser(trace.decisions);
  const build = trace.params === undefined ? variant.build : variant.buildWith(trace.params);
  let run: RunResult;
  try {
    run = yield* runWorldGen(build, chooser, { record: true, snapshots: true, swarm: trace.swarm === true });
  } catch (error) {
    if (error instanceof ReplayDivergence)
      return { reason: `the current code no longer replays this trace (${error.message})` };
    return { reason: `replaying the trace threw: ${(error as Error).message}` };
  }
  if (chooser.consumed !== trace.decisions.length)
    return {
      reason: `the current code ended the run after ${chooser.consumed} of the trace's ${trace.decisions.length} decisions`,
    };
  const again = {
    scenario: trace.scenario,
    variant: trace.variant,
    seed: trace.seed,
    processes: run.processes,
    decisions: run.decisions,
    events: run.events ?? [],
    violation: run.violation,
    steps: run.steps,
    endMs: run.endMs,
  };
  if (fingerprint(again) !== trace.fingerprint)
    return { reason: "the current code's run differs from the recorded one (fingerprint changed)" };
  return { store: run.store! };
}

/**
 * The store's states rebuilt from the trace alone. A change's `before` is the value at its path just before
 * it; where no earlier change touched that path, a parent or a child of it, that value has been there since the
 * start, so it goes into the initial state (children changed earlier keep their own first `before`; a path
 * first created by a change is known to be absent initially). Then every `tx` applies its `changes` in order.
 * Fields the run never changed are unknown (absent), and a step that changed more fields than a trace
 * records (64) may be incomplete.
 */
export function rebuildStore(trace: Trace): StoreSnapshots {
  const keys: string[] = [];
  const initial: Record<string, unknown> = {};
  const changed = new Map<string, Set<string>>();
  const absent = new Map<string, Set<string>>();
  for (const e of trace.events) {
    if (e.op !== "tx" || e.key === undefined) continue;
    if (!keys.includes(e.key)) {
      keys.push(e.key);
      changed.set(e.key, new Set());
      absent.set(e.key, new Set());
    }
    const seen = changed.get(e.key)!;
    const gone = absent.get(e.key)!;
    for (const c of e.changes ?? []) {
      if (!coveredBy(c.path, seen)) {
        if (c.before === undefined) gone.add(c.path);
        else
          initial[e.key] = setPath(
            initial[e.key],
            c.path,
            mergeInitial(valueAt(initial[e.key], c.path), c.before, c.path, gone),
          );
      }
      seen.add(c.path);
    }
  }
  const current: Record<string, unknown> = { ...initial };
  const after: unknown[] = [];
  trace.events.forEach((e, i) => {
    if (e.op !== "tx" || e.key === undefined) return;
    let state = current[e.key];
    for (const c of e.changes ?? []) state = setPath(state, c.path, c.after);
    current[e.key] = state;
    after[i] = state;
  });
  return { keys, initial, after };
}

/** Whether `path` or one of its ancestors is in `paths` (its value is then determined by earlier changes). */
function coveredBy(path: string, paths: ReadonlySet<string>): boolean {
  if (paths.has(path) || paths.has("")) return true;
  for (let i = path.indexOf("."); i >= 0; i = path.indexOf(".", i + 1))
    if (paths.has(path.slice(0, i))) return true;
  return false;
}

/**
 * The initial value at `path` given `before` (its value just before a later change) and `known` (initial values
 * of children already taken from their own first changes, which win), leaving out children known to be absent.
 */
function mergeInitial(known: unknown, before: unknown, path: string, absent: ReadonlySet<string>): unknown {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isRecord(before)) return known === undefined ? before : known;
  const out: Record<string, unknown> = isRecord(known) ? { ...known } : {};
  for (const [k, v] of Object.entries(before)) {
    const child = path === "" ? k : `${path}.${k}`;
    if (absent.has(child)) continue;
    out[k] = mergeInitial(out[k], v, child, absent);
  }
  return out;
}

/** `value` with `path` (dot-separated record keys; "" is the whole value) set to `to`, or removed when undefined. */
function setPath(value: unknown, path: string, to: unknown): unknown {
  if (path === "") return to;
  const [head, ...rest] = path.split(".") as [string, ...string[]];
  const record =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? { ...(value as Record<string, unknown>) }
      : {};
  const next = rest.length === 0 ? to : setPath(record[head], rest.join("."), to);
  if (next === undefined) delete record[head];
  else record[head] = next;
  return record;
}

/**
 * The value at `path` in `value`: a trace change's path (dot-separated record keys; "" is the whole value),
 * so a changed field can be read in a state of {@link ReportRun.states}. Undefined when absent.
 */
export function valueAt(value: unknown, path: string): unknown {
  if (path === "") return value;
  let v = value;
  for (const k of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * The report data of one trace. `store` gives the states (from {@link replayStore}, else
 * {@link rebuildStore}); `rebuiltBecause` says why they were rebuilt, if they were.
 */
export function reportRun(
  trace: Trace,
  options: {
    readonly title: string;
    readonly store: StoreSnapshots;
    readonly rebuiltBecause?: string;
    readonly file?: string | null;
    readonly about?: ReportRun["about"];
  },
): ReportRun {
  const { store } = options;
  const violation = trace.violation;
  // As on the terminal timeline: the last tx of the violating step (else the last event up to it), and the
  // same repeated idle polls folded.
  const folded = foldIdle(trace);
  const breaking =
    violation?.kind !== "always"
      ? -1
      : folded.breaking !== undefined
        ? trace.events.indexOf(folded.breaking)
        : lastIndex(trace.events, (e) => e.step <= violation.step);
  const idle = folded.shown.map((shown, index) => !shown && index !== breaking);
  const steps: ReportStep[] = trace.events.map((e, index) => ({
    index,
    step: e.step,
    t: e.t,
    process: e.process,
    op: e.op,
    ...(e.key === undefined ? {} : { key: e.key }),
    summary: cap(eventText(e)),
    ...(e.op === "tx" || e.op === "read" ? { resultSummary: cap(formatValue(e.result, 0, e.process)) } : {}),
    ...(e.input === undefined ? {} : { input: e.input }),
    ...(e.result === undefined ? {} : { result: e.result }),
    ...(e.changes === undefined ? {} : { changes: e.changes }),
    ...(e.effects === undefined ? {} : { effects: e.effects }),
    fault: e.op === "pause" || e.op === "crash" || e.op === "restart" || e.op === "fault",
    violation: index === breaking,
    idle: idle[index]!,
  }));
  let violationIndex: number | null = breaking >= 0 ? breaking : null;
  if (violation !== null && violationIndex === null) {
    // An `eventually` deadline (or an invariant broken before any step): a last row of its own.
    violationIndex = steps.length;
    steps.push({
      index: steps.length,
      step: violation.step,
      t: violation.t,
      process: trace.processes[0] ?? "",
      op: "deadline",
      summary: cap(
        violation.kind === "eventually"
          ? `${livenessOutcome(violation)}: ${violation.property}`
          : `violated: ${violation.property}`,
      ),
      fault: false,
      violation: true,
      idle: false,
    });
  }
  const states: Record<string, [number, unknown][]> = {};
  for (const key of store.keys) states[key] = [[-1, store.initial[key]]];
  trace.events.forEach((e, i) => {
    if (e.op !== "tx" || e.key === undefined || !(i in store.after)) return;
    const list = states[e.key];
    if (list === undefined) return;
    const next = store.after[i];
    const last = list[list.length - 1]![1];
    if (next !== last && JSON.stringify(next) !== JSON.stringify(last)) list.push([i, next]);
  });
  return {
    title: options.title,
    scenario: trace.scenario,
    variant: trace.variant,
    seed: trace.seed,
    strategy: trace.strategy,
    fingerprint: trace.fingerprint,
    decisions: trace.decisions.length,
    endMs: trace.endMs,
    swarm: trace.swarm === true,
    params: trace.params ?? null,
    shrunk: trace.shrunk ?? null,
    violation,
    violationMessage: violation === null ? null : withoutWorldStep(violation.message),
    violationOutcome: violation?.kind === "eventually" ? livenessOutcome(violation) : null,
    violationIndex,
    processes: trace.processes,
    keys: store.keys,
    steps,
    states,
    storeSource:
      options.rebuiltBecause === undefined
        ? { _tag: "Replayed" }
        : { _tag: "Rebuilt", reason: options.rebuiltBecause, partial: true },
    file: options.file ?? null,
    about: options.about ?? null,
  };
}

/** Where {@link reportRunOf} takes the store's states from: a scenario's variant to replay, or why there is none. */
export type ReportRunTarget =
  | { readonly scenario: Scenario; readonly variant: ScenarioVariant }
  | { readonly reason: string };

/**
 * The report run of `trace`, its store replayed through `scenario`/`variant` when given and reproducing,
 * else rebuilt from the trace (with the reason shown in the report). Throws `AsyncTasksError` when the variant
 * has async tasks (use {@link reportRunOfAsync}).
 */
export function reportRunOf(
  trace: Trace,
  title: string,
  target: { readonly scenario: Scenario; readonly variant: ScenarioVariant } | { readonly reason: string },
  file: string | null = null,
): ReportRun {
  return runSync(reportRunOfGen(trace, title, target, file), `${trace.scenario}/${trace.variant}`);
}

/**
 * The same as {@link reportRunOf}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps.
 */
export function reportRunOfAsync(
  trace: Trace,
  title: string,
  target: ReportRunTarget,
  file: string | null = null,
): Promise<ReportRun> {
  return runAsync(reportRunOfGen(trace, title, target, file));
}

/** {@link reportRunOf} as a {@link Sim}, to `yield*` from another one. */
export function* reportRunOfGen(
  trace: Trace,
  title: string,
  target: ReportRunTarget,
  file: string | null = null,
): Sim<ReportRun> {
  const replayed = "reason" in target ? target : yield* replayStoreGen(target.variant, trace);
  const about =
    "reason" in target
      ? null
      : {
          description: target.scenario.description,
          source: target.scenario.source,
          expect: target.variant.expect,
          why: target.variant.why,
        };
  return "store" in replayed
    ? reportRun(trace, { title, store: replayed.store, file, about })
    : reportRun(trace, { title, store: rebuildStore(trace), rebuiltBecause: replayed.reason, file, about });
}

function lastIndex<T>(xs: readonly T[], p: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (p(xs[i]!)) return i;
  return -1;
}
