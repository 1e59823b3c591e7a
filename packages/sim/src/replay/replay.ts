/**
 * Replay: re-run a seed with the strategy that ran it, or feed a trace's decisions back into the current code
 * and say whether it reproduced the very run, diverged from its decisions, or changed what a step does. Each
 * is written once as a {@link Sim} (`…Gen`), driven synchronously by the plain function and with awaits between
 * the steps of async tasks by its `…Async` twin.
 */
import { InputError, type Scenario, type ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import { recordRunGen } from "../search/record.js";
import { runSeed } from "../strategy/chooser.js";
import {
  chooserFactoryGen,
  feedbackChooserAtGen,
  type StrategySpec,
  strategyLabel,
} from "../strategy/registry.js";
import { ReplayChooser, ReplayDivergence } from "../strategy/replay.js";
import type { Trace } from "../trace/format.js";
import { formatValue } from "../view/timeline.js";

/** How {@link replaySeed} finds a run: its swarm mode, and for `feedback` where it sits in its campaign. */
export interface ReplaySeedOptions {
  readonly swarm?: boolean;
  /**
   * `feedback` only (required): the run's index in its exploration. `seed` is then the exploration's base
   * seed, and the campaign is re-run up to this run (a feedback run depends on the runs before it).
   */
  readonly run?: number;
  /** `feedback` only: the number of parts the exploration was split into (`--workers`, `--shard`); default 1. */
  readonly parts?: number;
}

/**
 * Re-run seed `seed` of `variant` with the strategy that ran it (random by default), recorded. For `feedback`,
 * `seed` is the base seed and `options.run` the run's index: the campaign is re-run up to it and the trace's
 * seed is the run's own (`runSeed(seed, run)`). Throws an `InputError` for the exhaustive strategy (it has no
 * seeds) and for `feedback` without `options.run`, what the run throws, and `AsyncTasksError` when the
 * variant has async tasks (use {@link replaySeedAsync}).
 */
export function replaySeed(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  spec: StrategySpec = { strategy: "random" },
  options: ReplaySeedOptions = {},
): Trace {
  return runSync(replaySeedGen(scenario, variant, seed, spec, options), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link replaySeed}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps.
 */
export function replaySeedAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  spec: StrategySpec = { strategy: "random" },
  options: ReplaySeedOptions = {},
): Promise<Trace> {
  return runAsync(replaySeedGen(scenario, variant, seed, spec, options));
}

/** {@link replaySeed} as a {@link Sim}, to `yield*` from another one. */
export function* replaySeedGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  spec: StrategySpec = { strategy: "random" },
  options: ReplaySeedOptions = {},
): Sim<Trace> {
  const swarm = { swarm: options.swarm === true };
  if (spec.strategy === "feedback") {
    if (options.run === undefined)
      throw new InputError(
        "a feedback run is replayed by its campaign: give the base seed as --seed and the run index as --run",
      );
    const chooser = yield* feedbackChooserAtGen(variant, seed, options.run, {
      ...swarm,
      ...(options.parts === undefined ? {} : { parts: options.parts }),
    });
    const own = runSeed(seed, options.run);
    return yield* recordRunGen(scenario, variant, own, chooser, strategyLabel(spec, scenario), swarm);
  }
  const chooserFor = yield* chooserFactoryGen(variant, spec);
  return yield* recordRunGen(scenario, variant, seed, chooserFor(seed), strategyLabel(spec, scenario), swarm);
}

/**
 * Where a replay left the recorded schedule: the code asked for a decision the trace does not hold there, or
 * ended the run with recorded decisions unused.
 */
export interface ReplayDivergenceReport {
  /** The world step, and virtual time in ms, at which the code asked (unused decisions: where the run ended). */
  readonly step: number;
  readonly t: number;
  /** 0-based index into the trace's decisions. */
  readonly decisionIndex: number;
  /** The label the trace recorded at `decisionIndex`; null when the trace holds no more decisions. */
  readonly expectedLabel: string | null;
  /** The label the code asked for; {@link END_OF_RUN} when the run ended before using every recorded decision. */
  readonly foundLabel: string;
  /** One sentence saying all of the above. */
  readonly message: string;
}

/** `foundLabel` of a divergence where the run ended while the trace still held decisions. */
export const END_OF_RUN = "end of run";

/** The first event where a replayed run's log departs from the recorded one (both summarised on one line). */
export interface EventDifference {
  /** 0-based position in the event logs. */
  readonly index: number;
  /** Step and virtual time (ms) of the event found (of the expected one when the current run's log ended). */
  readonly step: number;
  readonly t: number;
  /** The recorded event (`process: op [key] input → result`); null when the recorded log ended first. */
  readonly expected: string | null;
  /** The event the current code produced there; null when the current run's log ended first. */
  readonly found: string | null;
  /** The event fields that differ (`input`, `result`, `changes`, …); empty when one log ended first. */
  readonly fields: readonly string[];
}

export type ReplayOutcome =
  | { readonly _tag: "Reproduced"; readonly trace: Trace }
  | {
      readonly _tag: "Changed";
      readonly trace: Trace;
      /** The recorded fingerprint (`trace.fingerprint` is the current run's). */
      readonly expected: string;
      /** Null only when the event logs are equal (the processes, violation, steps or endMs differ). */
      readonly firstDifference: EventDifference | null;
    }
  | ({ readonly _tag: "Diverged" } & ReplayDivergenceReport);

/**
 * Feed a trace's decisions back into the current code (with the trace's `params` and swarm mode); it never
 * silently runs a different schedule:
 * - `Reproduced`: every decision fit and was used, and the fingerprint is the same: the very run. The
 *   returned trace is the re-recorded one, with the original's `params` and `shrunk`.
 * - `Diverged`: the code asked for a decision whose label or option count differs from the recorded one, or
 *   for more decisions than the trace holds (`expectedLabel` null), or ended the run with recorded decisions
 *   unused (`foundLabel` {@link END_OF_RUN}, `step`/`t` where it ended). The replay stops there; decisions
 *   are matched by position and label, so a decision the code added or removed is reported, not realigned.
 * - `Changed`: every decision fit and was used but the run differs (the code changed what a step does);
 *   `firstDifference` is the first event that differs. The current run counts as not reproduced.
 *
 * Throws what the run throws (a process's error), and `AsyncTasksError` when the variant has async tasks (use
 * {@link replayTraceAsync}).
 */
export function replayTrace(scenario: Scenario, variant: ScenarioVariant, trace: Trace): ReplayOutcome {
  return runSync(replayTraceGen(scenario, variant, trace), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link replayTrace}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps.
 */
export function replayTraceAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  trace: Trace,
): Promise<ReplayOutcome> {
  return runAsync(replayTraceGen(scenario, variant, trace));
}

/** {@link replayTrace} as a {@link Sim}, to `yield*` from another one. */
export function* replayTraceGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  trace: Trace,
): Sim<ReplayOutcome> {
  const chooser = new ReplayChooser(trace.decisions);
  let again: Trace;
  try {
    again = yield* recordRunGen(
      scenario,
      trace.params === undefined ? variant : { ...variant, build: variant.buildWith(trace.params) },
      trace.seed,
      chooser,
      trace.strategy,
      { swarm: trace.swarm === true },
    );
  } catch (error) {
    if (!(error instanceof ReplayDivergence)) throw error;
    const { step, t, decisionIndex, expectedLabel, foundLabel, message } = error;
    return { _tag: "Diverged", step, t, decisionIndex, expectedLabel, foundLabel, message };
  }
  if (trace.params !== undefined) again = { ...again, params: trace.params };
  const used = chooser.consumed;
  const unused = trace.decisions[used];
  if (unused !== undefined) {
    return {
      _tag: "Diverged",
      step: again.steps,
      t: again.endMs,
      decisionIndex: used,
      expectedLabel: unused.label,
      foundLabel: END_OF_RUN,
      message: `the run ended at step ${again.steps} (t=${again.endMs}ms) after ${used} of the trace's ${trace.decisions.length} decisions; decision #${used} ("${unused.label}") was never asked for`,
    };
  }
  if (again.fingerprint === trace.fingerprint) {
    return {
      _tag: "Reproduced",
      trace: trace.shrunk === undefined ? again : { ...again, shrunk: trace.shrunk },
    };
  }
  return {
    _tag: "Changed",
    trace: again,
    expected: trace.fingerprint,
    firstDifference: firstEventDifference(trace.events, again.events),
  };
}

type RecordedEvent = Trace["events"][number];

/** The first position where two event logs differ (key order ignored), or null when they are equal. */
function firstEventDifference(
  expected: readonly RecordedEvent[],
  found: readonly RecordedEvent[],
): EventDifference | null {
  for (let i = 0; i < Math.max(expected.length, found.length); i++) {
    const e = expected[i];
    const f = found[i];
    if (e !== undefined && f !== undefined && stableJson(e) === stableJson(f)) continue;
    const at = (f ?? e)!;
    const fields =
      e === undefined || f === undefined
        ? []
        : [...new Set([...Object.keys(e), ...Object.keys(f)] as (keyof RecordedEvent)[])].filter(
            (k) => stableJson(e[k]) !== stableJson(f[k]),
          );
    return {
      index: i,
      step: at.step,
      t: at.t,
      expected: e === undefined ? null : describeEvent(e),
      found: f === undefined ? null : describeEvent(f),
      fields,
    };
  }
  return null;
}

const EVENT_SUMMARY_CHARS_MAX = 200;

/** One line: `process: op [key] input → result`, cut to {@link EVENT_SUMMARY_CHARS_MAX} characters. */
function describeEvent(e: RecordedEvent): string {
  const text = [
    `${e.process}: ${e.op}`,
    e.key === undefined ? "" : ` [${e.key}]`,
    e.input === undefined ? "" : ` ${formatValue(e.input)}`,
    e.result === undefined ? "" : ` → ${formatValue(e.result)}`,
  ].join("");
  return text.length <= EVENT_SUMMARY_CHARS_MAX ? text : `${text.slice(0, EVENT_SUMMARY_CHARS_MAX - 1)}…`;
}

/** JSON with object keys sorted, so that logs read from a file compare equal to freshly recorded ones. */
function stableJson(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}
