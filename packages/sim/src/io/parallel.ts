/**
 * Parallel exploration on worker threads (`explore --workers K`). Each worker loads the scenario registry
 * itself and explores one part of a variant (see `ExploreOptions.partition`): for seeded strategies the runs
 * `i ≡ w (mod K)`, for exhaustive the shard `w` of the search tree. The workers share one integer (the lowest
 * run index at which a violation was found), so for a seeded strategy the result is the one a single thread
 * gets — the first failing run in run order — and a worker stops as soon as an earlier failure is known.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { findVariant, type Scenario } from "../model/scenario.js";
import { type ExploreOptions, exploreVariantAsync, NO_VIOLATION, type Partition } from "../search/explore.js";
import { type Coverage, strengthOf, type VariantResult } from "../search/verdict.js";

/** One job for a worker: a part of a variant, and the shared "first failing run" cell of that variant. */
export interface WorkerTask {
  readonly registry: string;
  readonly scenario: string;
  readonly variant: string;
  readonly options: Omit<ExploreOptions, "stopBefore">;
  /** Int32Array(1) over a SharedArrayBuffer: the lowest failing run index found so far (else 2³¹−1). */
  readonly control: SharedArrayBuffer;
  /**
   * Progress of every part, for {@link WorkerPool.explore}'s `onProgress`: an Int32Array over a
   * SharedArrayBuffer holding, for part `w`, its schedules run at `2w` and 1 at `2w + 1` once it found a
   * violation. This task writes only its own slot `slot`, with `Atomics.store`, after every schedule.
   */
  readonly progress?: { readonly buffer: SharedArrayBuffer; readonly slot: number };
}

/** What {@link WorkerPool.explore} reports while it waits: totals over all workers. */
export interface PoolProgress {
  /** Schedules run so far by all workers (the final report equals the result's `schedules`). */
  readonly schedules: number;
  /** Whether some worker has found a violation. */
  readonly violation: boolean;
}

/** How often (ms) {@link WorkerPool.explore} reads the workers' progress counters. */
export const PROGRESS_POLL_MS = 100;

/** Lower the shared "first failing run" to `index` if it is lower (lock-free). */
export function publishViolation(control: Int32Array, index: number): void {
  for (;;) {
    const seen = Atomics.load(control, 0);
    if (seen <= index) return;
    if (Atomics.compareExchange(control, 0, seen, index) === seen) return;
  }
}

/**
 * A pool of `size` exploration worker threads. Each loads the scenario registry once (on its first task)
 * and then serves tasks one at a time. Close it with {@link WorkerPool.close}.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`workers must be a positive integer, got ${size}`);
    const source = import.meta.url.endsWith(".ts");
    const entry = new URL(source ? "./parallel-worker.ts" : "./parallel-worker.js", import.meta.url);
    const execArgv = [...process.execArgv];
    if (source && !execArgv.includes("--conditions=source")) execArgv.push("--conditions=source");
    // From TypeScript sources (tsx, vitest) the worker loads its entry through tsx's API: a `--import` loader
    // is not yet active when a worker's entry module is loaded on Node 20.
    const script = source
      ? `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => m.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`
      : null;
    for (let i = 0; i < size; i++) {
      const worker =
        script === null ? new Worker(entry, { execArgv }) : new Worker(script, { eval: true, execArgv });
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /**
   * Explore `scenario`/`variant` on all workers, each loading `registry`. `options.partition` (a shard of a
   * CI matrix) is split further among the workers, so `--shard i/n --workers K` explores exactly shard i/n.
   * Combines the parts: the violation with the lowest run index (seeded) or the first reported (exhaustive),
   * schedules and steps summed, elapsed wall-clock time.
   *
   * `onProgress`, if given, is called every {@link PROGRESS_POLL_MS} ms while the workers run (from a timer
   * that does not keep the process alive), and once more with the final totals before this resolves. The
   * workers count their schedules in shared memory (no message per schedule); the results do not depend on it.
   */
  async explore(
    registry: string,
    scenario: string,
    variant: string,
    options: Omit<ExploreOptions, "stopBefore" | "onProgress">,
    onProgress?: (progress: PoolProgress) => void,
  ): Promise<VariantResult> {
    const started = performance.now();
    const control = new SharedArrayBuffer(4);
    new Int32Array(control)[0] = NO_VIOLATION;
    const outer: Partition = options.partition ?? { index: 0, count: 1 };
    const parts = Array.from({ length: this.size }, (_, w) => ({
      index: outer.index + outer.count * w,
      count: outer.count * this.size,
    }));
    // functions cannot be posted to a worker
    const { stopBefore: _stop, onProgress: _progress, ...plain } = options as ExploreOptions;
    const buffer = onProgress === undefined ? null : new SharedArrayBuffer(8 * this.size);
    const poll = buffer === null ? null : () => onProgress!(readProgress(new Int32Array(buffer), this.size));
    const timer = poll === null ? null : setInterval(poll, PROGRESS_POLL_MS);
    timer?.unref();
    try {
      const results = await Promise.all(
        parts.map((partition, slot) =>
          this.run({
            registry,
            scenario,
            variant,
            options: { ...plain, partition },
            control,
            ...(buffer === null ? {} : { progress: { buffer, slot } }),
          }),
        ),
      );
      if (timer !== null) clearInterval(timer);
      poll?.();
      return combine(results, started);
    } finally {
      if (timer !== null) clearInterval(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private async run(task: WorkerTask): Promise<VariantResult> {
    const worker = await this.acquire();
    try {
      return await new Promise<VariantResult>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once("error", onError);
        worker.once("message", (message: { result?: VariantResult; error?: string }) => {
          worker.off("error", onError);
          if (message.error !== undefined) reject(new Error(message.error));
          else resolve(message.result!);
        });
        worker.ref();
        worker.postMessage(task);
      });
    } finally {
      worker.unref();
      this.release(worker);
    }
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w !== undefined) return Promise.resolve(w);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(worker);
    else this.idle.push(worker);
  }
}

/** Totals over the `parts` slots of a progress array (see `WorkerTask.progress`). */
function readProgress(cells: Int32Array, parts: number): PoolProgress {
  let schedules = 0;
  let violation = false;
  for (let w = 0; w < parts; w++) {
    schedules += Atomics.load(cells, 2 * w);
    violation ||= Atomics.load(cells, 2 * w + 1) !== 0;
  }
  return { schedules, violation };
}

/** Merge the workers' results of one variant (see {@link WorkerPool.explore}). */
export function combine(results: readonly VariantResult[], started: number): VariantResult {
  const first = results[0]!;
  const failing = results
    .filter((r) => r.verdict === "violation")
    .sort((a, b) => (a.runIndex ?? 0) - (b.runIndex ?? 0));
  const chosen = failing[0] ?? first;
  const stopped = results.map((r) => r.coverage?.stoppedBy).find((s) => s !== null && s !== undefined);
  // The deepest deviation level every part completed, and the schedules of all parts up to it.
  const deepests = results.map((r) => r.coverage?.deepest ?? null);
  const deepest = deepests.some((d) => d === null) ? null : Math.min(...(deepests as number[]));
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
          complete: results.every((r) => r.coverage?.complete === true),
          stoppedBy: failing.length > 0 ? ("violation" as const) : (stopped ?? null),
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

const registries = new Map<string, Promise<readonly Scenario[]>>();

/** The worker side: explore the task's part, publishing a violation's run index to the other workers. */
export async function serveTask(task: WorkerTask): Promise<VariantResult> {
  const { loadScenarios } = await import("./registry.js");
  let scenarios = registries.get(task.registry);
  if (scenarios === undefined) {
    scenarios = loadScenarios(task.registry);
    registries.set(task.registry, scenarios);
  }
  const { scenario, variant } = findVariant(await scenarios, task.scenario, task.variant);
  const control = new Int32Array(task.control);
  const cells = task.progress === undefined ? null : new Int32Array(task.progress.buffer);
  const slot = 2 * (task.progress?.slot ?? 0);
  const result = await exploreVariantAsync(scenario, variant, {
    ...task.options,
    stopBefore: () => Atomics.load(control, 0),
    ...(cells === null
      ? {}
      : {
          onProgress: ({ schedules, violation }) => {
            Atomics.store(cells, slot, schedules);
            if (violation) Atomics.store(cells, slot + 1, 1);
          },
        }),
  });
  if (result.verdict === "violation") publishViolation(control, result.runIndex ?? 0);
  return result;
}

/** Cores available to `--workers` (for messages). */
export function cores(): number {
  return availableParallelism();
}
