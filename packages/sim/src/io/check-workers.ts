/**
 * `interleave check --workers K`: one model checked breadth-first on K worker threads over one shared visited
 * set (the algorithm, pure, is statespace/partition.ts). The coordinator (this file) allocates the set in a
 * `SharedArrayBuffer` sized for `maxStates`, starts K threads, connects every pair with a `MessageChannel`, and
 * steps the levels: seed, then expand until a level adds nothing, a violation is stored, or a bound is hit;
 * between levels it evens out the threads' shares of the next level (states are structured-cloned from one
 * thread to another only then). A counterexample is rebuilt by asking the threads that stored its states for
 * their parent links and re-executing the inputs on the coordinator's own copy of the model.
 *
 * How the threads load the model: each imports one module holding check-worker.ts and the registry, compiled once
 * in this thread by esbuild and cached (worker-bundle.ts, as `explore --workers` does; no thread compiles
 * TypeScript), and builds the model by name; states, not code, cross threads.
 */
import { MessageChannel, type MessagePort, type Worker } from "node:worker_threads";
import { assert } from "@interleave/core";
import type { CheckedModel } from "../model/checked-model.js";
import { describeInput } from "../statespace/checker.js";
import {
  type CheckBounded,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
  checkStats,
  MAX_STATES_DEFAULT,
} from "../statespace/model.js";
import { type LevelReport, rebalance, replayPositions } from "../statespace/partition.js";
import { SharedFingerprintSet, sharedSetSlots } from "../statespace/shared-fingerprint-set.js";
import { startBundledWorker, workerEntry } from "./worker-bundle.js";

/** Messages to a checker thread. */
export type CheckerRequest =
  | {
      readonly type: "init";
      readonly registry: string;
      readonly model: string;
      readonly index: number;
      readonly count: number;
      readonly reduction: boolean;
      readonly table: SharedArrayBuffer;
      readonly ports: (MessagePort | null)[];
    }
  | { readonly type: "seed" }
  | { readonly type: "expand"; readonly probe: boolean }
  | { readonly type: "balance"; readonly sends: [number, number][]; readonly expect: number }
  | { readonly type: "table"; readonly table: SharedArrayBuffer }
  | { readonly type: "link"; readonly localId: number }
  | { readonly type: "close" };

/** Messages from a checker thread. */
export type CheckerReply =
  | { readonly type: "ready" }
  | { readonly type: "level"; readonly report: LevelReport; readonly states: number; readonly bytes: number }
  | { readonly type: "balanced"; readonly share: number }
  | { readonly type: "link"; readonly parent: number; readonly position: number }
  | { readonly type: "error"; readonly message: string };

/** A check on workers: the result (timing figures from after start-up) and the threads' start-up in ms. */
export interface WorkersCheck {
  readonly result: CheckResult<unknown>;
  readonly startupMs: number;
}

class Thread {
  private readonly pending: ((reply: CheckerReply) => void)[] = [];
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on("message", (reply: CheckerReply) => this.pending.shift()?.(reply));
    worker.on("error", (error) => {
      this.failure = error;
      for (const resolve of this.pending.splice(0)) resolve({ type: "error", message: error.message });
    });
  }

  request(message: CheckerRequest, transfer: MessagePort[] = []): Promise<CheckerReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push((reply) =>
        reply.type === "error" ? reject(new Error(`check worker: ${reply.message}`)) : resolve(reply),
      );
      this.worker.postMessage(message, transfer);
    });
  }
}

/** The worker module beside this one: `.ts` from sources (tsx, vitest), `.js` when built. */
function workerModule(): string {
  return import.meta.url.endsWith(".ts") ? "./check-worker.ts" : "./check-worker.js";
}

/**
 * Checks `model` (registered in the module `registry`) on `workers` threads. Same states, transitions, depth
 * and verdicts as `checkStateSpace` for a complete search; a violation is one at the least depth (which of
 * several at that depth may differ). Bounds are checked between levels, so `maxStates` may be passed by up
 * to one level's states. Timing figures count from when every thread has loaded the model.
 *
 * @throws `AssertionError` for `workers` < 1 or bad options; `Error` when a thread fails (with its stack).
 */
export async function checkWithWorkers(
  registry: string,
  model: CheckedModel,
  options: CheckOptions,
  workers: number,
): Promise<WorkersCheck> {
  assert(
    Number.isSafeInteger(workers) && workers >= 1,
    () => `workers must be a positive integer, got ${workers}`,
  );
  const maxStates = options.maxStates ?? MAX_STATES_DEFAULT;
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const deadlineMs = options.timeBudgetMs ?? Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  let visited = SharedFingerprintSet.create(sharedSetSlots(1 << 16));
  // the registry and the worker module compiled once, for every thread (worker-bundle.ts)
  const entry = await workerEntry(new URL(workerModule(), import.meta.url), registry);
  const threads = Array.from(
    { length: workers },
    () => new Thread(startBundledWorker(entry, import.meta.url)),
  );
  try {
    const ports: (MessagePort | null)[][] = threads.map(() => threads.map(() => null));
    for (let i = 0; i < workers; i++) {
      for (let j = i + 1; j < workers; j++) {
        const { port1, port2 } = new MessageChannel();
        ports[i]![j] = port1;
        ports[j]![i] = port2;
      }
    }
    await Promise.all(
      threads.map((t, index) =>
        t.request(
          {
            type: "init",
            registry,
            model: model.name,
            index,
            count: workers,
            reduction: options.reduction !== false,
            table: visited.buffer,
            ports: ports[index]!,
          },
          ports[index]!.filter((p): p is MessagePort => p !== null),
        ),
      ),
    );
    const started = performance.now();
    let states = 0;
    let transitions = 0;
    let depth = 0;
    let frontierMax = 0;
    let frontier = 0;
    let bytes = 0;
    // the threads hold their levels as objects, never packed: frontierBytesMax 0
    const stats = (): CheckStats =>
      checkStats(started, { states, transitions, depth, bytes, frontierMax, frontierBytesMax: 0 });
    const bounded = (reason: CheckBounded["reason"], message: string): CheckResult<unknown> => ({
      _tag: "Bounded",
      reason,
      message,
      ...stats(),
    });
    /** Runs one level on every thread; the violation with the least global id, if any. */
    const level = async (request: CheckerRequest) => {
      const replies = await Promise.all(threads.map((t) => t.request(request)));
      let added = 0;
      let next = 0;
      let violation: LevelReport["violation"] = null;
      const shares: number[] = [];
      let inputs = 0;
      bytes = visited.bytes;
      for (const r of replies) {
        if (r.type !== "level") continue;
        shares.push(r.report.frontier);
        inputs += r.report.frontierInputs;
        added += r.report.added;
        next += r.report.frontier;
        transitions += r.report.transitions;
        bytes += r.bytes;
        const v = r.report.violation;
        if (v !== null && (violation === null || v.id < violation.id)) violation = v;
      }
      return { added, next, violation, shares, inputs };
    };
    /** Before a level: a larger shared set when the level could fill this one past 3/4 (`bound` new states). */
    const room = async (bound: number) => {
      if (states + bound <= visited.slotCount * 0.75) return;
      visited = visited.grown(sharedSetSlots(states + bound));
      await Promise.all(threads.map((t) => t.request({ type: "table", table: visited.buffer })));
    };
    let bound = 0;
    /** Evens out the threads' shares of the next level (within 1/32 of the mean, or 64 states). */
    const balance = async (shares: readonly number[]) => {
      const slack = Math.max(64, Math.floor(shares.reduce((a, b) => a + b, 0) / workers / 32));
      const moves = rebalance(shares, slack);
      if (moves.length === 0) return;
      await Promise.all(
        threads.map((t, i) =>
          t.request({
            type: "balance",
            sends: moves.filter(([from]) => from === i).map(([, to, count]) => [to, count]),
            expect: moves.filter(([, to]) => to === i).length,
          }),
        ),
      );
    };
    const violated = async (id: number, invariant: string): Promise<CheckResult<unknown>> => {
      const positions: number[] = [];
      let at = id;
      for (;;) {
        const link = await threads[at % workers]!.request({
          type: "link",
          localId: Math.floor(at / workers),
        });
        assert(link.type === "link", "a check worker answered a link request with something else");
        if (link.parent === -1) {
          positions.push(link.position);
          break;
        }
        positions.push(link.position);
        at = link.parent;
      }
      const built = model.build();
      const initial = (Array.isArray(built.initial) ? built.initial : [built.initial])[positions.pop()!];
      const path = replayPositions(built, initial, positions.reverse(), invariant, (i) =>
        describeInput(built, i),
      );
      return { _tag: "Violation", invariant, initial, path, ...stats() };
    };

    const seeded = await level({ type: "seed" });
    states = seeded.added;
    frontier = seeded.next;
    frontierMax = frontier;
    if (seeded.violation !== null)
      return done(await violated(seeded.violation.id, seeded.violation.invariant));
    await balance(seeded.shares);
    bound = seeded.inputs;
    while (frontier > 0) {
      if (depth === maxDepth) {
        const probe = await level({ type: "expand", probe: true });
        return done(
          probe.added > 0
            ? bounded(
                "maxDepth",
                `stopped at depth ${maxDepth} (maxDepth) with states left unexplored below it; raise --max-depth or shrink the model`,
              )
            : { _tag: "Verified", ...stats() },
        );
      }
      await room(bound);
      const r = await level({ type: "expand", probe: false });
      bound = r.inputs;
      states += r.added;
      frontierMax = Math.max(frontierMax, frontier + r.next);
      frontier = r.next;
      if (r.added > 0) depth++;
      if (r.violation !== null) return done(await violated(r.violation.id, r.violation.invariant));
      if (states >= maxStates && frontier > 0) {
        return done(
          bounded(
            "maxStates",
            `stopped after storing ${states.toLocaleString("en")} states (maxStates ${maxStates.toLocaleString("en")}, checked per level); raise --max-states or shrink the model`,
          ),
        );
      }
      if (performance.now() - started > deadlineMs) {
        return done(
          bounded(
            "time",
            `stopped after ${deadlineMs.toLocaleString("en")} ms (timeBudgetMs) with ${states.toLocaleString("en")} states stored; raise --time-budget-ms or shrink the model`,
          ),
        );
      }
      if (frontier > 0) await balance(r.shares);
    }
    return done({ _tag: "Verified", ...stats() });
    function done(result: CheckResult<unknown>): WorkersCheck {
      return { result, startupMs: Math.round(started - t0) };
    }
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
