/**
 * The SyncCoordinator models of seed 000 (./sync-coordinator.model.ts): each mode verified at its stated bounds,
 * with every result and effect that mode can give reached (so its promises are not vacuous); the seed's races
 * found with their shortest counterexamples; the checker's counts equal a structural BFS's on smaller instances.
 */
import type { SyncCoordinator } from "@interleave/core";
import { expectStateSpaceVerified } from "@interleave/sim";
import { checkStateSpace } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import {
  type CoordinatorStep,
  promisesOf,
  SC_BOUNDS,
  SC_LEGACY_BOUNDS,
  SC_RESET_DURING_SYNC,
  type SyncCoordinatorFlow,
  type SyncCoordinatorInput,
  type SyncCoordinatorModelOptions,
  type SyncCoordinatorModelState,
  syncCoordinatorEntryCheckResetDuringSyncChecked,
  syncCoordinatorFlagOffResetDuringSyncChecked,
  syncCoordinatorLegacyTtlChecked,
  syncCoordinatorModel,
  syncCoordinatorModels,
  syncCoordinatorNoEntryCheckChecked,
} from "./sync-coordinator.model.js";

/** Every tag of the machine's Result and Effect unions (packages/core/src/sync-coordinator.ts). */
const RESULT_TAGS = [
  "SyncStarted",
  "SyncFinished",
  "ResetEnqueued",
  "ResetDeferred",
  "ResetQueued",
  "Proceed",
  "Deferred",
  "ResetFinished",
  "Rejected",
  "Unknown",
];
const EFFECT_TAGS = ["EnqueueReset", "RunSync", "RunReset"];

/**
 * What each mode answers in its verified space: `event → result` (with the reason of a Rejected / Unknown)
 * and `effect E on event`. Not reached, by the core's design: the legacy route never defers, queues, rejects
 * for a full MR or answers Unknown (it keeps no ids); entry-check never queues nor runs orders and never
 * rejects for a full MR at 2 syncs and 2 resets per MR (pendingPerMrMax 2); serial never enqueues nor
 * defers a ScheduleReset. FinishSync and FinishReset of a caller that follows the protocol always succeed.
 */
const REACHED: Readonly<Record<"flag-off" | "entry-check" | "serial", readonly string[]>> = {
  "flag-off": [
    "BeginReset → Proceed",
    "FinishReset → ResetFinished",
    "FinishSync → SyncFinished",
    "ScheduleReset → Rejected mr-limit",
    "ScheduleReset → ResetEnqueued",
    "StartSync → SyncStarted",
    "effect EnqueueReset on ScheduleReset",
  ],
  "entry-check": [
    "BeginReset → Deferred",
    "BeginReset → Proceed",
    "BeginReset → Unknown reset",
    "FinishReset → ResetFinished",
    "FinishSync → SyncFinished",
    "ScheduleReset → Rejected mr-limit",
    "ScheduleReset → ResetDeferred",
    "ScheduleReset → ResetEnqueued",
    "StartSync → Rejected mr-limit",
    "StartSync → SyncStarted",
    "effect EnqueueReset on FinishSync",
    "effect EnqueueReset on ScheduleReset",
  ],
  serial: [
    "BeginReset → Deferred",
    "BeginReset → Proceed",
    "BeginReset → Unknown reset",
    "FinishReset → ResetFinished",
    "FinishSync → SyncFinished",
    "ScheduleReset → Rejected mr-limit",
    "ScheduleReset → Rejected pending-full",
    "ScheduleReset → ResetQueued",
    "StartSync → Rejected mr-limit",
    "StartSync → Rejected pending-full",
    "StartSync → SyncStarted",
    "effect RunReset on FinishReset",
    "effect RunReset on FinishSync",
    "effect RunReset on ScheduleReset",
    "effect RunSync on FinishReset",
    "effect RunSync on FinishSync",
    "effect RunSync on StartSync",
  ],
};

/** A label per answer and per effect of a coordinator step. */
function labels(event: SyncCoordinator.Event, step: CoordinatorStep): string[] {
  const r = step.result;
  const detail = r._tag === "Rejected" ? ` ${r.reason}` : r._tag === "Unknown" ? ` ${r.what}` : "";
  return [
    `${event._tag} → ${r._tag}${detail}`,
    ...step.effects.map((effect) => `effect ${effect._tag} on ${event._tag}`),
  ];
}

const MODES: readonly (readonly [
  "flag-off" | "entry-check" | "serial",
  SyncCoordinatorModelOptions,
  number,
])[] = [
  ["flag-off", SC_LEGACY_BOUNDS, 10_863],
  ["entry-check", SC_BOUNDS, 62_092],
  ["serial", SC_BOUNDS, 38_384],
];

const inputsOf = (path: readonly { readonly input: string }[] | null | undefined) =>
  path?.map((s) => s.input);

/** The shortest path to a state where `holds` fails, as input labels (a witness that such a state is reachable). */
function witness(
  options: SyncCoordinatorModelOptions,
  holds: (s: SyncCoordinatorModelState) => boolean,
): string[] | null {
  const model = syncCoordinatorModel(options);
  const r = checkStateSpace({ ...model, invariants: [{ name: "witness", holds }] });
  return r._tag === "Violation" ? r.path.map((s) => s.input) : null;
}

/**
 * A shortest path whose last input makes `happened(before, after, input)` true: a witness that such a step is
 * reachable. The model's states are paired with a flag set by that step, so the search is exact.
 */
function stepWitness(
  options: SyncCoordinatorModelOptions,
  happened: (before: SyncCoordinatorModelState, after: SyncCoordinatorModelState, input: string) => boolean,
): string[] | null {
  const model = syncCoordinatorModel(options);
  type Flagged = { readonly s: SyncCoordinatorModelState; readonly hit: boolean };
  const r = checkStateSpace<Flagged, SyncCoordinatorInput>({
    name: `${model.name}-witness`,
    initial: { s: model.initial as SyncCoordinatorModelState, hit: false },
    inputs: (x) => model.inputs(x.s),
    next: (x, input) => {
      const t = model.next(x.s, input);
      if (t === null) return null;
      if (t === x.s) return x;
      return { s: t, hit: happened(x.s, t, model.describe!(input)) };
    },
    invariants: [{ name: "witness", holds: (x) => !x.hit }],
    fingerprint: (x, into) => {
      model.fingerprint!(x.s, into);
      into.int(x.hit ? 1 : 0);
    },
    describe: model.describe!,
  });
  return r._tag === "Violation" ? r.path.map((step) => step.input) : null;
}

const entries = (s: SyncCoordinatorModelState) =>
  Object.keys((s.coordinator.state as SyncCoordinator.State).mrs).sort();

describe("the sync-coordinator models (seed 000): every mode keeps its promises", () => {
  it.each(MODES)(
    "%s is verified at its registered bounds, and reaches every result and effect it can give",
    (flow, bounds, states) => {
      const seen = new Set<string>();
      const model = syncCoordinatorModel({
        ...bounds,
        flow,
        observe: (event, step) => {
          for (const label of labels(event, step)) seen.add(label);
        },
      });
      expect(model.invariants.map((i) => i.name)).toEqual(promisesOf(flow));
      const r = expectStateSpaceVerified(model);
      expect(r.states).toBe(states);
      expect([...seen].sort()).toEqual([...REACHED[flow]].sort());
    },
  );

  it("together the three modes reach every Result and Effect tag of the machine", () => {
    const all = Object.values(REACHED).flat();
    const results = new Set(all.map((label) => /→ (\w+)/.exec(label)?.[1]).filter((t) => t !== undefined));
    const effects = new Set(
      all.map((label) => /^effect (\w+)/.exec(label)?.[1]).filter((t) => t !== undefined),
    );
    expect([...results].sort()).toEqual([...RESULT_TAGS].sort());
    expect([...effects].sort()).toEqual([...EFFECT_TAGS].sort());
  });

  it("the serial promise is checked only where the mode makes it", () => {
    expect(promisesOf("serial")).toContain(SC_RESET_DURING_SYNC);
    expect(promisesOf("entry-check")).not.toContain(SC_RESET_DURING_SYNC);
    expect(promisesOf("flag-off")).not.toContain(SC_RESET_DURING_SYNC);
  });

  it("registers the three modes and the recovery as pass models, the races and the lease bugs as violations", () => {
    expect(syncCoordinatorModels.map((m) => [m.name, m.expect])).toEqual([
      ["sync-coordinator-flag-off", "pass"],
      ["sync-coordinator-entry-check", "pass"],
      ["sync-coordinator-serial", "pass"],
      ["sync-coordinator-flag-off-reset-during-sync", "violation"],
      ["sync-coordinator-legacy-ttl", "violation"],
      ["sync-coordinator-entry-check-reset-during-sync", "violation"],
      ["sync-coordinator-no-entry-check", "violation"],
      ["sync-coordinator-serial-recovery", "pass"],
      ["sync-coordinator-serial-no-lease", "violation"],
      ["sync-coordinator-serial-unfenced-reset-worker", "violation"],
    ]);
    for (const m of syncCoordinatorModels) {
      expect(m.machine).toBe("SyncCoordinator");
      expect(m.source).toBe("shared/seeds/000_a68bbd6ee7280424.txt");
    }
  });
});

describe("the sync-coordinator models: what the verified spaces contain (non-vacuity)", () => {
  it("entry-check: a sync still runs when the 15 s marker has expired, in 4 inputs", () => {
    const path = witness({ ...SC_BOUNDS, flow: "entry-check" }, (s) => {
      const marker = (s.coordinator.state as SyncCoordinator.State).mrs["!1"]?.unapprovedUntilMs ?? 0;
      return !(s.syncs[0] === "running" && marker <= s.nowMs);
    });
    expect(path).toEqual(["StartSync !1 s1", "tick +5s", "tick +5s", "tick +5s"]);
  });

  it("entry-check: the second MR sweeps the first MR's entry once its marker expired, in 6 inputs", () => {
    const path = stepWitness(
      { ...SC_BOUNDS, flow: "entry-check" },
      (before, after) =>
        entries(before).join() === "!1" &&
        entries(after).join() === "!2" &&
        before.coordinator !== after.coordinator,
    );
    // The entry outlives its sync (FinishSync at 10 s: the marker is live until 15 s); at 15 s it is swept.
    expect(path).toEqual([
      "StartSync !1 s1",
      "tick +5s",
      "tick +5s",
      "FinishSync !1 s1 ok",
      "tick +5s",
      "StartSync !2 s1",
    ]);
  });

  it("entry-check: the entry check defers an enqueued reset during a sync, in 3 inputs", () => {
    const path = stepWitness(
      { ...SC_BOUNDS, flow: "entry-check" },
      (before, after, input) =>
        input.startsWith("BeginReset") && before.resets[0] === "enqueued" && after.resets[0] === "pending",
    );
    expect(path).toEqual(["ScheduleReset !1 r1", "StartSync !1 s1", "BeginReset !1 r1"]);
  });

  it("entry-check: a finishing sync drains the pending reset when no sync remains, in 3 inputs", () => {
    const path = stepWitness(
      { ...SC_BOUNDS, flow: "entry-check" },
      (before, after) => before.resets[0] === "pending" && after.resets[0] === "enqueued",
    );
    expect(path).toEqual(["StartSync !1 s1", "ScheduleReset !1 r1", "FinishSync !1 s1 ok"]);
  });

  it("entry-check: the first of two syncs to finish leaves the pending resets pending, in 5 inputs", () => {
    const path = stepWitness(
      { ...SC_BOUNDS, flow: "entry-check" },
      (before, after) =>
        before.syncs[0] === "running" &&
        before.syncs[1] === "running" &&
        after.syncs[0] === "done" &&
        after.resets[0] === "pending" &&
        after.resets[1] === "pending",
    );
    expect(path).toEqual([
      "StartSync !1 s1",
      "StartSync !1 s2",
      "ScheduleReset !1 r1",
      "ScheduleReset !1 r2",
      "FinishSync !1 s1 ok",
    ]);
  });

  it("serial: a reset queued behind a sync is dispatched when the sync finishes, in 3 inputs", () => {
    const path = stepWitness(
      { ...SC_BOUNDS, flow: "serial" },
      (before, after) => before.resets[0] === "queued" && after.resets[0] === "enqueued",
    );
    expect(path).toEqual(["StartSync !1 s1", "ScheduleReset !1 r1", "FinishSync !1 s1 ok"]);
  });
});

describe("the sync-coordinator models: the seed's races, shortest counterexamples", () => {
  it("flag off: the delayed reset worker runs 10 s later during a sync that is still running, in 6 inputs", () => {
    const { result, path } = syncCoordinatorFlagOffResetDuringSyncChecked.check();
    expect(result._tag === "Violation" && result.invariant).toBe(SC_RESET_DURING_SYNC);
    expect(inputsOf(path)).toEqual([
      "initial",
      "StartSync !1 s1",
      "ScheduleReset !1 r1",
      "tick +5s",
      "tick +5s",
      "BeginReset !1 r1",
      "r1 deletes approvals of !1",
    ]);
    const model = syncCoordinatorModel({
      ...SC_LEGACY_BOUNDS,
      flow: "flag-off",
      invariants: [SC_RESET_DURING_SYNC],
    });
    expect(bruteForce(model).violationDepth).toBe(6);
  });

  it("the scenario's legacy code (legacyFlow) gives the same counterexample as the core with the flag off", () => {
    const legacy = syncCoordinatorLegacyTtlChecked.check();
    const flagOff = syncCoordinatorFlagOffResetDuringSyncChecked.check();
    expect(legacy.result._tag).toBe("Violation");
    expect(inputsOf(legacy.path)).toEqual(inputsOf(flagOff.path));
  });

  it("entry-check, the seed's Known limitation: a sync starts between Proceed and the delete, in 4 inputs", () => {
    const { result, path } = syncCoordinatorEntryCheckResetDuringSyncChecked.check();
    expect(result._tag === "Violation" && result.invariant).toBe(SC_RESET_DURING_SYNC);
    expect(inputsOf(path)).toEqual([
      "initial",
      "ScheduleReset !1 r1",
      "BeginReset !1 r1",
      "StartSync !1 s1",
      "r1 deletes approvals of !1",
    ]);
    const model = syncCoordinatorModel({
      ...SC_BOUNDS,
      flow: "entry-check",
      invariants: [SC_RESET_DURING_SYNC],
    });
    expect(bruteForce(model).violationDepth).toBe(4);
    // BeginReset answered Proceed with no sync in progress: the entry check did its job, the gap is after it.
    expect(path?.[2]?.state).toContain("r1:proceeded");
    expect(path?.[2]?.state).toContain("s1:idle");
  });

  it("coordinator-no-entry-check: a sync that starts after the enqueue meets the worker, in 3 inputs", () => {
    const { result, path } = syncCoordinatorNoEntryCheckChecked.check();
    expect(result._tag === "Violation" && result.invariant).toBe(SC_RESET_DURING_SYNC);
    expect(inputsOf(path)).toEqual([
      "initial",
      "ScheduleReset !1 r1",
      "StartSync !1 s1",
      "r1 deletes approvals of !1",
    ]);
    const model = syncCoordinatorModel({
      ...SC_BOUNDS,
      flow: "entry-check",
      worker: "no-entry-check",
      invariants: [SC_RESET_DURING_SYNC],
    });
    expect(bruteForce(model).violationDepth).toBe(3);
  });
});

describe("the sync-coordinator models against a structural BFS and an evicting cache", () => {
  const SMALL: SyncCoordinatorModelOptions = { mrs: 2, syncsPerMr: 1, resetsPerMr: 1, horizonMs: 15_000 };
  const small: readonly (readonly [SyncCoordinatorFlow, SyncCoordinatorModelOptions, number])[] = [
    ["flag-off", { ...SMALL, horizonMs: 20_000 }, 963],
    ["entry-check", SMALL, 648],
    ["serial", SMALL, 878],
    ["legacy-code", { ...SMALL, horizonMs: 20_000 }, 4_532],
  ];

  it.each(small)(
    "%s on a smaller instance: the distinct states equal a structural BFS's",
    (flow, options, n) => {
      const r = expectStateSpaceVerified(syncCoordinatorModel({ ...options, flow }));
      expect(r.states).toBe(bruteForce(syncCoordinatorModel({ ...options, flow })).states);
      expect(r.states).toBe(n);
    },
  );

  it.each(["entry-check", "serial"] as const)("%s: a one-slot cache gives the same space", (flow) => {
    const big = checkStateSpace(syncCoordinatorModel({ ...SMALL, flow }));
    const tiny = checkStateSpace(syncCoordinatorModel({ ...SMALL, flow, cacheSlots: 1 }));
    expect([tiny.states, tiny.transitions, tiny.depth]).toEqual([big.states, big.transitions, big.depth]);
  });
});
