/**
 * Recording: re-run a schedule with the event log on and package it as a versioned trace. Written once as a
 * {@link Sim} ({@link recordRunGen}); {@link recordRun} drives it synchronously, {@link recordRunAsync} for worlds
 * with async tasks.
 */

import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import type { RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import type { Chooser } from "../strategy/chooser.js";
import { fingerprint, TRACE_FORMAT, TRACE_VERSION, type Trace } from "../trace/format.js";

/**
 * Run `variant` under `chooser` with recording on and package the run as a trace (`strategy` as labelled).
 * `options.swarm` must match the run being recorded (a swarm run draws its fault plan first). Throws what the
 * run throws (a process's error, a `ReplayDivergence` from a replay chooser), and `AsyncTasksError` when the
 * world has async tasks: use {@link recordRunAsync} for those.
 */
export function recordRun(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  chooser: Chooser,
  strategy = "random",
  options: { readonly swarm?: boolean } = {},
): Trace {
  return runSync(
    recordRunGen(scenario, variant, seed, chooser, strategy, options),
    `${scenario.name}/${variant.name}`,
  );
}

/**
 * The same as {@link recordRun}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps. Resolves to the same trace as `recordRun` for a world of generator processes.
 */
export function recordRunAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  chooser: Chooser,
  strategy = "random",
  options: { readonly swarm?: boolean } = {},
): Promise<Trace> {
  return runAsync(recordRunGen(scenario, variant, seed, chooser, strategy, options));
}

/** {@link recordRun} as a {@link Sim}, to `yield*` from another one. */
export function* recordRunGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  chooser: Chooser,
  strategy = "random",
  options: { readonly swarm?: boolean } = {},
): Sim<Trace> {
  const swarm = options.swarm === true;
  const run = yield* runWorldGen(variant.build, chooser, { record: true, swarm });
  const trace = toTrace(scenario.name, variant.name, seed, run, strategy);
  return swarm ? { ...trace, swarm: true } : trace;
}

function toTrace(scenario: string, variant: string, seed: number, run: RunResult, strategy: string): Trace {
  const recorded = {
    scenario,
    variant,
    seed,
    processes: run.processes,
    decisions: run.decisions,
    events: run.events ?? [],
    violation: run.violation,
    steps: run.steps,
    endMs: run.endMs,
  };
  // the file's field order: format, version, scenario, variant, seed, strategy, then the run
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario,
    variant,
    seed,
    strategy,
    processes: recorded.processes,
    decisions: recorded.decisions,
    events: recorded.events,
    violation: recorded.violation,
    steps: recorded.steps,
    endMs: recorded.endMs,
    fingerprint: fingerprint(recorded),
  };
}
