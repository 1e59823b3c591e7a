// Property tests for TaskDeps: random event sequences over tasks t1..t5 with random (sometimes cyclic, sometimes
// not-yet-known) dependencies, workers w1/w2, nondecreasing time and concurrencyMax 1 or 2, checked after every
// step against an independent reference for readiness and cycles.

import { TaskDeps } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const ids = ["t1", "t2", "t3", "t4", "t5"] as const;
const workers = ["w1", "w2"] as const;

/** Which task a Defer or Finish targets: one currently running (most of the time), or any id. */
type Target =
  | { readonly kind: "running"; readonly index: number }
  | { readonly kind: "any"; readonly task: string };

type Op =
  | { readonly _tag: "Enqueue"; readonly task: string; readonly deps: readonly string[] }
  | { readonly _tag: "Claim"; readonly worker: string }
  | {
      readonly _tag: "Defer";
      readonly target: Target;
      readonly ownWorker: boolean;
      readonly worker: string;
      readonly delayMs: number;
    }
  | {
      readonly _tag: "Finish";
      readonly target: Target;
      readonly ownWorker: boolean;
      readonly worker: string;
      readonly outcome: "done" | "failed";
    }
  | { readonly _tag: "Requeue"; readonly task: string };

interface Step {
  readonly delayMs: number;
  readonly op: Op;
}

interface Run {
  readonly config: TaskDeps.ResolvedConfig;
  readonly steps: readonly Step[];
}

const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("running" as const), index: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("any" as const), task: fc.constantFrom(...ids) }) },
);

/** Mostly the target's own worker, sometimes a random one (who may not be running it). */
const ownWorker = fc.oneof(
  { weight: 5, arbitrary: fc.constant(true) },
  { weight: 1, arbitrary: fc.constant(false) },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("Enqueue" as const),
      task: fc.constantFrom(...ids),
      // Mostly zero or one dependency, sometimes more, self included: cycles and unknown ids both occur.
      deps: fc.oneof(
        { weight: 2, arbitrary: fc.constant([]) },
        { weight: 3, arbitrary: fc.subarray([...ids], { maxLength: 1 }) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom(...ids), { maxLength: 3 }) },
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ _tag: fc.constant("Claim" as const), worker: fc.constantFrom(...workers) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("Defer" as const),
      target,
      ownWorker,
      worker: fc.constantFrom(...workers),
      delayMs: fc.integer({ min: 0, max: 50 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("Finish" as const),
      target,
      ownWorker,
      worker: fc.constantFrom(...workers),
      outcome: fc.constantFrom<"done" | "failed">("done", "done", "failed"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("Requeue" as const), task: fc.constantFrom(...ids) }),
  },
);

const run: fc.Arbitrary<Run> = fc.record({
  config: fc.record({ concurrencyMax: fc.constantFrom(1, 2), taskCountMax: fc.constantFrom(4, 5) }),
  steps: fc.array(fc.record({ delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })), op }), {
    maxLength: 60,
    size: "max",
  }),
});

/** One applied event (and a copy taken before it was applied), with the state before and after it. */
interface Observation {
  readonly before: TaskDeps.State;
  readonly event: TaskDeps.Event;
  readonly eventCopy: TaskDeps.Event;
  readonly after: TaskDeps.State;
  readonly result: TaskDeps.Result;
}

function taskOf(state: TaskDeps.State, id: string): TaskDeps.Task | undefined {
  return Object.hasOwn(state.tasks, id) ? state.tasks[id] : undefined;
}

/** The task a Defer or Finish targets: a running task (sorted by id), else the op's fallback. */
function resolveTarget(choice: Target, state: TaskDeps.State): TaskDeps.Task | string {
  if (choice.kind === "any") {
    return taskOf(state, choice.task) ?? choice.task;
  }
  const running = Object.values(state.tasks)
    .filter((task) => task.status === "running")
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return running[choice.index % Math.max(running.length, 1)] ?? ids[choice.index % ids.length]!;
}

function toEvent(step: Step, state: TaskDeps.State, atMs: number): TaskDeps.Event {
  const { op: o } = step;
  switch (o._tag) {
    case "Enqueue":
      return { _tag: "Enqueue", task: o.task, deps: o.deps, atMs };
    case "Claim":
      return { _tag: "Claim", worker: o.worker, atMs };
    case "Requeue":
      return { _tag: "Requeue", task: o.task, atMs };
    case "Defer":
    case "Finish": {
      const resolved = resolveTarget(o.target, state);
      const task = typeof resolved === "string" ? resolved : resolved.id;
      const ownWorker = typeof resolved === "string" ? null : resolved.worker;
      const worker = o.ownWorker && ownWorker !== null ? ownWorker : o.worker;
      return o._tag === "Defer"
        ? { _tag: "Defer", task, worker, availableAtMs: atMs + o.delayMs, atMs }
        : { _tag: "Finish", task, worker, outcome: o.outcome, atMs };
    }
  }
}

/** Replays `sequence` from the empty queue, calling `observe` after every transition. */
function replay({ config, steps }: Run, observe: (observation: Observation) => void): TaskDeps.State {
  let state = TaskDeps.initial(config);
  let atMs = 0;
  for (const step of steps) {
    atMs += step.delayMs;
    const event = toEvent(step, state, atMs);
    const eventCopy = structuredClone(event);
    const { state: after, result } = TaskDeps.transition(state, event);
    observe({ before: state, event, eventCopy, after, result });
    state = after;
  }
  return state;
}

// ---------------------------------------------------------------------------------------------------------
// An independent reference: readiness and cycles straight from the definitions, no shared code.

/** The dependencies of `task` that are enqueued (unknown ones are fail-open). */
function knownDeps(state: TaskDeps.State, task: TaskDeps.Task): string[] {
  return task.deps.filter((dep) => taskOf(state, dep) !== undefined);
}

function readyRef(state: TaskDeps.State, task: TaskDeps.Task, atMs: number): boolean {
  return (
    task.status === "queued" &&
    task.availableAtMs <= atMs &&
    knownDeps(state, task).every((dep) => taskOf(state, dep)?.status === "done")
  );
}

/** Whether `id` reaches itself through one or more known dependencies. */
function onCycleRef(state: TaskDeps.State, id: string): boolean {
  const seen = new Set<string>();
  const stack = [...knownDeps(state, taskOf(state, id)!)];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next === id) {
      return true;
    }
    if (!seen.has(next)) {
      seen.add(next);
      stack.push(...knownDeps(state, taskOf(state, next)!));
    }
  }
  return false;
}

/** Whether `cycle` is a dependency cycle: distinct known ids, each depending on the next, the last on the first. */
function isCycle(state: TaskDeps.State, cycle: readonly string[]): boolean {
  return (
    cycle.length > 0 &&
    new Set(cycle).size === cycle.length &&
    cycle.every((id, index) => taskOf(state, id)?.deps.includes(cycle[(index + 1) % cycle.length]!) === true)
  );
}

function claimOrder(a: TaskDeps.Task, b: TaskDeps.Task): number {
  return a.availableAtMs - b.availableAtMs || a.seq - b.seq;
}

function check(observe: (observation: Observation) => void, numRuns = 300): void {
  fc.assert(
    fc.property(run, (r) => {
      replay(r, observe);
    }),
    { numRuns },
  );
}

const UNCHANGED: ReadonlySet<string> = new Set([
  "NothingClaimable",
  "NotRunning",
  "NotFailed",
  "Duplicate",
  "Rejected",
]);

describe("TaskDeps properties", () => {
  it("the event generator reaches every result and the fail-open and cycle cases, so the properties are not vacuous", () => {
    const seen = new Set<string>();
    for (const r of fc.sample(run, { numRuns: 300, seed: 26 })) {
      replay(r, ({ before, event, after, result }) => {
        seen.add(result._tag === "NothingClaimable" ? `NothingClaimable ${result.reason}` : result._tag);
        if (result._tag === "NothingClaimable" && result.waiting.length > 0) {
          seen.add("NothingClaimable with a waiting line");
        }
        if (result._tag === "Claimed") {
          const task = taskOf(before, result.task)!;
          if (task.deps.some((dep) => taskOf(before, dep) === undefined)) {
            seen.add("Claimed with an unknown dependency");
          }
          if (knownDeps(before, task).length > 0) {
            seen.add("Claimed after its dependencies were done");
          }
        }
        if (result._tag === "Blocked") {
          seen.add(result.cycle.length === 1 ? "Blocked self" : "Blocked cycle");
          if (event._tag === "Enqueue" && after.running < before.running) {
            seen.add("Blocked a running task");
          }
        }
      });
    }
    expect([...seen].sort()).toEqual(
      [
        "Blocked",
        "Blocked a running task",
        "Blocked cycle",
        "Blocked self",
        "Claimed",
        "Claimed after its dependencies were done",
        "Claimed with an unknown dependency",
        "Deferred",
        "Duplicate",
        "Enqueued",
        "Finished",
        "NotFailed",
        "NotRunning",
        "NothingClaimable no-slot",
        "NothingClaimable none-ready",
        "NothingClaimable with a waiting line",
        "Rejected",
        "Requeued",
      ].sort(),
    );
  });

  it("running equals the count of running tasks and never exceeds concurrencyMax", () => {
    check(({ after }) => {
      const running = Object.values(after.tasks).filter((task) => task.status === "running");
      expect(after.running).toBe(running.length);
      expect(after.running).toBeLessThanOrEqual(after.config.concurrencyMax);
      for (const task of Object.values(after.tasks)) {
        expect(task.worker !== null).toBe(task.status === "running");
      }
    });
  });

  it("no task is claimed while a known dependency is not done, and a blocked task is never claimed", () => {
    check(({ before, event, after, result }) => {
      if (result._tag !== "Claimed" || event._tag !== "Claim") {
        return;
      }
      const task = taskOf(before, result.task)!;
      expect(task.status).not.toBe("blocked");
      expect(task.status).toBe("queued");
      expect(task.availableAtMs).toBeLessThanOrEqual(event.atMs);
      for (const dep of knownDeps(before, task)) {
        expect(taskOf(before, dep)?.status).toBe("done");
      }
      expect(taskOf(after, result.task)).toMatchObject({ status: "running", worker: event.worker });
    });
  });

  it("every task on a dependency cycle is blocked, and only those (independent reference cycle check)", () => {
    check(({ after, result }) => {
      for (const task of Object.values(after.tasks)) {
        expect(task.status === "blocked", task.id).toBe(onCycleRef(after, task.id));
        if (task.blockedBy !== null) {
          expect(isCycle(after, task.blockedBy)).toBe(true);
          expect(task.blockedBy).toContain(task.id);
        }
      }
      if (result._tag === "Blocked") {
        expect(result.cycle[0]).toBe(result.task);
        expect(isCycle(after, result.cycle)).toBe(true);
      }
    });
  });

  it("a blocked task stays blocked, with the same cycle", () => {
    check(({ before, after }) => {
      for (const task of Object.values(before.tasks)) {
        if (task.status === "blocked") {
          expect(taskOf(after, task.id)).toBe(task);
        }
      }
    });
  });

  it("liveness-ish: with a free slot and a ready task, Claim returns Claimed, the first ready in claim order", () => {
    check(({ before, event, result }) => {
      if (event._tag !== "Claim") {
        return;
      }
      const queued = Object.values(before.tasks)
        .filter((task) => task.status === "queued")
        .sort(claimOrder);
      const ready = queued.filter((task) => readyRef(before, task, event.atMs));
      if (before.running < before.config.concurrencyMax && ready.length > 0) {
        expect(result).toEqual({ _tag: "Claimed", task: ready[0]!.id });
        return;
      }
      const waiting = queued.filter((task) =>
        knownDeps(before, task).some((dep) => taskOf(before, dep)?.status !== "done"),
      );
      const later = queued
        .filter((task) => !waiting.includes(task) && task.availableAtMs > event.atMs)
        .map((task) => task.availableAtMs);
      expect(result).toEqual({
        _tag: "NothingClaimable",
        reason: before.running < before.config.concurrencyMax ? "none-ready" : "no-slot",
        waiting: waiting.map((task) => task.id),
        nextAvailableAtMs: later.length === 0 ? null : Math.min(...later),
      });
    });
  });

  it("the helpers agree with the reference", () => {
    check(({ after, event }) => {
      for (const id of ids) {
        const task = taskOf(after, id);
        const waiting =
          task === undefined
            ? []
            : knownDeps(after, task).filter((dep) => taskOf(after, dep)?.status !== "done");
        expect(TaskDeps.waitingOn(after, id)).toEqual(waiting);
        expect(TaskDeps.isReady(after, id, event.atMs)).toBe(
          task !== undefined && readyRef(after, task, event.atMs),
        );
        const cycle = TaskDeps.findCycle(after, id);
        expect(cycle !== null).toBe(task !== undefined && onCycleRef(after, id));
        if (cycle !== null) {
          expect(cycle[0]).toBe(id);
          expect(isCycle(after, cycle)).toBe(true);
        }
      }
    }, 100);
  });

  it("results that change nothing return the same state object; the others a new one", () => {
    check(({ before, after, result }) => {
      expect(after === before).toBe(UNCHANGED.has(result._tag));
      expect(after.nextSeq).toBe(
        before.nextSeq + (result._tag === "Enqueued" || result._tag === "Blocked" ? 1 : 0),
      );
      expect(Object.keys(after.tasks).length).toBeLessThanOrEqual(after.config.taskCountMax);
    });
  });

  it("a transition never mutates its input, and the state stays JSON-serialisable", () => {
    fc.assert(
      fc.property(run, (r) => {
        let snapshot: unknown = structuredClone(TaskDeps.initial(r.config));
        replay(r, ({ before, event, eventCopy, after }) => {
          expect(before).toEqual(snapshot);
          expect(event).toEqual(eventCopy);
          expect(JSON.parse(JSON.stringify(after))).toEqual(after);
          snapshot = structuredClone(after);
        });
      }),
      { numRuns: 300 },
    );
  });
});
