/**
 * Parallel exploration on threads (`explore --workers K`, `soak --workers K`): the main thread and K − 1 worker
 * threads share one variant's exploration (parallel-worker.ts runs a thread's share). The workers import the
 * search and the scenario registry from one bundle compiled once in the main thread (worker-bundle.ts), and the
 * main thread starts exploring at once, while the bundle is built and the workers load it: a short exploration
 * may be over before they are ready, and then they are not used.
 *
 * Work is handed out, not split in advance (work stealing): a seeded strategy's runs in chunks of `RUN_CHUNK`
 * positions from one atomic counter; an exhaustive search's tree cut into {@link SHARDS_PER_THREAD} shards per
 * thread, taken one at a time; a strategy whose runs depend on earlier runs (`PARALLELISM` `sequential` in the
 * strategy registry) on the main thread alone. The threads share the lowest failing run index found so far, and
 * a thread stops before any later run, so every run before the first failing one is run: for a seeded strategy
 * the result is the single thread's — the same first failing run, and `schedules` and `steps` counting the runs
 * up to it (runs past it that other threads ran meanwhile are not counted).
 */
import type { Worker } from "node:worker_threads";
import { findVariant, type Scenario, type ScenarioVariant } from "../model/scenario.js";
import { type ExploreOptions, NO_VIOLATION, type Partition } from "../search/explore.js";
import { type Coverage, strengthOf, type VariantResult } from "../search/verdict.js";
import {
  EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT,
  exhaustiveBounds,
  PARALLELISM,
  specOf,
} from "../strategy/registry.js";
import { CONTROL, explorePart, type PartResult, type PartTask } from "./parallel-worker.js";
import { loadScenarios } from "./registry.js";
import { startBundledWorker, type WorkerEntry, workerEntry } from "./worker-bundle.js";

/** What {@link WorkerPool.explore} reports while it waits: totals over all threads. */
export interface PoolProgress {
  /** Schedules run so far by all threads (the final report equals the result's `schedules`). */
  readonly schedules: number;
  /** Whether some thread has found a violation. */
  readonly violation: boolean;
}

/** How often (ms) {@link WorkerPool.explore} reads the threads' progress counters. */
export const PROGRESS_POLL_MS = 100;

/** Shards of an exhaustive search per thread (a bounded search; a self-deepening one gets one per thread). */
export const SHARDS_PER_THREAD = 4;

/** How long (ms) the main thread explores alone before it starts the worker threads (once per pool). */
export const START_AFTER_MS = 100;

/** How often (ms) the main thread, while it explores, lets its event loop run (timers, messages, the build). */
const MAIN_PAUSE_MS = 50;

/** The worker threads once started, and how they were loaded. */
interface Started {
  readonly workers: readonly Worker[];
  readonly entry: WorkerEntry;
}

/**
 * `size` threads for explorations: this one and `size − 1` worker threads, started by the first
 * {@link WorkerPool.explore} (with its registry; every later call must give the same one). Close it with
 * {@link WorkerPool.close}.
 */
export class WorkerPool {
  private started: Promise<Started> | null = null;
  /** Whether starting the workers has ended, ready or failed. */
  private settled = false;
  /** Whether an exploration is running (the threads serve one at a time). */
  private busy = false;
  private registry: string | null = null;
  private scenarios: Promise<readonly Scenario[]> | null = null;
  /** How the workers were loaded, once they are (for benchmarks and tests). */
  entry: WorkerEntry | null = null;
  /** Wall-clock ms from the first explore (or {@link WorkerPool.ready}) to every worker thread ready. */
  readyMs: number | null = null;
  /** Threads that took part in the last exploration (1 when it was over before the workers were ready). */
  lastThreads = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`workers must be a positive integer, got ${size}`);
  }

  /**
   * Explore `scenario`/`variant` (objects, or names looked up in `registry`) on all threads, the workers
   * loading `registry`; one exploration at a time (a second call while one runs throws). `options.partition` (a shard of a CI matrix) is shared further among the threads, so
   * `--shard i/n --workers K` explores exactly shard i/n. Combines the threads' results: the violation with the
   * lowest run index (seeded; exhaustive: the first reported), schedules and steps summed (seeded, with a
   * violation: over the runs up to it), elapsed wall-clock time.
   *
   * `onProgress`, if given, is called every {@link PROGRESS_POLL_MS} ms while the threads run, and once more with
   * the result's totals before this resolves. The threads count their schedules in shared memory (no message
   * per schedule); the results do not depend on it.
   */
  async explore(
    registry: string,
    scenario: string | Scenario,
    variant: string | ScenarioVariant,
    options: Omit<ExploreOptions, "stopBefore" | "onProgress" | "nextRun" | "pause">,
    onProgress?: (progress: PoolProgress) => void,
  ): Promise<VariantResult> {
    if (this.busy) throw new Error("WorkerPool.explore: one exploration at a time (await the one running)");
    this.busy = true;
    try {
      return await this.exploreNow(registry, scenario, variant, options, onProgress);
    } finally {
      this.busy = false;
    }
  }

  private async exploreNow(
    registry: string,
    scenario: string | Scenario,
    variant: string | ScenarioVariant,
    options: Omit<ExploreOptions, "stopBefore" | "onProgress" | "nextRun" | "pause">,
    onProgress?: (progress: PoolProgress) => void,
  ): Promise<VariantResult> {
    const started = performance.now();
    this.use(registry);
    const target = await this.target(registry, scenario, variant);
    const spec = specOf(target.scenario, options);
    const parallelism = PARALLELISM[spec.strategy];
    const bounds = spec.strategy === "exhaustive" ? exhaustiveBounds(target.scenario, spec) : null;
    const timeBudgetMs =
      options.timeBudgetMs ?? (bounds?.deepen === true ? EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT : undefined);
    const control = new SharedArrayBuffer(4 * CONTROL.size);
    new Int32Array(control)[CONTROL.firstFailure] = NO_VIOLATION;
    const buffer = onProgress === undefined ? null : new SharedArrayBuffer(8 * this.size);
    const share: PartTask["share"] =
      parallelism === "sequential" || this.size === 1
        ? { kind: "whole" }
        : parallelism === "runs"
          ? { kind: "runs" }
          : { kind: "shards", units: this.size * (bounds?.deepen === true ? 1 : SHARDS_PER_THREAD) };
    const task = (slot: number): PartTask => ({
      scenario: target.scenario.name,
      variant: target.variant.name,
      options: plain(options),
      share,
      control,
      deadline: timeBudgetMs === undefined ? null : Date.now() + timeBudgetMs,
      progress: buffer === null ? null : { buffer, slot },
    });
    const poll = buffer === null ? null : () => onProgress!(readProgress(new Int32Array(buffer), this.size));
    const timer = poll === null ? null : setInterval(poll, PROGRESS_POLL_MS);
    timer?.unref();
    try {
      // The workers join when they are ready, unless this thread has finished the work by then. Workers not
      // started yet are started once this thread has explored for START_AFTER_MS: a shorter exploration is
      // over before they could help, and never starts them.
      let localDone = false;
      let remote: Promise<PartResult[]> | null = null;
      const join = () => {
        remote = this.start(registry).then((s) =>
          localDone ? [] : Promise.all(s.workers.map((w, i) => post(w, task(i + 1)))),
        );
        remote.catch(() => {}); // reported below, or by close()
      };
      const begun = performance.now();
      if (share.kind !== "whole" && this.started !== null) join();
      // While the workers start, this thread's event loop runs esbuild's plugin callbacks and the workers'
      // "ready": it pauses every millisecond then, every MAIN_PAUSE_MS otherwise.
      let pauseAt = begun;
      const pause = () => {
        const now = performance.now();
        if (remote === null && share.kind !== "whole" && now - begun >= START_AFTER_MS) join();
        if (now < pauseAt) return false;
        pauseAt = now + (this.started !== null && !this.settled ? 1 : MAIN_PAUSE_MS);
        return true;
      };
      const local = await explorePart(target.scenario, target.variant, task(0), pause);
      localDone = true;
      // Workers still starting were posted nothing and have nothing to report.
      const joined: PartResult[] = remote !== null && this.settled ? await remote : [];
      if (timer !== null) clearInterval(timer);
      this.lastThreads = 1 + joined.length;
      const result = combineParts([local, ...joined], share, options.partition, started);
      onProgress?.({ schedules: result.schedules, violation: result.verdict === "violation" });
      return result;
    } finally {
      if (timer !== null) clearInterval(timer);
    }
  }

  /**
   * Start the worker threads for `registry` now (else the first {@link WorkerPool.explore} starts them) and wait
   * until they are ready; resolves to how they loaded it. Throws what a worker threw while loading.
   */
  async ready(registry: string): Promise<WorkerEntry | null> {
    this.use(registry);
    if (this.size === 1) return null;
    return (await this.start(registry)).entry;
  }

  private use(registry: string): void {
    if (this.registry !== null && this.registry !== registry)
      throw new Error(`this pool's workers load ${this.registry}, not ${registry}`);
    this.registry = registry;
  }

  /** Terminate the worker threads; throws what a worker threw while loading, if one did. */
  async close(): Promise<void> {
    const started = await this.started;
    await Promise.all((started?.workers ?? []).map((w) => w.terminate()));
  }

  private async target(
    registry: string,
    scenario: string | Scenario,
    variant: string | ScenarioVariant,
  ): Promise<{ scenario: Scenario; variant: ScenarioVariant }> {
    if (typeof scenario !== "string" && typeof variant !== "string") return { scenario, variant };
    this.scenarios ??= loadScenarios(registry);
    const name = typeof scenario === "string" ? scenario : scenario.name;
    const variantName = typeof variant === "string" ? variant : variant.name;
    return findVariant(await this.scenarios, name, variantName);
  }

  /** Start the worker threads (once): build or reuse the bundle, then wait for each worker's "ready". */
  private start(registry: string): Promise<Started> {
    this.started ??= (async () => {
      try {
        return await this.spawnAll(registry);
      } finally {
        this.settled = true;
      }
    })();
    return this.started;
  }

  private async spawnAll(registry: string): Promise<Started> {
    const t0 = performance.now();
    const entry = await workerEntry(new URL(workerModule(), import.meta.url), registry);
    const workers = await Promise.all(
      Array.from({ length: this.size - 1 }, () => spawn(entry, import.meta.url)),
    );
    this.entry = entry;
    this.readyMs = Math.round(performance.now() - t0);
    return { workers, entry };
  }
}

/** The worker module beside this one: `.ts` from sources (tsx, vitest), `.js` when built. */
function workerModule(): string {
  return import.meta.url.endsWith(".ts") ? "./parallel-worker.ts" : "./parallel-worker.js";
}

/** Options without functions (they cannot be posted to a worker). */
function plain(options: Omit<ExploreOptions, "stopBefore" | "onProgress" | "nextRun" | "pause">) {
  const { stopBefore: _s, onProgress: _p, nextRun: _n, pause: _q, ...rest } = options as ExploreOptions;
  return rest;
}

/** A worker thread that imports `entry` and serves parts; resolves once it is ready. */
function spawn(entry: WorkerEntry, parent: string): Promise<Worker> {
  const worker = startBundledWorker(entry, parent);
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", () => {
      worker.off("error", reject);
      worker.unref();
      resolve(worker);
    });
  });
}

/** Post `task` to `worker` and wait for its part. */
function post(worker: Worker, task: PartTask): Promise<PartResult> {
  return new Promise<PartResult>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once("error", onError);
    worker.once("message", (message: { part?: PartResult; error?: string }) => {
      worker.off("error", onError);
      worker.unref();
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.part!);
    });
    worker.ref();
    worker.postMessage(task);
  });
}

/** Totals over the `threads` slots of a progress array (see `PartTask.progress`). */
function readProgress(cells: Int32Array, threads: number): PoolProgress {
  let schedules = 0;
  let violation = false;
  for (let w = 0; w < threads; w++) {
    schedules += Atomics.load(cells, 2 * w);
    violation ||= Atomics.load(cells, 2 * w + 1) !== 0;
  }
  return { schedules, violation };
}

/**
 * The result of one exploration from its threads' parts. Seeded with a violation at run F: each thread's
 * schedules and steps up to its first chunk past F's position (every chunk before it holds runs before F, all
 * run; the chunk holding F belongs to the thread that found F, which stopped at F).
 */
export function combineParts(
  parts: readonly PartResult[],
  share: PartTask["share"],
  partition: Partition | undefined,
  started: number,
): VariantResult {
  const results = parts.flatMap((p) => p.results);
  const merged = combine(results, started, share.kind === "shards" ? share.units : results.length);
  if (share.kind !== "runs" || merged.verdict !== "violation") return merged;
  const outer = partition ?? { index: 0, count: 1 };
  const failing = (merged.runIndex! - outer.index) / outer.count;
  let schedules = 0;
  let steps = 0;
  for (const part of parts) {
    const result = part.results[0];
    if (result === undefined) continue;
    let upTo = { schedules: result.schedules, steps: result.steps };
    for (let c = 0; c < part.chunks.length; c += 3) {
      if (part.chunks[c]! > failing) {
        upTo = { schedules: part.chunks[c + 1]!, steps: part.chunks[c + 2]! };
        break;
      }
    }
    schedules += upTo.schedules;
    steps += upTo.steps;
  }
  return { ...merged, schedules, steps };
}

/**
 * Merge the results of one variant's parts (see {@link WorkerPool.explore}); `expected` parts in all (shards
 * never started, because the time ran out or a violation was found, leave the search incomplete).
 */
export function combine(results: readonly VariantResult[], started: number, expected: number): VariantResult {
  const first = results[0]!;
  const failing = results
    .filter((r) => r.verdict === "violation")
    .sort((a, b) => (a.runIndex ?? 0) - (b.runIndex ?? 0));
  const chosen = failing[0] ?? first;
  const missing = results.length < expected;
  const stopped = results.map((r) => r.coverage?.stoppedBy).find((s) => s !== null && s !== undefined);
  // The deepest deviation level every part completed, and the schedules of all parts up to it.
  const deepests = results.map((r) => r.coverage?.deepest ?? null);
  const deepest = missing || deepests.some((d) => d === null) ? null : Math.min(...(deepests as number[]));
  const levelSchedules =
    deepest === null
      ? []
      : Array.from({ length: deepest + 1 }, (_, k) =>
          results.reduce((n, r) => n + (r.coverage?.levelSchedules[k] ?? 0), 0),
        );
  const coverage: Coverage | null =
    first.coverage === null
      ? null
      : {
          ...first.coverage,
          complete: !missing && results.every((r) => r.coverage?.complete === true),
          stoppedBy: failing.length > 0 ? ("violation" as const) : (stopped ?? (missing ? "time" : null)),
          pruned: results.reduce((n, r) => n + (r.coverage?.pruned ?? 0), 0),
          cutBy: [...new Set(results.flatMap((r) => r.coverage?.cutBy ?? []))],
          deepest,
          levelSchedules,
        };
  const combined = {
    ...chosen,
    schedules: results.reduce((n, r) => n + r.schedules, 0),
    steps: results.reduce((n, r) => n + r.steps, 0),
    elapsedMs: Math.round(performance.now() - started),
    coverage,
  };
  return { ...combined, ...strengthOf(combined) };
}
