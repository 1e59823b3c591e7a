/**
 * One thread's share of a parallel exploration (see parallel.ts): {@link explorePart} runs it — on a worker
 * thread, or on the main thread, which works too — and {@link serve} is a worker thread's entry: it answers each
 * posted {@link PartTask} with its {@link PartResult}. The threads share memory only: a "first failing run" cell,
 * a counter handing out work, and progress counters. This module imports no registry loader and no tsx, so the
 * bundle a worker imports (worker-bundle.ts) holds only the search.
 */
import { parentPort } from "node:worker_threads";
import { findVariant, type Scenario, type ScenarioVariant } from "../model/scenario.js";
import { type ExploreOptions, exploreVariantAsync, type Partition } from "../search/explore.js";
import type { VariantResult } from "../search/verdict.js";

/** Runs a thread takes from the shared counter at once (one atomic add per chunk). */
export const RUN_CHUNK = 16;

/** The cells of {@link PartTask.control}: Int32Array indices. */
export const CONTROL = {
  /** The lowest failing run index found so far (else `NO_VIOLATION`). */
  firstFailure: 0,
  /** The next unclaimed position (runs) or unit (shards). */
  next: 1,
  /** The cells' count. */
  size: 2,
} as const;

/** One thread's job: its share of one variant's exploration. */
export interface PartTask {
  readonly scenario: string;
  readonly variant: string;
  readonly options: Omit<ExploreOptions, "stopBefore" | "onProgress" | "nextRun" | "pause">;
  /**
   * How the work is shared: `runs`, positions of `options.partition` in chunks of {@link RUN_CHUNK} from the
   * shared counter; `shards`, the shards `0 … units − 1` of `options.partition` cut `units` ways, one at a time
   * from the shared counter; `whole`, all of it on this thread (one thread gets it).
   */
  readonly share:
    | { readonly kind: "runs" }
    | { readonly kind: "shards"; readonly units: number }
    | { readonly kind: "whole" };
  /** Int32Array({@link CONTROL.size}) over a SharedArrayBuffer, shared by every thread of the exploration. */
  readonly control: SharedArrayBuffer;
  /** Wall-clock time (ms since the epoch) after which no thread starts new work (the time budget). */
  readonly deadline: number | null;
  /**
   * Progress: an Int32Array over a SharedArrayBuffer holding, for thread `slot`, its schedules run at `2·slot` and
   * 1 at `2·slot + 1` once it found a violation, written with `Atomics.store` after every schedule.
   */
  readonly progress: { readonly buffer: SharedArrayBuffer; readonly slot: number } | null;
}

/** What one thread did: its results, and for `runs` where each of its chunks began. */
export interface PartResult {
  /** One result per run exploration or shard explored (none when it got no work). */
  readonly results: readonly VariantResult[];
  /**
   * `runs` only, flattened triples per chunk this thread took: the chunk's first position, and this thread's
   * schedules and steps before it. Lets the pool count only the runs up to the first failing one.
   */
  readonly chunks: readonly number[];
}

/** Explore the share `task` gives this thread of `variant`; `pause` as in `ExploreOptions.pause`. */
export async function explorePart(
  scenario: Scenario,
  variant: ScenarioVariant,
  task: PartTask,
  pause?: () => boolean,
): Promise<PartResult> {
  const control = new Int32Array(task.control);
  const cells = task.progress === null ? null : new Int32Array(task.progress.buffer);
  const slot = 2 * (task.progress?.slot ?? 0);
  const totals = { schedules: 0, steps: 0 };
  const results: VariantResult[] = [];
  const chunks: number[] = [];
  const common = (before: { schedules: number; steps: number }): Partial<ExploreOptions> => ({
    stopBefore: () => Atomics.load(control, CONTROL.firstFailure),
    ...(pause === undefined ? {} : { pause }),
    onProgress: ({ schedules, steps, violation }) => {
      totals.schedules = before.schedules + schedules;
      totals.steps = before.steps + steps;
      if (cells !== null) {
        Atomics.store(cells, slot, totals.schedules);
        if (violation) Atomics.store(cells, slot + 1, 1);
      }
    },
  });
  const budget = () =>
    task.deadline === null ? {} : { timeBudgetMs: Math.max(0, task.deadline - Date.now()) };
  const explore = async (options: ExploreOptions) => {
    const result = await exploreVariantAsync(scenario, variant, options);
    if (result.verdict === "violation") publishViolation(control, result.runIndex ?? 0);
    results.push(result);
  };
  if (task.share.kind === "shards") {
    const outer: Partition = task.options.partition ?? { index: 0, count: 1 };
    const units = task.share.units;
    for (;;) {
      // every thread that takes part explores at least one shard (within what is left of the time budget)
      if (results.length > 0 && task.deadline !== null && Date.now() >= task.deadline) break;
      if (Atomics.load(control, CONTROL.firstFailure) !== NO_FAILURE) break;
      const unit = Atomics.add(control, CONTROL.next, 1);
      if (unit >= units) break;
      const partition = { index: outer.index + outer.count * unit, count: outer.count * units };
      await explore({ ...task.options, ...common({ ...totals }), ...budget(), partition } as ExploreOptions);
    }
    return { results, chunks };
  }
  let position = 0;
  let end = 0;
  const nextRun = () => {
    if (position >= end) {
      position = Atomics.add(control, CONTROL.next, RUN_CHUNK);
      end = position + RUN_CHUNK;
      chunks.push(position, totals.schedules, totals.steps);
    }
    return position++;
  };
  await explore({
    ...task.options,
    ...common({ schedules: 0, steps: 0 }),
    ...budget(),
    ...(task.share.kind === "runs" ? { nextRun } : {}),
  } as ExploreOptions);
  return { results, chunks };
}

/** `ExploreOptions.stopBefore`'s value while no thread has found a violation (`NO_VIOLATION` of explore.ts). */
const NO_FAILURE = 0x7fff_ffff;

/** Lower the shared "first failing run" to `index` if it is lower (lock-free). */
export function publishViolation(control: Int32Array, index: number): void {
  for (;;) {
    const seen = Atomics.load(control, CONTROL.firstFailure);
    if (seen <= index) return;
    if (Atomics.compareExchange(control, CONTROL.firstFailure, seen, index) === seen) return;
  }
}

/**
 * A worker thread's entry: explore each posted {@link PartTask} on `scenarios` (the registry, loaded once),
 * posting `{ part }` or `{ error }` back.
 */
export function serve(scenarios: readonly Scenario[]): void {
  const port = parentPort;
  if (port === null) throw new Error("parallel-worker must run in a worker thread");
  port.on("message", (task: PartTask) => {
    const run = async () => {
      const { scenario, variant } = findVariant(scenarios, task.scenario, task.variant);
      return explorePart(scenario, variant, task);
    };
    run().then(
      (part) => port.postMessage({ part }),
      (error: unknown) =>
        port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  port.postMessage({ ready: true });
}
