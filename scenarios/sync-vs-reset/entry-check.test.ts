// Example tests for the seed's coordinator behind its feature flag (./entry-check.ts: flag off = the legacy
// route, flag on = the entry check), moved from the core when it kept only the serial coordinator: one block
// per case of seed 000's test plan (../../shared/seeds/000_a68bbd6ee7280424.txt), then overlapping syncs, the
// known limitation, validation, bounds, pruning, Unknown, idempotence and identity. The serial cases stay in
// packages/core/test/sync-coordinator.test.ts.

import type { Machine } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { expectInvalidConfig } from "../../test/support/invalid-config.js";
import {
  beginReset,
  expectOrdinaryMrNames,
  expectProgrammerErrorsAsserted,
  expectRoute,
  expectStartSyncMarksMr,
  expectSweepsExpiredMr,
  finishReset,
  finishSync,
  mrOf,
  NUMBER_FIELD_REFUSALS,
  type Refusal,
  runOf,
  scheduleReset,
  startSync,
} from "../../test/support/sync-coordinator-events.js";
import * as SyncCoordinator from "./entry-check.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;
type Config = SyncCoordinator.Config;

/** The seed's numbers: a 15 s marker, a 10 s reset delay. */
const config: Config = {
  featureFlag: true,
  legacyTtlMs: 15_000,
  legacyResetDelayMs: 10_000,
  mrCountMax: 16,
  pendingPerMrMax: 8,
};

const LEGACY: Partial<Config> = { featureFlag: false };

function start(overrides: Partial<Config> = {}): State {
  return SyncCoordinator.initial({ ...config, ...overrides });
}

const run = runOf(SyncCoordinator);

const enqueue = (mr: string, resetId: string, delayMs = 0): SyncCoordinator.Effect => ({
  _tag: "EnqueueReset",
  mr,
  resetId,
  delayMs,
});

describe("the seed's coordinator (flag off, entry-check)", () => {
  it("satisfies the Machine contract", () => {
    const machine: Machine<State, Event, SyncCoordinator.Result, SyncCoordinator.Effect> = SyncCoordinator;
    expect(machine.transition(start(), scheduleReset("!1", "r1")).effects).toEqual([enqueue("!1", "r1")]);
  });

  describe("CreateService marks the MR temporarily unapproved before the worker is enqueued", () => {
    it.each([["entry-check", {}]])(
      "flag on (%s): StartSync marks the MR at once, for as long as the sync runs",
      (_mode, overrides) => {
        expectStartSyncMarksMr(SyncCoordinator, start(overrides));
      },
    );

    it("flag off: ScheduleReset sets the 15 s marker and enqueues the worker with perform_in(10.seconds)", () => {
      const idle = start(LEGACY);
      const { state, effects, result } = SyncCoordinator.transition(idle, scheduleReset("!1", "r1", 1_000));
      expect(result).toEqual({ _tag: "ResetEnqueued", delayMs: 10_000 });
      expect(effects).toEqual([enqueue("!1", "r1", 10_000)]);
      expect(state.mrs).toEqual({
        "!1": {
          syncs: [],
          pendingResets: [],
          scheduledResets: [],
          runningResets: [],
          unapprovedUntilMs: 16_000,
        },
      });
      expect(SyncCoordinator.isTemporarilyUnapproved(state, "!1", 1_000)).toBe(true);
      expect(SyncCoordinator.isTemporarilyUnapproved(state, "!1", 15_999)).toBe(true);
      expect(SyncCoordinator.isTemporarilyUnapproved(state, "!1", 16_000)).toBe(false); // atMs + 15_000 exactly
    });

    it("flag off: a sync marks nothing (the legacy sync does not know the coordinator)", () => {
      const idle = start(LEGACY);
      const step = SyncCoordinator.transition(idle, startSync("!1", "s1", 1_000));
      expect(step.state).toBe(idle);
      expect(SyncCoordinator.isTemporarilyUnapproved(step.state, "!1", 1_000)).toBe(false);
      expect(SyncCoordinator.syncInProgress(step.state, "!1")).toBe(false);
    });
  });

  describe("a reset scheduled during a sync is deferred and approvals are untouched", () => {
    it("answers ResetDeferred with no effect: no worker runs while the rules are half-built", () => {
      const syncing = run(start(), startSync("!1", "s1", 0));
      const { state, effects, result } = SyncCoordinator.transition(syncing, scheduleReset("!1", "r1", 500));
      expect(result).toEqual({ _tag: "ResetDeferred" });
      expect(effects).toEqual([]);
      expect(mrOf(state, "!1")).toEqual({
        syncs: ["s1"],
        pendingResets: ["r1"],
        scheduledResets: ["r1"],
        runningResets: [],
        unapprovedUntilMs: 15_500,
      });
      expect(SyncCoordinator.isTemporarilyUnapproved(state, "!1", 500)).toBe(true);
    });

    it("without a sync in progress the worker is enqueued at once: no artificial 10 s delay", () => {
      const { effects, result } = SyncCoordinator.transition(start(), scheduleReset("!1", "r1", 500));
      expect(result).toEqual({ _tag: "ResetEnqueued", delayMs: 0 });
      expect(effects).toEqual([enqueue("!1", "r1")]);
    });
  });

  describe("the pending list drains on sync completion", () => {
    it("enqueues every pending reset, FIFO, once the sync finishes", () => {
      const pending = run(
        start(),
        startSync("!1", "s1"),
        scheduleReset("!1", "r1"),
        scheduleReset("!1", "r2"),
        scheduleReset("!2", "r3"), // another MR: not deferred
      );
      expect(mrOf(pending, "!1")?.pendingResets).toEqual(["r1", "r2"]);
      const { state, effects, result } = SyncCoordinator.transition(pending, finishSync("!1", "s1", 100));
      expect(result).toEqual({ _tag: "SyncFinished", route: "coordinator", drained: ["r1", "r2"] });
      expect(effects).toEqual([enqueue("!1", "r1"), enqueue("!1", "r2")]);
      expect(mrOf(state, "!1")).toMatchObject({
        syncs: [],
        pendingResets: [],
        scheduledResets: ["r1", "r2"],
      });
      expect(state.mrs["!2"]).toBe(pending.mrs["!2"]);
      const began = SyncCoordinator.transition(state, beginReset("!1", "r1", 200));
      expect(began.result).toEqual({ _tag: "Proceed" });
      expect(mrOf(began.state, "!1")?.runningResets).toEqual(["r1"]);
      const finished = SyncCoordinator.transition(began.state, finishReset("!1", "r1", 300));
      expect(finished.result).toEqual({ _tag: "ResetFinished" });
      expect(mrOf(finished.state, "!1")).toMatchObject({ scheduledResets: ["r2"], runningResets: [] });
    });
  });

  describe("it drains in the ensure path when the sync raises", () => {
    it("a failed sync drains the pending resets too", () => {
      const pending = run(start(), startSync("!1", "s1"), scheduleReset("!1", "r1"));
      const { state, effects, result } = SyncCoordinator.transition(
        pending,
        finishSync("!1", "s1", 100, "failed"),
      );
      expect(result).toEqual({ _tag: "SyncFinished", route: "coordinator", drained: ["r1"] });
      expect(effects).toEqual([enqueue("!1", "r1")]);
      expect(SyncCoordinator.syncInProgress(state, "!1")).toBe(false);
    });
  });

  describe("the reset service re-checks per MR on entry and defers", () => {
    it("a sync that started between enqueue and execution sends the reset back to pending, drained later", () => {
      const enqueued = SyncCoordinator.transition(start(), scheduleReset("!1", "r1", 0));
      expect(enqueued.effects).toEqual([enqueue("!1", "r1")]);
      const syncing = run(enqueued.state, startSync("!1", "s1", 100));
      const entry = SyncCoordinator.transition(syncing, beginReset("!1", "r1", 200));
      expect(entry.result).toEqual({ _tag: "Deferred" });
      expect(entry.effects).toEqual([]);
      expect(mrOf(entry.state, "!1")).toMatchObject({ pendingResets: ["r1"], runningResets: [] });
      // A stale worker for the pending reset is told to skip too, and cannot finish it.
      const stale = SyncCoordinator.transition(entry.state, beginReset("!1", "r1", 250));
      expect(stale.result).toEqual({ _tag: "Deferred" });
      expect(stale.state).toBe(entry.state);
      expect(SyncCoordinator.transition(entry.state, finishReset("!1", "r1", 250)).result).toEqual({
        _tag: "Unknown",
        what: "reset",
      });
      const drained = SyncCoordinator.transition(entry.state, finishSync("!1", "s1", 300));
      expect(drained.result).toEqual({ _tag: "SyncFinished", route: "coordinator", drained: ["r1"] });
      expect(drained.effects).toEqual([enqueue("!1", "r1")]);
      expect(SyncCoordinator.transition(drained.state, beginReset("!1", "r1", 400)).result).toEqual({
        _tag: "Proceed",
      });
    });
  });

  describe("the sync worker routes by the flag alone", () => {
    it.each([
      [false, "legacy"],
      [true, "coordinator"],
    ] as const)("featureFlag %s → route %s", (featureFlag, route) => {
      const idle = start({ featureFlag });
      expect("mailbox" in idle || "serial" in idle).toBe(false);
      expect(SyncCoordinator.routeOf(idle.config)).toBe(route);
      // Whatever else the MR (or another) has going on, the route stays the config's.
      expectRoute(SyncCoordinator, idle, route);
    });

    it("flag off: the legacy path keeps no sync or reset state and always proceeds", () => {
      const idle = start(LEGACY);
      const events = [
        startSync("!1", "s1"),
        finishSync("!1", "s1"),
        finishSync("!1", "never-started", 0, "failed"),
        beginReset("!1", "r1"),
        finishReset("!1", "r1"),
      ];
      const expected = [
        { _tag: "SyncStarted", route: "legacy", running: true },
        { _tag: "SyncFinished", route: "legacy", drained: [] },
        { _tag: "SyncFinished", route: "legacy", drained: [] },
        { _tag: "Proceed" },
        { _tag: "ResetFinished" },
      ];
      events.forEach((event, index) => {
        const step = SyncCoordinator.transition(idle, event);
        expect(step.result).toEqual(expected[index]);
        expect(step.state).toBe(idle);
        expect(step.effects).toEqual([]);
      });
      // A sync in progress does not stop a legacy reset: no deferral, no entry check, no drain.
      const syncing = run(idle, startSync("!1", "s1"));
      expect(SyncCoordinator.transition(syncing, scheduleReset("!1", "r1")).effects).toEqual([
        enqueue("!1", "r1", 10_000),
      ]);
      expect(SyncCoordinator.transition(syncing, beginReset("!1", "r1")).result).toEqual({ _tag: "Proceed" });
    });
  });

  describe("MergeRequestResetApprovalsWorker executes regardless of sync state (coordinator handles ordering)", () => {
    it("flag off: the worker runs and finishes during a sync — no deferral; only the legacy key blocks the merge", () => {
      const syncing = run(start(LEGACY), startSync("!1", "s1", 0), scheduleReset("!1", "r1", 0));
      expect(SyncCoordinator.syncInProgress(syncing, "!1")).toBe(false); // the legacy path tracks no sync
      const begun = SyncCoordinator.transition(syncing, beginReset("!1", "r1", 10_000));
      expect(begun.result).toEqual({ _tag: "Proceed" });
      const finished = SyncCoordinator.transition(begun.state, finishReset("!1", "r1", 10_100));
      expect(finished.result).toEqual({ _tag: "ResetFinished" });
      expect(finished.effects).toEqual([]);
      // What keeps the MR from merging meanwhile is the legacy 15 s key alone, whatever the sync is doing.
      expect(SyncCoordinator.isTemporarilyUnapproved(finished.state, "!1", 14_999)).toBe(true);
      expect(SyncCoordinator.isTemporarilyUnapproved(finished.state, "!1", 15_000)).toBe(false);
    });

    it("flag on: the worker itself runs whatever the sync state; ordering comes from when the coordinator enqueues it", () => {
      // Enqueued with no sync in progress; a sync starts before the worker runs. The worker (not the
      // service's entry check) does not look: it finishes its reset while the sync is in progress.
      const enqueued = run(start(), scheduleReset("!1", "r1", 0), startSync("!1", "s1", 5));
      expect(SyncCoordinator.syncInProgress(enqueued, "!1")).toBe(true);
      const finished = SyncCoordinator.transition(enqueued, finishReset("!1", "r1", 10));
      expect(finished.result).toEqual({ _tag: "ResetFinished" });
      // The ordering is the coordinator's: a reset scheduled during a sync is not enqueued at all …
      const deferred = SyncCoordinator.transition(finished.state, scheduleReset("!1", "r2", 11));
      expect(deferred.result).toEqual({ _tag: "ResetDeferred" });
      expect(deferred.effects).toEqual([]);
      // … until the sync finishes and drains it.
      expect(SyncCoordinator.transition(deferred.state, finishSync("!1", "s1", 12)).effects).toEqual([
        enqueue("!1", "r2"),
      ]);
    });
  });

  describe("overlapping syncs", () => {
    it("two syncs of one MR may overlap; pending resets drain only when the last one finishes", () => {
      const state = run(start(), startSync("!1", "s1"), startSync("!1", "s2"), scheduleReset("!1", "r1"));
      expect(mrOf(state, "!1")?.syncs).toEqual(["s1", "s2"]);
      const first = SyncCoordinator.transition(state, finishSync("!1", "s2"));
      expect(first.result).toEqual({ _tag: "SyncFinished", route: "coordinator", drained: [] });
      expect(first.effects).toEqual([]);
      expect(SyncCoordinator.syncInProgress(first.state, "!1")).toBe(true);
      expect(SyncCoordinator.transition(first.state, scheduleReset("!1", "r2")).result).toEqual({
        _tag: "ResetDeferred",
      });
      const last = SyncCoordinator.transition(first.state, finishSync("!1", "s1"));
      expect(last.result).toEqual({ _tag: "SyncFinished", route: "coordinator", drained: ["r1"] });
      expect(last.effects).toEqual([enqueue("!1", "r1")]);
    });
  });

  describe("known limitation: a sync may start after the entry check", () => {
    it("entry-check: BeginReset → Proceed, then StartSync succeeds while the reset runs", () => {
      const running = run(start(), scheduleReset("!1", "r1"), beginReset("!1", "r1"));
      const { state, result } = SyncCoordinator.transition(running, startSync("!1", "s1", 10));
      expect(result).toEqual({ _tag: "SyncStarted", route: "coordinator", running: true });
      // The machine does not prevent it: the reset deletes approvals while the rules are rebuilt.
      expect(mrOf(state, "!1")).toMatchObject({ syncs: ["s1"], runningResets: ["r1"] });
      expect(SyncCoordinator.syncInProgress(state, "!1")).toBe(true);
    });
  });

  describe("config validation", () => {
    it("starts empty", () => {
      expect(start()).toEqual({ config, mrs: {} });
      expect(start(LEGACY)).toEqual({ config: { ...config, featureFlag: false }, mrs: {} });
    });

    it.each<Refusal>([
      [
        { featureFlag: "yes" },
        "featureFlag",
        'SyncCoordinator config: featureFlag ("yes") must be a boolean',
      ],
      [
        { featureFlag: undefined },
        "featureFlag",
        "SyncCoordinator config: featureFlag (undefined) must be a boolean",
      ],
      ...NUMBER_FIELD_REFUSALS,
    ])("refuses %o naming the field %s", (override, field, message) => {
      expectInvalidConfig(
        () => SyncCoordinator.initial({ ...config, ...override } as Config),
        field,
        message,
      );
    });

    it("accepts legacyResetDelayMs 0", () => {
      expect(start({ legacyResetDelayMs: 0 }).config.legacyResetDelayMs).toBe(0);
    });
  });

  describe("Rejected leaves the same state object", () => {
    it.each([
      ["entry-check", {}],
      ["flag off", LEGACY],
    ])("%s: a new MR beyond mrCountMax is refused (mr-limit)", (_name, overrides) => {
      const full = run(start({ ...overrides, mrCountMax: 1 }), scheduleReset("!1", "r1", 0));
      for (const event of [scheduleReset("!2", "r2", 1_000), startSync("!2", "s2", 1_000)]) {
        const step = SyncCoordinator.transition(full, event);
        if (overrides === LEGACY && event._tag === "StartSync") {
          expect(step.result._tag).toBe("SyncStarted"); // legacy syncs keep no state
        } else {
          expect(step.result).toEqual({ _tag: "Rejected", reason: "mr-limit" });
        }
        expect(step.state).toBe(full);
        expect(step.effects).toEqual([]);
      }
    });

    it("entry-check: syncs and scheduled resets per MR are bounded by pendingPerMrMax (pending-full)", () => {
      const full = run(
        start({ pendingPerMrMax: 2 }),
        startSync("!1", "s1"),
        startSync("!1", "s2"),
        scheduleReset("!1", "r1"),
        scheduleReset("!1", "r2"),
      );
      for (const event of [startSync("!1", "s3"), scheduleReset("!1", "r3")]) {
        const step = SyncCoordinator.transition(full, event);
        expect(step.result).toEqual({ _tag: "Rejected", reason: "pending-full" });
        expect(step.state).toBe(full);
        expect(step.effects).toEqual([]);
      }
      // Repeats of known ids are still answered.
      expect(SyncCoordinator.transition(full, scheduleReset("!1", "r1")).result).toEqual({
        _tag: "ResetDeferred",
      });
    });
  });

  describe("pruning", () => {
    it("keeps an idle MR while its marker is live, removes it on a later change once the marker expired", () => {
      const finished = run(start(), startSync("!1", "s1", 0), finishSync("!1", "s1", 1_000));
      expect(mrOf(finished, "!1")).toEqual({
        syncs: [],
        pendingResets: [],
        scheduledResets: [],
        runningResets: [],
        unapprovedUntilMs: 15_000,
      });
      const late = run(start(), scheduleReset("!1", "r1", 0), finishReset("!1", "r1", 15_000));
      expect(late.mrs).toEqual({});
    });

    it.each([
      ["entry-check", {}],
      ["flag off", LEGACY],
    ])(
      "%s: a new MR at mrCountMax sweeps MRs whose marker expired, never MRs with work",
      (_name, overrides) => {
        const state = run(
          start({ ...overrides, mrCountMax: 2 }),
          scheduleReset("!1", "r1", 0),
          scheduleReset("!2", "r2", 5_000),
        );
        if (overrides !== LEGACY) {
          // !1's reset is not finished: it stays, whatever its marker says.
          const refused = SyncCoordinator.transition(state, scheduleReset("!3", "r3", 60_000));
          expect(refused.result).toEqual({ _tag: "Rejected", reason: "mr-limit" });
        }
        const done = overrides === LEGACY ? state : run(state, finishReset("!1", "r1", 1_000));
        expectSweepsExpiredMr(SyncCoordinator, done);
      },
    );
  });

  describe("Unknown", () => {
    it("entry-check: Finish/Begin for ids outside the expected set change nothing", () => {
      const state = run(
        start(),
        scheduleReset("!1", "r-running"),
        beginReset("!1", "r-running"),
        startSync("!1", "s1"),
        scheduleReset("!1", "r-pending"),
      );
      const cases: [Event, "sync" | "reset"][] = [
        [finishSync("!1", "nope"), "sync"],
        [finishSync("!9", "s1"), "sync"], // sync ids are scoped to their MR
        [beginReset("!1", "nope"), "reset"],
        [beginReset("!1", "r-running"), "reset"], // already running
        [finishReset("!1", "nope"), "reset"],
        [finishReset("!1", "r-pending"), "reset"], // pending: no worker holds it
        [finishReset("!9", "r-running"), "reset"],
      ];
      for (const [event, what] of cases) {
        const step = SyncCoordinator.transition(state, event);
        expect(step.result).toEqual({ _tag: "Unknown", what });
        expect(step.state).toBe(state);
        expect(step.effects).toEqual([]);
      }
    });

    it("entry-check: FinishSync of an unknown id still drains when no sync remains (the ensure path)", () => {
      // Not reachable through transitions (drains happen when the last sync finishes), but state can come
      // from elsewhere (a store written by another version): the ensure path must never strand a reset.
      const stranded: State = {
        ...start(),
        mrs: {
          "!1": {
            syncs: [],
            pendingResets: ["r1"],
            scheduledResets: ["r1"],
            runningResets: [],
            unapprovedUntilMs: 15_000,
          },
        },
      };
      const { state, effects, result } = SyncCoordinator.transition(stranded, finishSync("!1", "gone", 100));
      expect(result).toEqual({ _tag: "Unknown", what: "sync" });
      expect(effects).toEqual([enqueue("!1", "r1")]);
      expect(mrOf(state, "!1")).toMatchObject({ pendingResets: [], scheduledResets: ["r1"] });
    });
  });

  describe("idempotent repeats", () => {
    it("entry-check: a repeated StartSync or ScheduleReset changes nothing and reports the id's stage", () => {
      const state = run(
        start(),
        scheduleReset("!1", "r-enqueued", 0),
        startSync("!1", "s1", 0),
        scheduleReset("!1", "r-pending", 0),
      );
      const cases: [Event, SyncCoordinator.Result][] = [
        [startSync("!1", "s1", 5_000), { _tag: "SyncStarted", route: "coordinator", running: true }],
        [scheduleReset("!1", "r-pending", 5_000), { _tag: "ResetDeferred" }],
        [scheduleReset("!1", "r-enqueued", 5_000), { _tag: "ResetEnqueued", delayMs: 0 }],
      ];
      for (const [event, result] of cases) {
        const step = SyncCoordinator.transition(state, event);
        expect(step.result).toEqual(result);
        expect(step.state).toBe(state); // the marker is not refreshed either
        expect(step.effects).toEqual([]); // the worker was enqueued by the first call
      }
    });

    it("flag off: every ScheduleReset enqueues (legacy keeps no ids); the same atMs leaves the same state", () => {
      const once = run(start(LEGACY), scheduleReset("!1", "r1", 1_000));
      const twice = SyncCoordinator.transition(once, scheduleReset("!1", "r1", 1_000));
      expect(twice.effects).toEqual([enqueue("!1", "r1", 10_000)]);
      expect(twice.state).toBe(once);
      const later = SyncCoordinator.transition(once, scheduleReset("!1", "r1", 2_000));
      expect(mrOf(later.state, "!1")?.unapprovedUntilMs).toBe(17_000);
    });
  });

  describe("identity and data", () => {
    it("keeps untouched MRs' identity and treats MR names like Object.prototype members as ordinary", () => {
      for (const overrides of [{}, LEGACY]) {
        expectOrdinaryMrNames(
          SyncCoordinator,
          start(overrides),
          overrides === LEGACY ? ["__proto__", "toString"] : ["__proto__", "constructor", "toString"],
        );
      }
    });
  });

  it("asserts on programmer errors in events and queries", () => {
    expectProgrammerErrorsAsserted(SyncCoordinator, start());
  });
});
