/**
 * The explicit-state model of the core `TaskDeps` (seed 001, ../../shared/seeds/001_fd4d1e9648c828d1.txt,
 * ORCH-026 Level B; seed 004's defer, ../../shared/seeds/004_1b9ac3a108b9e833.txt) for `interleave check`: W
 * workers enqueue, claim, finish, defer and requeue tasks with a fixed dependency graph over a discrete
 * clock, on the core or on one of the buggy gates of ./task-deps.flows.ts (see ./task-deps.model.ts). Its
 * state is in ./task-deps.state.ts, its promises in ./task-deps.promises.ts.
 */
import { TaskDeps } from "@interleave/core";
import { MachineCache, type StateSpaceModel } from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";
import { claimIgnoringDeps, gateWithoutCycleDetection } from "./task-deps.flows.js";
import {
  TD_AVAILABLE,
  TD_CONCURRENCY,
  TD_CYCLE_BLOCKED,
  TD_CYCLE_CLAIM,
  TD_DEADLOCK,
  TD_DEPS_DONE,
  TD_FINAL,
  TD_HOLDER_STEP,
  TD_NON_HOLDER,
  TD_ONE_WORKER,
  TD_REFUSAL,
  TD_WORK_CONSERVING,
} from "./task-deps.promises.js";
import {
  bit,
  countRunning,
  cycleMasks,
  fingerprintQueue,
  popCount,
  type TaskDepsInput,
  type TaskDepsModelState,
} from "./task-deps.state.js";

/** Size and variant of {@link taskDepsModel}; every duration is integer ms. */
export interface TaskDepsModelOptions {
  /**
   * The task ids (in enqueue-input order) and the dependencies each declares when it is enqueued; every
   * dependency must be one of the ids. Default {@link TASK_GRAPH}.
   */
  readonly tasks?: Readonly<Record<string, readonly string[]>>;
  /** Workers `w1..wW`; a worker may run several tasks. Default 2. */
  readonly workers?: number;
  /** The queue's `concurrencyMax`. Default 2. */
  readonly concurrencyMax?: number;
  /** The queue's `taskCountMax`. Default: one less than the number of tasks (so `Rejected` is reachable). */
  readonly taskCountMax?: number;
  /** One `tick` advances the clock by this much. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here (no `tick` beyond). Default 3,000. */
  readonly horizonMs?: number;
  /**
   * The delays a Defer may ask for: the task is available again at `now + delay`. A Defer whose
   * `availableAtMs` would be beyond `horizonMs` is not enabled, so ticks reach every deadline. Default
   * `[0, 2_000]` (the scenario's requeue-now and a backoff).
   */
  readonly deferDelaysMs?: readonly number[];
  /**
   * The machine behind the queue: `core` (`TaskDeps`), `ignoring-deps` ({@link claimIgnoringDeps}, the
   * pre-ORCH-026 claim) or `no-cycle-detection` ({@link gateWithoutCycleDetection}). Default `core`.
   */
  readonly gate?: "core" | "ignoring-deps" | "no-cycle-detection";
  /** Slots of the model's {@link MachineCache} (a power of two). Default {@link TASK_DEPS_CACHE_SLOTS}. */
  readonly cacheSlots?: number;
  /**
   * Called with the event and the machine's result of every queue step the model takes (cached or not), e.g.
   * to see which results a check reached. Observation only; it does not change the model.
   */
  readonly observe?: (event: TaskDeps.Event, result: TaskDeps.Result) => void;
  /** The model's name in reports. Default `task-deps`, `task-deps-ignoring-deps` or `task-deps-no-cycle-detection`. */
  readonly name?: string;
}

/**
 * The default dependency graph: a chain (`B` waits for `A`), a cycle (`C` and `D` depend on each other), and
 * `B` also waiting on the cycle member `C` (it waits for good once `C` is blocked). With the default
 * `taskCountMax` of 3, at most three of the four are tracked at once and a fourth Enqueue is `Rejected`; every
 * three of them still hold a chain or the cycle, and `B`, `C`, `D` both.
 */
export const TASK_GRAPH: Readonly<Record<string, readonly string[]>> = {
  A: [],
  B: ["A", "C"],
  C: ["D"],
  D: ["C"],
};

/**
 * Default slots of the task-deps model's {@link MachineCache}: 2^10, not the cache's 2^18. The queue and the
 * clock make up nearly all of a model state here (what workers believe follows from the queue), so a queue
 * step is rarely met again from another model state: a large cache hits about as often as a small one, and
 * its dead steps live long enough to reach the old generation, which more than doubles the check's time.
 */
export const TASK_DEPS_CACHE_SLOTS = 1 << 10;

/**
 * The seed-001 job queue: T tasks with fixed declared dependencies × W workers × Enqueue / Claim / Finish
 * (done, failed) / Defer / Requeue on one `TaskDeps`, with a `tick` that advances the clock by `stepMs` up to
 * `horizonMs`. Every event the queue accepts may come in any order at any time: a task may be enqueued before
 * the tasks it depends on (fail-open), enqueued twice (`Duplicate`), or beyond `taskCountMax` (`Rejected`); a
 * worker may finish or defer a task it does not run (a stray or late message). A worker believes it runs the
 * tasks it claimed until its Finish or Defer answers (`Finished`, `Deferred`, or `NotRunning` when a cycle
 * closed through the task while it ran).
 *
 * Invariants (the queue's promises, seed 001 ORCH-026 Level B and the `transition` docstring):
 * - {@link TD_DEPS_DONE}: a Claimed task's dependencies that are enqueued are all done (a dependency on an id
 *   not enqueued holds nothing back: the seed's fail-open `is_task_ready`).
 * - {@link TD_CONCURRENCY}: tasks with status running, and tasks workers believe they run with the queue
 *   agreeing, are at most `concurrencyMax`.
 * - {@link TD_CYCLE_BLOCKED}: every task on a dependency cycle among the enqueued tasks is blocked, and the
 *   Enqueue that closes a cycle answers `Blocked` with a true cycle through the new task (any other Enqueue
 *   answers otherwise).
 * - {@link TD_CYCLE_CLAIM}: a Claimed task is on no cycle among the enqueued tasks. (With fail-open, a task
 *   may be claimed before the Enqueue that closes a cycle through it; it is then blocked, a documented
 *   limitation of the core.)
 * - {@link TD_AVAILABLE}: a Claimed task's `availableAtMs` is not after the claim.
 * - {@link TD_DEADLOCK}: when no task runs and no queued task has all its enqueued dependencies done, every
 *   queued task reaches, through dependencies that are not done, a failed task (a requeue can free it) or a
 *   blocked one (reported; its dependents wait for good, a documented limitation).
 * - {@link TD_ONE_WORKER}: at most one worker believes it runs a task, and a running task's worker is one.
 * - {@link TD_NON_HOLDER}: a Finish or Defer by a worker that does not run the task leaves the queue alone.
 * - {@link TD_WORK_CONSERVING}: `NothingClaimable` `none-ready` only when no queued task is ready, `no-slot`
 *   only when `concurrencyMax` tasks run.
 * - {@link TD_REFUSAL}: a `NothingClaimable`'s `waiting` is exactly the queued tasks with an enqueued
 *   dependency not done, and its `nextAvailableAtMs` the earliest future `availableAtMs` of the other queued
 *   tasks (the seed's waiting line, and when to poll again).
 * - {@link TD_HOLDER_STEP}: the running worker's Finish leaves the task done or failed as it said, its Defer
 *   leaves it queued from the `availableAtMs` it asked.
 * - {@link TD_FINAL}: a done task stays done (a Requeue does not reopen it) unless the Enqueue that closes a
 *   cycle through it blocks it; a blocked task stays blocked.
 * The transition properties are checked through the ghost field `broken`; cycles are found by the model's own
 * reachability over the declared graph, not the core's search.
 *
 * Size: the defaults (4 tasks, 3 tracked, 1 s ticks to 3 s, Defer by +0 s or +2 s) give 82,012 states;
 * {@link TASK_DEPS_SMALL} 895 (tests). Queue transitions go through a {@link MachineCache} over the variant's
 * machine. `gate: "ignoring-deps"` breaks {@link TD_DEPS_DONE} after 3 inputs (Enqueue B, Enqueue A, Claim:
 * B is first in claim order); `gate: "no-cycle-detection"` breaks {@link TD_CYCLE_BLOCKED} after 2 (Enqueue C,
 * Enqueue D), which is also a silent deadlock ({@link TD_DEADLOCK}), and {@link TD_CYCLE_CLAIM} after 5 (C is
 * claimed before D is enqueued and closes the cycle unreported, C is done, then D is claimed).
 *
 * @throws `RangeError` naming a size that is not a positive integer, a dependency that is not a task of the
 *   model, more than 12 tasks, or a negative defer delay; `InvalidConfigError` (from the core) for a bad queue
 *   config.
 */
export function taskDepsModel(
  options: TaskDepsModelOptions = {},
): StateSpaceModel<TaskDepsModelState, TaskDepsInput> {
  const graph = options.tasks ?? TASK_GRAPH;
  const ids = Object.keys(graph);
  const n = ids.length;
  if (n < 1 || n > 12) throw new RangeError(`tasks must number 1 to 12, got ${n}`);
  const index = new Map(ids.map((id, i) => [id, i]));
  const deps = ids.map((id) =>
    graph[id]!.map((dep) => {
      const i = index.get(dep);
      if (i === undefined)
        throw new RangeError(`task ${id} depends on ${dep}, which is not a task of the model`);
      return i;
    }),
  );
  const workers = sizeOption(options.workers, 2, "workers");
  const concurrencyMax = sizeOption(options.concurrencyMax, 2, "concurrencyMax");
  const taskCountMax = sizeOption(options.taskCountMax, Math.max(1, n - 1), "taskCountMax");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 3_000, "horizonMs");
  const delays = options.deferDelaysMs ?? [0, 2_000];
  for (const d of delays)
    if (!Number.isSafeInteger(d) || d < 0)
      throw new RangeError(`defer delays must be integers ≥ 0, got ${d}`);
  const gate = options.gate ?? "core";
  const machine =
    gate === "ignoring-deps"
      ? claimIgnoringDeps
      : gate === "no-cycle-detection"
        ? gateWithoutCycleDetection
        : TaskDeps;
  const observe = options.observe;
  const names = Array.from({ length: workers }, (_, i) => `w${i + 1}`);
  const queues = new MachineCache(
    machine.transition,
    (q: TaskDeps.State, into) => fingerprintQueue(q, ids, index, into),
    { slots: options.cacheSlots ?? TASK_DEPS_CACHE_SLOTS },
  );
  const queue0 = queues.wrap(TaskDeps.initial({ concurrencyMax, taskCountMax }));
  const cycles = cycleMasks(deps);

  const alphabet: TaskDepsInput[] = [{ op: "tick" }];
  for (let task = 0; task < n; task++) alphabet.push({ op: "enqueue", task });
  for (let worker = 0; worker < workers; worker++) alphabet.push({ op: "claim", worker });
  for (let worker = 0; worker < workers; worker++) {
    for (let task = 0; task < n; task++) {
      alphabet.push({ op: "finish", worker, task, outcome: "done" });
      alphabet.push({ op: "finish", worker, task, outcome: "failed" });
      for (let delay = 0; delay < delays.length; delay++) alphabet.push({ op: "defer", worker, task, delay });
    }
  }
  for (let task = 0; task < n; task++) alphabet.push({ op: "requeue", task });
  const positions = new Map(alphabet.map((input, i) => [input, i]));

  /**
   * The queue event of `input` at `atMs`. An input and the tick identify the event completely (a Defer's
   * `availableAtMs` is `atMs` plus its delay), so `tick × alphabet size + position` is the event's cache code;
   * each event is built once, on the first miss of its code.
   */
  const events: (() => TaskDeps.Event)[] = [];
  const eventOf = (input: TaskDepsInput, atMs: number): TaskDeps.Event => {
    switch (input.op) {
      case "enqueue": {
        const task = ids[input.task]!;
        return { _tag: "Enqueue", task, deps: graph[task]!, atMs };
      }
      case "claim":
        return { _tag: "Claim", worker: names[input.worker]!, atMs };
      case "finish":
        return {
          _tag: "Finish",
          task: ids[input.task]!,
          worker: names[input.worker]!,
          outcome: input.outcome,
          atMs,
        };
      case "defer":
        return {
          _tag: "Defer",
          task: ids[input.task]!,
          worker: names[input.worker]!,
          availableAtMs: atMs + delays[input.delay]!,
          atMs,
        };
      case "requeue":
        return { _tag: "Requeue", task: ids[input.task]!, atMs };
      case "tick":
        throw new Error("a tick is not a queue event");
    }
  };
  const step = (s: TaskDepsModelState, input: TaskDepsInput) => {
    const c = ((s.nowMs / stepMs) | 0) * alphabet.length + positions.get(input)!;
    let event = events[c];
    if (event === undefined) {
      const built = eventOf(input, s.nowMs);
      event = () => built;
      events[c] = event;
    }
    const st = queues.step(s.queue, c, event);
    observe?.(event(), st.result);
    return st;
  };

  const taskAt = (q: TaskDeps.State, i: number): TaskDeps.Task | undefined =>
    Object.hasOwn(q.tasks, ids[i]!) ? q.tasks[ids[i]!] : undefined;
  const knownMask = (q: TaskDeps.State) => {
    let mask = 0;
    for (let i = 0; i < n; i++) if (taskAt(q, i) !== undefined) mask |= 1 << i;
    return mask;
  };
  /** Every enqueued dependency of task `i` is done (an unknown one holds nothing back). */
  const depsDone = (q: TaskDeps.State, i: number) => {
    for (const d of deps[i]!) {
      const dep = taskAt(q, d);
      if (dep !== undefined && dep.status !== "done") return false;
    }
    return true;
  };
  /** Queued, available at `atMs`, and every enqueued dependency done: the spec of "ready". */
  const ready = (q: TaskDeps.State, i: number, atMs: number) => {
    const task = taskAt(q, i);
    return task?.status === "queued" && task.availableAtMs <= atMs && depsDone(q, i);
  };
  const withRuns = (s: TaskDepsModelState, w: number, runs: number) => {
    const next = s.runs.slice();
    next[w] = runs;
    return next;
  };

  /** The properties (bits) the claim of task `i` at `atMs` from `before` breaks. */
  const claimBroken = (before: TaskDeps.State, i: number, atMs: number): number => {
    const record = taskAt(before, i);
    if (record?.status !== "queued") return bit(TD_ONE_WORKER);
    let broken = 0;
    if (!depsDone(before, i)) broken |= bit(TD_DEPS_DONE);
    if ((cycles[knownMask(before)]! & (1 << i)) !== 0) broken |= bit(TD_CYCLE_CLAIM);
    if (record.availableAtMs > atMs) broken |= bit(TD_AVAILABLE);
    return broken;
  };

  /** The properties (bits) an Enqueue of task `i` answered by `result` breaks. */
  const enqueueBroken = (after: TaskDeps.State, i: number, result: TaskDeps.Result): number => {
    const onCycle = (cycles[knownMask(after)]! & (1 << i)) !== 0;
    if (result._tag === "Blocked") {
      const cycle = result.cycle.map((id) => index.get(id));
      const closed =
        cycle[0] === i &&
        cycle.every((c, k) => c !== undefined && deps[c]!.includes(cycle[(k + 1) % cycle.length]!));
      return onCycle && closed ? 0 : bit(TD_CYCLE_BLOCKED);
    }
    return onCycle ? bit(TD_CYCLE_BLOCKED) : 0;
  };

  /** The properties (bits) a `NothingClaimable` answer to a Claim at `atMs` on `q` breaks. */
  const refusalBroken = (
    q: TaskDeps.State,
    r: Extract<TaskDeps.Result, { _tag: "NothingClaimable" }>,
    atMs: number,
  ): number => {
    const noSlot = countRunning(q) >= concurrencyMax;
    let anyReady = false;
    let waiting = 0;
    let nextAvailableAtMs: number | null = null;
    for (let i = 0; i < n; i++) {
      const task = taskAt(q, i);
      if (task?.status !== "queued") continue;
      anyReady ||= ready(q, i, atMs);
      if (!depsDone(q, i)) waiting |= 1 << i;
      else if (
        task.availableAtMs > atMs &&
        (nextAvailableAtMs === null || task.availableAtMs < nextAvailableAtMs)
      )
        nextAvailableAtMs = task.availableAtMs;
    }
    const broken = (r.reason === "no-slot" ? !noSlot : noSlot || anyReady) ? bit(TD_WORK_CONSERVING) : 0;
    let said = 0;
    for (const id of r.waiting) said |= 1 << (index.get(id) ?? 31);
    const truthful =
      said === waiting && r.waiting.length === popCount(waiting) && r.nextAvailableAtMs === nextAvailableAtMs;
    return truthful ? broken : broken | bit(TD_REFUSAL);
  };

  /** {@link TD_FINAL}'s bit if the step from `before` to `after` (answered `result`) reopened a task. */
  const finalBroken = (before: TaskDeps.State, after: TaskDeps.State, result: TaskDeps.Result): number => {
    for (let i = 0; i < n; i++) {
      const was = taskAt(before, i)?.status;
      const is = taskAt(after, i)?.status;
      if (was === "blocked" && is !== "blocked") return bit(TD_FINAL);
      if (was === "done" && is !== "done" && !(is === "blocked" && result._tag === "Blocked"))
        return bit(TD_FINAL);
    }
    return 0;
  };

  /** {@link TD_HOLDER_STEP}'s bit if the running worker's Finish or Defer of task `i` did not take effect. */
  const holderStepBroken = (after: TaskDeps.State, i: number, input: TaskDepsInput, atMs: number): number => {
    const task = taskAt(after, i);
    const effective =
      input.op === "finish"
        ? task?.status === input.outcome
        : input.op === "defer" &&
          task?.status === "queued" &&
          task.availableAtMs === atMs + delays[input.delay]!;
    return effective ? 0 : bit(TD_HOLDER_STEP);
  };

  const next = (s: TaskDepsModelState, input: TaskDepsInput): TaskDepsModelState | null => {
    const atMs = s.nowMs;
    const q = s.queue.state;
    switch (input.op) {
      case "tick": {
        const nowMs = atMs + stepMs;
        return nowMs > horizonMs ? null : { queue: s.queue, nowMs, runs: s.runs, broken: 0 };
      }
      case "enqueue": {
        const st = step(s, input);
        if (st.unchanged) return s;
        return {
          queue: st.next,
          nowMs: atMs,
          runs: s.runs,
          broken:
            enqueueBroken(st.next.state, input.task, st.result) | finalBroken(q, st.next.state, st.result),
        };
      }
      case "claim": {
        const st = step(s, input);
        const r = st.result;
        if (r._tag === "NothingClaimable") {
          // A refusal must leave the queue as it is (the same object).
          const broken = refusalBroken(q, r, atMs) | (st.unchanged ? 0 : bit(TD_WORK_CONSERVING));
          return broken === 0 ? s : { ...s, broken };
        }
        if (r._tag !== "Claimed") return { ...s, broken: bit(TD_WORK_CONSERVING) };
        const i = index.get(r.task)!;
        return {
          queue: st.next,
          nowMs: atMs,
          runs: withRuns(s, input.worker, s.runs[input.worker]! | (1 << i)),
          broken: claimBroken(q, i, atMs) | finalBroken(q, st.next.state, r),
        };
      }
      case "finish":
      case "defer": {
        if (input.op === "defer" && atMs + delays[input.delay]! > horizonMs) return null;
        const w = input.worker;
        const taskBit = 1 << input.task;
        const believed = (s.runs[w]! & taskBit) !== 0;
        const record = taskAt(q, input.task);
        const runsIt = record !== undefined && record.status === "running" && record.worker === names[w];
        const st = step(s, input);
        if (runsIt) {
          return {
            queue: st.unchanged ? s.queue : st.next,
            nowMs: atMs,
            runs: withRuns(s, w, s.runs[w]! & ~taskBit),
            broken:
              holderStepBroken(st.next.state, input.task, input, atMs) |
              finalBroken(q, st.next.state, st.result),
          };
        }
        // A stray or late Finish / Defer: the queue must answer NotRunning and change nothing.
        const broken = st.unchanged && st.result._tag === "NotRunning" ? 0 : bit(TD_NON_HOLDER);
        if (!believed && broken === 0) return s;
        return {
          queue: st.unchanged ? s.queue : st.next,
          nowMs: atMs,
          runs: believed ? withRuns(s, w, s.runs[w]! & ~taskBit) : s.runs,
          broken,
        };
      }
      case "requeue": {
        const st = step(s, input);
        if (st.unchanged) return s;
        return {
          queue: st.next,
          nowMs: atMs,
          runs: s.runs,
          broken: finalBroken(q, st.next.state, st.result),
        };
      }
    }
  };

  /** Whether a queued task reaches, through dependencies that are not done, a failed or blocked task. */
  const waitsOnFailedOrBlocked = (q: TaskDeps.State, start: number): boolean => {
    const seen = new Set<number>([start]);
    const stack = [start];
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (const d of deps[i]!) {
        const dep = taskAt(q, d);
        if (dep === undefined || dep.status === "done") continue;
        if (dep.status === "failed" || dep.status === "blocked") return true;
        if (!seen.has(d)) {
          seen.add(d);
          stack.push(d);
        }
      }
    }
    return false;
  };

  return {
    name:
      options.name ??
      (gate === "ignoring-deps"
        ? "task-deps-ignoring-deps"
        : gate === "no-cycle-detection"
          ? "task-deps-no-cycle-detection"
          : "task-deps"),
    initial: { queue: queue0, nowMs: 0, runs: Array.from({ length: workers }, () => 0), broken: 0 },
    inputs: () => alphabet,
    next,
    invariants: [
      { name: TD_DEPS_DONE, holds: (s) => (s.broken & bit(TD_DEPS_DONE)) === 0 },
      {
        name: TD_CONCURRENCY,
        holds: (s) => {
          const q = s.queue.state;
          let believed = 0;
          for (let w = 0; w < workers; w++) {
            for (let i = 0; i < n; i++) {
              const task = taskAt(q, i);
              if ((s.runs[w]! & (1 << i)) !== 0 && task?.status === "running" && task.worker === names[w])
                believed++;
            }
          }
          return countRunning(q) <= concurrencyMax && believed <= concurrencyMax;
        },
      },
      {
        name: TD_CYCLE_BLOCKED,
        holds: (s) => {
          if ((s.broken & bit(TD_CYCLE_BLOCKED)) !== 0) return false;
          const q = s.queue.state;
          const onCycle = cycles[knownMask(q)]!;
          for (let i = 0; i < n; i++)
            if ((onCycle & (1 << i)) !== 0 && taskAt(q, i)?.status !== "blocked") return false;
          return true;
        },
      },
      { name: TD_CYCLE_CLAIM, holds: (s) => (s.broken & bit(TD_CYCLE_CLAIM)) === 0 },
      { name: TD_AVAILABLE, holds: (s) => (s.broken & bit(TD_AVAILABLE)) === 0 },
      {
        name: TD_DEADLOCK,
        holds: (s) => {
          const q = s.queue.state;
          if (countRunning(q) > 0) return true;
          for (let i = 0; i < n; i++) if (taskAt(q, i)?.status === "queued" && depsDone(q, i)) return true;
          for (let i = 0; i < n; i++)
            if (taskAt(q, i)?.status === "queued" && !waitsOnFailedOrBlocked(q, i)) return false;
          return true;
        },
      },
      {
        name: TD_ONE_WORKER,
        holds: (s) => {
          if ((s.broken & bit(TD_ONE_WORKER)) !== 0) return false;
          let seen = 0;
          for (const runs of s.runs) {
            if ((seen & runs) !== 0) return false;
            seen |= runs;
          }
          const q = s.queue.state;
          for (let i = 0; i < n; i++) {
            const task = taskAt(q, i);
            if (task?.status !== "running") continue;
            const w = names.indexOf(task.worker ?? "");
            if (w < 0 || (s.runs[w]! & (1 << i)) === 0) return false;
          }
          return true;
        },
      },
      { name: TD_NON_HOLDER, holds: (s) => (s.broken & bit(TD_NON_HOLDER)) === 0 },
      { name: TD_WORK_CONSERVING, holds: (s) => (s.broken & bit(TD_WORK_CONSERVING)) === 0 },
      { name: TD_REFUSAL, holds: (s) => (s.broken & bit(TD_REFUSAL)) === 0 },
      { name: TD_HOLDER_STEP, holds: (s) => (s.broken & bit(TD_HOLDER_STEP)) === 0 },
      { name: TD_FINAL, holds: (s) => (s.broken & bit(TD_FINAL)) === 0 },
    ],
    fingerprint: (s, into) => {
      into.int(s.queue.hi);
      into.int(s.queue.lo);
      into.int(s.nowMs);
      into.int(s.broken);
      for (const runs of s.runs) into.int(runs);
    },
    describe: (input) => {
      switch (input.op) {
        case "tick":
          return `tick +${stepMs}ms`;
        case "enqueue": {
          const d = graph[ids[input.task]!]!;
          return `Enqueue ${ids[input.task]}${d.length === 0 ? "" : ` after ${d.join(",")}`}`;
        }
        case "claim":
          return `Claim ${names[input.worker]}`;
        case "finish":
          return `Finish ${names[input.worker]} ${ids[input.task]} ${input.outcome}`;
        case "defer":
          return `Defer ${names[input.worker]} ${ids[input.task]} +${delays[input.delay]}ms`;
        case "requeue":
          return `Requeue ${ids[input.task]}`;
      }
    },
    describeState: (s) => {
      const q = s.queue.state;
      const tasks = ids.map((id, i) => {
        const task = taskAt(q, i);
        if (task === undefined) return `${id}:-`;
        const detail =
          task.status === "running"
            ? `(${task.worker})`
            : task.status === "queued"
              ? `@${task.availableAtMs}`
              : "";
        return `${id}:${task.status}${detail}`;
      });
      const runs = s.runs.map(
        (mask, w) => `${names[w]}:{${ids.filter((_, i) => (mask & (1 << i)) !== 0).join(",")}}`,
      );
      return `now=${s.nowMs} ${tasks.join(" ")} runs ${runs.join(" ")}`;
    },
  };
}
