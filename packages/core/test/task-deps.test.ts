// Example tests for TaskDeps, after seed 001's ORCH-026 Level B (../shared/seeds/001_fd4d1e9648c828d1.txt:
// B waits for A, a waiting job occupies no slot, inert on empty deps, is_task_ready fail-open, DFS cycle
// detection + Blocked) and seed 004's DEFER (../shared/seeds/004_1b9ac3a108b9e833.txt: re-queue with
// available_at, no deadlock at max_concurrency = 1).

import { AssertionError, InvalidConfigError, type Machine, TaskDeps } from "@interleave/core";
import { describe, expect, it } from "vitest";

type State = TaskDeps.State;
type Event = TaskDeps.Event;

const config: TaskDeps.ResolvedConfig = { concurrencyMax: 1, taskCountMax: 8 };

function start(overrides: Partial<TaskDeps.ResolvedConfig> = {}): State {
  return TaskDeps.initial({ ...config, ...overrides });
}

const enqueue = (task: string, deps: readonly string[] = [], atMs = 0): Event => ({
  _tag: "Enqueue",
  task,
  deps,
  atMs,
});
const claimBy = (worker: string, atMs = 0): Event => ({ _tag: "Claim", worker, atMs });
const finish = (task: string, worker: string, outcome: "done" | "failed" = "done", atMs = 0): Event => ({
  _tag: "Finish",
  task,
  worker,
  outcome,
  atMs,
});
const defer = (task: string, worker: string, availableAtMs: number, atMs = 0): Event => ({
  _tag: "Defer",
  task,
  worker,
  availableAtMs,
  atMs,
});
const requeue = (task: string, atMs = 0): Event => ({ _tag: "Requeue", task, atMs });

/** Applies `events` in order and returns the final state. */
function run(state: State, ...events: readonly Event[]): State {
  return events.reduce((current, event) => TaskDeps.transition(current, event).state, state);
}

/** Claims until nothing is claimable (finishing each claimed task done); returns the claim order. */
function drain(state: State, worker = "w1", atMs = 0): { readonly order: string[]; readonly state: State } {
  const order: string[] = [];
  let current = state;
  for (;;) {
    const { state: next, result } = TaskDeps.transition(current, claimBy(worker, atMs));
    if (result._tag !== "Claimed") {
      return { order, state: current };
    }
    order.push(result.task);
    current = run(next, finish(result.task, worker, "done", atMs));
  }
}

describe("TaskDeps", () => {
  it("satisfies the Machine contract", () => {
    const machine: Machine<State, Event, TaskDeps.Result, TaskDeps.Effect> = TaskDeps;
    const { effects, result } = machine.transition(start(), enqueue("A"));
    expect(effects).toEqual([]);
    expect(result).toEqual({ _tag: "Enqueued", task: "A" });
  });

  it("records an enqueued task: queued, available now, deps deduplicated in declaration order", () => {
    const { state, result } = TaskDeps.transition(
      run(start(), enqueue("X")),
      enqueue("A", ["C", "B", "C"], 42),
    );
    expect(result).toEqual({ _tag: "Enqueued", task: "A" });
    expect(state.tasks.A).toEqual({
      id: "A",
      deps: ["C", "B"],
      status: "queued",
      availableAtMs: 42,
      worker: null,
      seq: 1,
      blockedBy: null,
    });
    expect(state.nextSeq).toBe(2);
    expect(state.running).toBe(0);
  });

  describe("dependency cycle detected", () => {
    it("A→B→A: the Enqueue that closes it answers Blocked, and neither task is ever claimed", () => {
      const s1 = run(start({ concurrencyMax: 2 }), enqueue("A", ["B"]));
      const { state, result } = TaskDeps.transition(s1, enqueue("B", ["A"]));
      expect(result).toEqual({ _tag: "Blocked", task: "B", cycle: ["B", "A"] });
      expect(state.tasks.A).toMatchObject({ status: "blocked", blockedBy: ["B", "A"] });
      expect(state.tasks.B).toMatchObject({ status: "blocked", blockedBy: ["B", "A"] });
      expect(TaskDeps.transition(state, claimBy("w1", 1_000)).result).toEqual({
        _tag: "NothingClaimable",
        reason: "none-ready",
        waiting: [],
        nextAvailableAtMs: null,
      });
    });

    it("a self-dependency is a cycle of one", () => {
      const { state, result } = TaskDeps.transition(start(), enqueue("A", ["A"]));
      expect(result).toEqual({ _tag: "Blocked", task: "A", cycle: ["A"] });
      expect(state.tasks.A).toMatchObject({ status: "blocked", blockedBy: ["A"] });
      expect(TaskDeps.transition(state, claimBy("w1")).result).toMatchObject({ _tag: "NothingClaimable" });
    });

    it("A→B→C→A: the cycle is reported in order, starting at the task that closed it", () => {
      const s2 = run(start(), enqueue("A", ["B"]), enqueue("B", ["C"]));
      expect(TaskDeps.findCycle(s2, "A")).toBeNull();
      const { state, result } = TaskDeps.transition(s2, enqueue("C", ["A"]));
      expect(result).toEqual({ _tag: "Blocked", task: "C", cycle: ["C", "A", "B"] });
      for (const id of ["A", "B", "C"]) {
        expect(state.tasks[id]).toMatchObject({ status: "blocked", blockedBy: ["C", "A", "B"] });
      }
      expect(TaskDeps.findCycle(state, "B")).toEqual(["B", "C", "A"]);
      expect(drain(state).order).toEqual([]);
    });

    it("tasks outside the cycle are untouched; those depending on it wait in the waiting line for good", () => {
      const s = run(start(), enqueue("A", ["B"]), enqueue("D", ["A"]), enqueue("E"));
      const { state } = TaskDeps.transition(s, enqueue("B", ["A"]));
      expect(state.tasks.D).toBe(s.tasks.D);
      expect(state.tasks.E).toBe(s.tasks.E);
      const { order, state: drained } = drain(state);
      expect(order).toEqual(["E"]);
      expect(TaskDeps.transition(drained, claimBy("w1")).result).toEqual({
        _tag: "NothingClaimable",
        reason: "none-ready",
        waiting: ["D"],
        nextAvailableAtMs: null,
      });
    });

    it("blocks every task on every cycle one Enqueue closes, not only the reported one", () => {
      // A and B both depend on N; N depends on A then B: two cycles through N.
      const s = run(start(), enqueue("A", ["N"]), enqueue("B", ["N"]), enqueue("C"));
      const { state, result } = TaskDeps.transition(s, enqueue("N", ["A", "B"]));
      expect(result).toEqual({ _tag: "Blocked", task: "N", cycle: ["N", "A"] });
      expect(state.tasks.A).toMatchObject({ status: "blocked", blockedBy: ["N", "A"] });
      expect(state.tasks.N).toMatchObject({ status: "blocked", blockedBy: ["N", "A"] });
      expect(state.tasks.B).toMatchObject({ status: "blocked", blockedBy: ["B", "N"] });
      expect(state.tasks.C).toBe(s.tasks.C);
    });

    it("a task already blocked keeps its cycle when a later Enqueue closes another one through it", () => {
      const s = run(start(), enqueue("A", ["B", "C"]), enqueue("B", ["A"]));
      expect(s.tasks.A?.blockedBy).toEqual(["B", "A"]);
      const { state, result } = TaskDeps.transition(s, enqueue("C", ["A"]));
      expect(result).toEqual({ _tag: "Blocked", task: "C", cycle: ["C", "A"] });
      expect(state.tasks.A).toBe(s.tasks.A);
      expect(state.tasks.B).toBe(s.tasks.B);
      expect(state.tasks.C).toMatchObject({ status: "blocked", blockedBy: ["C", "A"] });
    });

    it("a running task claimed fail-open is blocked when a later Enqueue closes a cycle through it", () => {
      const s = run(start(), enqueue("A", ["B"]), claimBy("w1"));
      expect(s.tasks.A?.status).toBe("running");
      const { state, result } = TaskDeps.transition(s, enqueue("B", ["A"]));
      expect(result).toEqual({ _tag: "Blocked", task: "B", cycle: ["B", "A"] });
      expect(state.tasks.A).toMatchObject({ status: "blocked", worker: null, blockedBy: ["B", "A"] });
      expect(state.running).toBe(0);
      const late = TaskDeps.transition(state, finish("A", "w1"));
      expect(late.result).toEqual({ _tag: "NotRunning", task: "A" });
      expect(late.state).toBe(state);
    });
  });

  describe("seed 001, ORCH-026's reconciler skip and cycle backstop", () => {
    it("cycle backstop: a cycle that appears after claims started is still caught, the tasks Blocked with an alert", () => {
      // Claims start while the plan is half ingested: A (depends on D, unknown: fail-open) and B run, B finishes.
      const started = run(
        start({ concurrencyMax: 2 }),
        enqueue("A", ["D"]),
        enqueue("B"),
        claimBy("w1", 1),
        claimBy("w2", 1),
        finish("B", "w2", "done", 2),
      );
      expect(started.tasks.A).toMatchObject({ status: "running", worker: "w1" });
      // D's relation arrives later and closes the cycle A → D → A.
      const { state, result } = TaskDeps.transition(started, enqueue("D", ["A"], 3));
      expect(result).toEqual({ _tag: "Blocked", task: "D", cycle: ["D", "A"] }); // the alert: which cycle
      expect(state.tasks.A).toMatchObject({ status: "blocked", worker: null, blockedBy: ["D", "A"] });
      expect(state.tasks.D).toMatchObject({ status: "blocked", blockedBy: ["D", "A"] });
      expect(state.tasks.B).toBe(started.tasks.B); // done work is untouched
      expect(state.running).toBe(0); // A's slot is freed at once
      // Neither is ever claimed again, and A's worker learns it lost the job when it reports.
      const after = run(state, enqueue("E", [], 4));
      expect(drain(after, "w3", 5).order).toEqual(["E"]);
      expect(TaskDeps.transition(state, finish("A", "w1", "done", 6)).result).toEqual({
        _tag: "NotRunning",
        task: "A",
      });
    });

    it("reconciler skip: a job waiting on its dependencies is in the waiting line, not stuck — no slot, no requeue, no claim", () => {
      const waiting = run(start({ concurrencyMax: 1 }), enqueue("A"), enqueue("B", ["A"]), claimBy("w1", 1));
      expect(waiting.tasks.B).toMatchObject({ status: "queued", worker: null });
      expect(waiting.running).toBe(1); // only A holds a slot
      // What a reconciler reads to skip it: the waiting line and waitingOn.
      const idle = TaskDeps.transition(waiting, claimBy("w2", 60_000));
      expect(idle.result).toEqual({
        _tag: "NothingClaimable",
        reason: "no-slot",
        waiting: ["B"],
        nextAvailableAtMs: null,
      });
      expect(TaskDeps.waitingOn(waiting, "B")).toEqual(["A"]);
      expect(TaskDeps.isReady(waiting, "B", 60_000)).toBe(false);
      // A reconciler's requeue of a "stuck" job leaves it as it is: only a failed task goes back.
      const requeued = TaskDeps.transition(waiting, requeue("B", 60_000));
      expect(requeued.result).toEqual({ _tag: "NotFailed", task: "B" });
      expect(requeued.state).toBe(waiting);
      // Once A is done, B is claimed as usual.
      const done = run(waiting, finish("A", "w1", "done", 60_001));
      expect(TaskDeps.transition(done, claimBy("w2", 60_001)).result).toEqual({ _tag: "Claimed", task: "B" });
    });
  });

  describe("B waits for A", () => {
    it("B is not claimed until A is done, and the waiting line lists it", () => {
      const s = run(start({ concurrencyMax: 2 }), enqueue("B", ["A"]), enqueue("A"));
      expect(TaskDeps.waitingOn(s, "B")).toEqual(["A"]);
      expect(TaskDeps.isReady(s, "B", 0)).toBe(false);
      const claimedA = TaskDeps.transition(s, claimBy("w1", 1));
      expect(claimedA.result).toEqual({ _tag: "Claimed", task: "A" });
      const blockedB = TaskDeps.transition(claimedA.state, claimBy("w2", 2));
      expect(blockedB.result).toEqual({
        _tag: "NothingClaimable",
        reason: "none-ready",
        waiting: ["B"],
        nextAvailableAtMs: null,
      });
      expect(blockedB.state).toBe(claimedA.state);
      const done = run(claimedA.state, finish("A", "w1", "done", 3));
      expect(TaskDeps.waitingOn(done, "B")).toEqual([]);
      expect(TaskDeps.isReady(done, "B", 3)).toBe(true);
      expect(TaskDeps.transition(done, claimBy("w2", 4)).result).toEqual({ _tag: "Claimed", task: "B" });
    });

    it("a failed A keeps B queued and waiting; Requeue and done release it", () => {
      const failed = run(
        start(),
        enqueue("A"),
        enqueue("B", ["A"]),
        claimBy("w1"),
        finish("A", "w1", "failed"),
      );
      expect(failed.tasks.A).toMatchObject({ status: "failed", worker: null });
      expect(failed.tasks.B?.status).toBe("queued");
      expect(TaskDeps.transition(failed, claimBy("w1", 5)).result).toMatchObject({
        _tag: "NothingClaimable",
        waiting: ["B"],
      });
      const { order } = drain(run(failed, requeue("A", 10)), "w1", 10);
      expect(order).toEqual(["A", "B"]);
    });
  });

  it("a waiting job occupies no slot: at max concurrency 1, B waiting on A does not stop C", () => {
    // A is deferred far into the future, so B waits on it while C runs in the only slot.
    const s = run(
      start(),
      enqueue("A"),
      enqueue("B", ["A"]),
      enqueue("C"),
      claimBy("w1"),
      defer("A", "w1", 1_000),
    );
    const { state, result } = TaskDeps.transition(s, claimBy("w2", 1));
    expect(result).toEqual({ _tag: "Claimed", task: "C" });
    expect(state.running).toBe(1);
    expect(state.tasks.B?.status).toBe("queued");
    expect(TaskDeps.transition(state, claimBy("w1", 2)).result).toEqual({
      _tag: "NothingClaimable",
      reason: "no-slot",
      waiting: ["B"],
      nextAvailableAtMs: 1_000,
    });
  });

  it("defer frees the slot (no deadlock at max concurrency 1)", () => {
    const s = run(start(), enqueue("A"), enqueue("B"), claimBy("w1", 0));
    expect(TaskDeps.transition(s, claimBy("w2", 1)).result).toMatchObject({
      _tag: "NothingClaimable",
      reason: "no-slot",
    });
    const deferred = TaskDeps.transition(s, defer("A", "w1", 500, 2));
    expect(deferred.result).toEqual({ _tag: "Deferred", task: "A", availableAtMs: 500 });
    expect(deferred.state.running).toBe(0);
    expect(deferred.state.tasks.A).toMatchObject({ status: "queued", worker: null, availableAtMs: 500 });
    const claimedB = TaskDeps.transition(deferred.state, claimBy("w2", 3));
    expect(claimedB.result).toEqual({ _tag: "Claimed", task: "B" });
    const idle = run(claimedB.state, finish("B", "w2", "done", 4));
    expect(TaskDeps.transition(idle, claimBy("w1", 499)).result).toEqual({
      _tag: "NothingClaimable",
      reason: "none-ready",
      waiting: [],
      nextAvailableAtMs: 500,
    });
    expect(TaskDeps.transition(idle, claimBy("w1", 500)).result).toEqual({ _tag: "Claimed", task: "A" });
  });

  it("inert with no dependencies: FIFO by enqueue order, availableAt respected", () => {
    const s = run(
      start({ concurrencyMax: 3 }),
      enqueue("A", [], 0),
      enqueue("B", [], 0),
      enqueue("C", [], 10),
    );
    expect(drain(s, "w1", 5).order).toEqual(["A", "B"]);
    expect(drain(s, "w1", 10).order).toEqual(["A", "B", "C"]);
    // A deferred to 20 goes behind B (available at 0) and C (10): order by (availableAtMs, seq).
    const reordered = run(s, claimBy("w1", 0), defer("A", "w1", 20, 0));
    expect(drain(reordered, "w1", 15).order).toEqual(["B", "C"]);
    expect(drain(reordered, "w1", 20).order).toEqual(["B", "C", "A"]);
    expect(TaskDeps.transition(s, claimBy("w1", 5)).state.tasks.C).toBe(s.tasks.C);
  });

  describe("fail-open unknown dependency", () => {
    it("a dependency on an id not enqueued holds nothing back", () => {
      const s = run(start(), enqueue("B", ["ghost"]));
      expect(TaskDeps.waitingOn(s, "B")).toEqual([]);
      expect(TaskDeps.isReady(s, "B", 0)).toBe(true);
      expect(TaskDeps.transition(s, claimBy("w1")).result).toEqual({ _tag: "Claimed", task: "B" });
    });

    it("counts from the moment the dependency is enqueued", () => {
      const s = run(start(), enqueue("B", ["A"]), enqueue("A", [], 5));
      expect(TaskDeps.waitingOn(s, "B")).toEqual(["A"]);
      expect(drain(s, "w1", 5).order).toEqual(["A", "B"]);
    });
  });

  describe("Requeue after failure", () => {
    it("puts a failed task back to queued, available from the Requeue's time", () => {
      const failed = run(start(), enqueue("A"), claimBy("w1"), finish("A", "w1", "failed", 7));
      expect(failed.running).toBe(0);
      const { state, result } = TaskDeps.transition(failed, requeue("A", 30));
      expect(result).toEqual({ _tag: "Requeued", task: "A" });
      expect(state.tasks.A).toEqual({ ...failed.tasks.A, status: "queued", availableAtMs: 30 });
      expect(TaskDeps.transition(state, claimBy("w2", 29)).result).toMatchObject({ nextAvailableAtMs: 30 });
      expect(TaskDeps.transition(state, claimBy("w2", 30)).result).toEqual({ _tag: "Claimed", task: "A" });
    });

    it("answers NotFailed for a task that is unknown or not failed, leaving the same state object", () => {
      const s = run(start({ concurrencyMax: 2 }), enqueue("Q"), enqueue("R"), enqueue("D"), claimBy("w1"));
      const done = run(s, claimBy("w1"), finish("R", "w1"));
      for (const id of ["Q", "D", "R", "nope"]) {
        const step = TaskDeps.transition(done, requeue(id));
        expect(step.result).toEqual({ _tag: "NotFailed", task: id });
        expect(step.state).toBe(done);
      }
    });
  });

  describe("NotRunning, Duplicate and Rejected leave the same state object", () => {
    const running = run(start(), enqueue("A"), enqueue("B"), claimBy("w1"));

    it("NotRunning: Defer or Finish by another worker, of a queued task, or of an unknown task", () => {
      for (const event of [
        finish("A", "w2"),
        defer("A", "w2", 10),
        finish("B", "w1"),
        defer("B", "w1", 10),
        finish("zz", "w1"),
      ]) {
        const step = TaskDeps.transition(running, event);
        expect(step.result).toEqual({ _tag: "NotRunning", task: (event as { task: string }).task });
        expect(step.state).toBe(running);
      }
      const finished = run(running, finish("A", "w1"));
      expect(TaskDeps.transition(finished, finish("A", "w1")).state).toBe(finished);
    });

    it("Duplicate: an Enqueue of a known id, whatever its deps", () => {
      const step = TaskDeps.transition(running, enqueue("A", ["B"]));
      expect(step.result).toEqual({ _tag: "Duplicate", task: "A" });
      expect(step.state).toBe(running);
    });

    it("Rejected: a new id at taskCountMax (a known id is still a Duplicate)", () => {
      const full = run(start({ taskCountMax: 2 }), enqueue("A"), enqueue("B"));
      const step = TaskDeps.transition(full, enqueue("C"));
      expect(step.result).toEqual({ _tag: "Rejected", reason: "task-limit" });
      expect(step.state).toBe(full);
      expect(TaskDeps.transition(full, enqueue("B")).result).toEqual({ _tag: "Duplicate", task: "B" });
    });

    it("NothingClaimable too", () => {
      const step = TaskDeps.transition(running, claimBy("w2"));
      expect(step.result._tag).toBe("NothingClaimable");
      expect(step.state).toBe(running);
    });
  });

  describe("config validation names the field", () => {
    it.each([
      [
        "concurrencyMax",
        { concurrencyMax: 0, taskCountMax: 1 },
        "TaskDeps config: concurrencyMax (0) must be a positive integer",
      ],
      [
        "concurrencyMax",
        { concurrencyMax: 1.5, taskCountMax: 1 },
        "TaskDeps config: concurrencyMax (1.5) must be a positive integer",
      ],
      [
        "taskCountMax",
        { concurrencyMax: 1, taskCountMax: -1 },
        "TaskDeps config: taskCountMax (-1) must be a positive integer",
      ],
      [
        "taskCountMax",
        { concurrencyMax: 1 },
        "TaskDeps config: taskCountMax (undefined) must be a positive integer",
      ],
    ])("%s: %j", (field, bad, message) => {
      const attempt = () => TaskDeps.initial(bad as TaskDeps.Config);
      expect(attempt).toThrow(InvalidConfigError);
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (error) {
        expect((error as InvalidConfigError).field).toBe(field);
      }
    });

    it("keeps only the known fields", () => {
      const withExtra = { concurrencyMax: 2, taskCountMax: 3, extra: true } as TaskDeps.Config;
      expect(TaskDeps.initial(withExtra)).toEqual({
        config: { concurrencyMax: 2, taskCountMax: 3 },
        tasks: {},
        running: 0,
        nextSeq: 0,
      });
    });

    it("accepts the deprecated name maxConcurrency for concurrencyMax, and names it in errors", () => {
      // The old name alone, or both names with one value: the state's config has only concurrencyMax.
      expect(TaskDeps.initial({ maxConcurrency: 2, taskCountMax: 3 }).config).toEqual({
        concurrencyMax: 2,
        taskCountMax: 3,
      });
      expect(TaskDeps.initial({ concurrencyMax: 2, maxConcurrency: 2, taskCountMax: 3 }).config).toEqual({
        concurrencyMax: 2,
        taskCountMax: 3,
      });
      const fieldOf = (bad: object): [string, string] => {
        try {
          TaskDeps.initial(bad as TaskDeps.Config);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidConfigError);
          return [(error as InvalidConfigError).field, (error as Error).message];
        }
        return expect.unreachable();
      };
      expect(fieldOf({ maxConcurrency: 0, taskCountMax: 3 })).toEqual([
        "maxConcurrency",
        "TaskDeps config: maxConcurrency (0) must be a positive integer",
      ]);
      expect(fieldOf({ concurrencyMax: 2, maxConcurrency: 1, taskCountMax: 3 })).toEqual([
        "maxConcurrency",
        "TaskDeps config: maxConcurrency (1) is the deprecated name of concurrencyMax (2); give concurrencyMax only",
      ]);
    });
  });

  it("throws AssertionError on malformed events", () => {
    const s = start();
    const bad: readonly unknown[] = [
      { _tag: "Enqueue", task: "", deps: [], atMs: 0 },
      { _tag: "Enqueue", task: "A", deps: [""], atMs: 0 },
      { _tag: "Enqueue", task: "A", deps: "B", atMs: 0 },
      { _tag: "Enqueue", task: "A", deps: [], atMs: -1 },
      { _tag: "Claim", worker: "", atMs: 0 },
      { _tag: "Claim", worker: "w", atMs: 1.5 },
      { _tag: "Defer", task: "A", worker: "w", availableAtMs: -5, atMs: 0 },
      { _tag: "Finish", task: "A", worker: "w", outcome: "ok", atMs: 0 },
      { _tag: "Requeue", task: "", atMs: 0 },
      { _tag: "Cancel", task: "A", atMs: 0 },
    ];
    for (const event of bad) {
      expect(() => TaskDeps.transition(s, event as Event), JSON.stringify(event)).toThrow(AssertionError);
    }
    expect(() => TaskDeps.waitingOn(s, "")).toThrow(AssertionError);
    expect(() => TaskDeps.isReady(s, "A", -1)).toThrow(AssertionError);
    expect(() => TaskDeps.findCycle(s, "")).toThrow(AssertionError);
  });

  it("answers the helpers for unknown tasks without throwing", () => {
    const s = start();
    expect(TaskDeps.waitingOn(s, "A")).toEqual([]);
    expect(TaskDeps.isReady(s, "A", 0)).toBe(false);
    expect(TaskDeps.findCycle(s, "A")).toBeNull();
  });

  it("treats ids named like Object.prototype members as ordinary tasks", () => {
    const s = run(start({ concurrencyMax: 3 }), enqueue("constructor"), enqueue("__proto__", ["toString"]));
    expect(Object.keys(s.tasks)).toEqual(["constructor", "__proto__"]);
    expect(Object.getPrototypeOf(s.tasks)).toBe(Object.prototype);
    expect(TaskDeps.waitingOn(s, "__proto__")).toEqual([]);
    expect(TaskDeps.transition(s, requeue("hasOwnProperty")).result).toEqual({
      _tag: "NotFailed",
      task: "hasOwnProperty",
    });
    expect(drain(s).order).toEqual(["constructor", "__proto__"]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
