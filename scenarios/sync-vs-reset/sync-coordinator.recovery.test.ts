/**
 * The recovery models of the serial coordinator (./sync-coordinator.recovery.ts, issue 19 "Nothing can
 * wedge"): the order leases verified at the registered bounds, the two bugs they exist to catch found with
 * their shortest counterexamples (pinned), walks through the verified space that show what it contains (a dead
 * sync's MR moving on, a stopped worker fenced out), and the fingerprint checked against a structural BFS.
 */
import { checkStateSpace, type StateSpaceModel } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import {
  RECOVERY_PROMISES,
  type RecoveryInput,
  type RecoveryModelOptions,
  type RecoveryState,
  SC_NO_WEDGE,
  SC_ONE_LIVE_HOLDER,
  syncCoordinatorModels,
  syncCoordinatorRecoveryModel,
} from "./sync-coordinator.model.js";

const byName = (name: string) => {
  const model = syncCoordinatorModels.find((m) => m.name === name);
  if (model === undefined) throw new Error(`no model ${name}`);
  return model;
};

/** Follows `labels` (the model's input descriptions) from the initial state; every invariant must hold. */
function walk(
  model: StateSpaceModel<RecoveryState, RecoveryInput>,
  labels: readonly string[],
): RecoveryState {
  let state = model.initial as RecoveryState;
  for (const label of labels) {
    const input = [...model.inputs(state)].find((i) => model.describe?.(i) === label);
    if (input === undefined) throw new Error(`no input "${label}"`);
    const next = model.next(state, input);
    if (next === null) throw new Error(`"${label}" is not enabled at ${model.describeState?.(state)}`);
    state = next;
    for (const invariant of model.invariants) {
      expect(invariant.holds(state), `${invariant.name} after "${label}"`).toBe(true);
    }
  }
  return state;
}

describe("the recovery models (issue 19): order leases verified, the bugs found", () => {
  it("registers the recovery as a pass model and the two bugs as violation models", () => {
    expect(
      syncCoordinatorModels
        .filter((m) => m.name.startsWith("sync-coordinator-serial-"))
        .map((m) => [m.name, m.expect]),
    ).toEqual([
      ["sync-coordinator-serial-recovery", "pass"],
      ["sync-coordinator-serial-no-lease", "violation"],
      ["sync-coordinator-serial-unfenced-reset-worker", "violation"],
    ]);
    expect(syncCoordinatorRecoveryModel().invariants.map((i) => i.name)).toEqual(RECOVERY_PROMISES);
  });

  it("before issue 19 (no lease expires): a dead sync wedges its MR, in 4 inputs", () => {
    const { result, path } = byName("sync-coordinator-serial-no-lease").check();
    expect(result._tag === "Violation" && result.invariant).toBe(SC_NO_WEDGE);
    expect(path?.map((step) => step.input)).toEqual([
      "initial",
      "StartSync !1 s1",
      "tick +1s (Expire every MR)",
      "tick +1s (Expire every MR)",
      "ScheduleReset !1 r1",
    ]);
  });

  it("a reset worker without its token: the stopped worker's FinishReset ends the new worker's order, in 7 inputs", () => {
    const { result, path } = byName("sync-coordinator-serial-unfenced-reset-worker").check();
    expect(result._tag === "Violation" && result.invariant).toBe(SC_ONE_LIVE_HOLDER);
    expect(path?.map((step) => step.input)).toEqual([
      "initial",
      "ScheduleReset !1 r1",
      "tick +1s (Expire every MR)",
      "StartSync !1 s1",
      "BeginReset !1 r1",
      "tick +1s (Expire every MR)",
      "r1's stale worker deletes approvals",
      "r1's stale worker: FinishReset",
    ]);
  });
});

describe("the recovery model: what the verified space contains (non-vacuity)", () => {
  const model = syncCoordinatorRecoveryModel();

  it("a sync killed after writing half the rules: its MR moves on at the lease's end, its late writes are fenced out", () => {
    const state = walk(model, [
      "StartSync !1 s1",
      "s1 writes the rules of !1",
      "ScheduleReset !1 r1",
      "tick +1s (Expire every MR)",
      "tick +1s (Expire every MR)", // s1's lease (token 1) expired: the sync failed, r1 runs under token 2
      "BeginReset !1 r1",
      "r1 deletes approvals of !1", // accepted: the half-built rules belong to a dead sync
      "s1 completes the rules, FinishSync", // the resumed sync: its write is rejected (1 < 2), it learns it lost
      "FinishReset !1 r1",
    ]);
    expect(state.syncs[0]).toMatchObject({ stage: "lost", token: 1 });
    expect(state.resets[0]).toMatchObject({ stage: "finished", token: 2 });
    expect(state.store[0]).toEqual({ fence: 2, halfBuiltBy: 1 });
    expect(state.coordinator.mrs["!1"]?.lease ?? null).toBeNull();
  });

  it("a reset worker stopped past its lease: dispatched again, its old token gets Stale, the new one finishes", () => {
    const state = walk(model, [
      "ScheduleReset !1 r1",
      "BeginReset !1 r1",
      "tick +1s (Expire every MR)",
      "tick +1s (Expire every MR)", // r1 dispatched again under token 2; the old worker holds token 1
      "r1's stale worker deletes approvals", // accepted: nothing newer wrote yet (a reset deletes idempotently)
      "BeginReset !1 r1",
      "r1 deletes approvals of !1",
      "r1's stale worker: FinishReset", // Stale: the order is not ended by the stopped worker
      "FinishReset !1 r1",
    ]);
    expect(state.resets[0]).toMatchObject({ stage: "finished", token: 2, stale: null });
    expect(state.coordinator.mrs["!1"]?.scheduledResets ?? []).toEqual([]);
  });

  it("a holder that heartbeats keeps its order past the first lease", () => {
    const state = walk(model, [
      "StartSync !1 s1",
      "ScheduleReset !1 r1",
      "tick +1s (Expire every MR)",
      "s1 heartbeats", // at 1 s: the lease now ends at 3 s
      "tick +1s (Expire every MR)", // 2 s, the first lease's end: s1 keeps the MR
    ]);
    expect(state.syncs[0]).toMatchObject({ stage: "running", renewedMs: 1_000 });
    expect(state.resets[0]!.stage).toBe("queued");
    // Without the heartbeat, the same clock reclaims it.
    const lapsed = walk(model, [
      "StartSync !1 s1",
      "ScheduleReset !1 r1",
      "tick +1s (Expire every MR)",
      "tick +1s (Expire every MR)",
    ]);
    expect(lapsed.resets[0]!.stage).toBe("dispatched");
  });

  it("on smaller instances the distinct states equal a structural BFS's (the fingerprint is exact)", () => {
    const small: readonly RecoveryModelOptions[] = [
      { resetsPerMr: 1, horizonMs: 4_000 },
      { syncsPerMr: 2, resetsPerMr: 1, horizonMs: 2_000 },
      { mrs: 2, resetsPerMr: 1, horizonMs: 2_000, mrCountMax: 1 },
    ];
    for (const options of small) {
      const brute = bruteForce(syncCoordinatorRecoveryModel(options));
      const checked = checkStateSpace(syncCoordinatorRecoveryModel(options));
      expect(brute.violationDepth, JSON.stringify(options)).toBeNull();
      expect(checked._tag, JSON.stringify(options)).toBe("Verified");
      expect(checked.states, JSON.stringify(options)).toBe(brute.states);
    }
  });
});
