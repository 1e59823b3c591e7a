// Example tests for SyncCoordinator (the serial coordinator), one block per case of seed 000's test plan
// (../shared/seeds/000_a68bbd6ee7280424.txt) it keeps, then the serial queue, the known limitation closed,
// validation (with the deprecated fields), bounds, pruning, Unknown, idempotence and identity. The seed's
// racy routes (flag off, entry-check) and their tests live in scenarios/sync-vs-reset/entry-check.test.ts.

import { type Machine, Mailbox, SyncCoordinator } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { expectInvalidConfig } from "../../../test/support/invalid-config.js";
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
} from "../../../test/support/sync-coordinator-events.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;
type Config = SyncCoordinator.Config;

/** The seed's numbers: a 15 s marker. */
const config: Config = { legacyTtlMs: 15_000, mrCountMax: 16, pendingPerMrMax: 8 };

function start(overrides: Partial<Config> = {}): State {
  return SyncCoordinator.initial({ ...config, ...overrides });
}

const run = runOf(SyncCoordinator);

describe("SyncCoordinator", () => {
  it("satisfies the Machine contract", () => {
    const machine: Machine<State, Event, SyncCoordinator.Result, SyncCoordinator.Effect> = SyncCoordinator;
    expect(machine.transition(start(), scheduleReset("!1", "r1")).effects).toEqual([
      { _tag: "RunReset", mr: "!1", resetId: "r1", token: 1, expiresAtMs: 30_000 },
    ]);
  });

  describe("CreateService marks the MR temporarily unapproved before the worker is enqueued", () => {
    it("StartSync marks the MR at once, for as long as the sync runs", () => {
      expectStartSyncMarksMr(SyncCoordinator, start());
    });
  });

  describe("it drains in the ensure path when the sync raises", () => {
    it("serial: a failed sync frees the MR for the next order", () => {
      const queued = run(start(), startSync("!1", "s1"), scheduleReset("!1", "r1"));
      const { effects, result } = SyncCoordinator.transition(queued, finishSync("!1", "s1", 100, "failed"));
      expect(result).toEqual({ _tag: "SyncFinished", route: "serial", drained: ["r1"] });
      expect(effects).toEqual([{ _tag: "RunReset", mr: "!1", resetId: "r1", token: 2, expiresAtMs: 30_100 }]);
    });
  });

  describe("the sync worker: one route", () => {
    it.each([
      [{}],
      [{ featureFlag: true }],
      [{ mode: "serial" }],
      [{ featureFlag: true, mode: "serial", legacyResetDelayMs: 10_000 }],
    ] as const)("deprecated fields %o are accepted and ignored → route serial", (deprecated) => {
      const idle = start(deprecated);
      expect(idle).toEqual(start());
      // Whatever else the MR (or another) has going on, the route stays serial.
      expectRoute(SyncCoordinator, idle, "serial");
    });
  });

  describe("serial mode", () => {
    it("builds its Mailbox: Sync and Reset FIFO, one order per MR, MRs independent", () => {
      const state = start({ mrCountMax: 7, pendingPerMrMax: 3 });
      expect(state.mailbox).toEqual(
        Mailbox.initial({
          policy: Mailbox.fifoPolicy(["Sync", "Reset"]),
          inFlightMax: 7,
          pendingPerKeyMax: 3,
          keylessPendingMax: 1,
          keyCountMax: 7,
        }),
      );
    });

    it("a reset scheduled during a sync gets RunReset only after FinishSync", () => {
      const started = SyncCoordinator.transition(start(), startSync("!1", "s1"));
      expect(started.result).toEqual({ _tag: "SyncStarted", route: "serial", running: true });
      expect(started.effects).toEqual([
        { _tag: "RunSync", mr: "!1", syncId: "s1", token: 1, expiresAtMs: 30_000 },
      ]);
      const queued = SyncCoordinator.transition(started.state, scheduleReset("!1", "r1", 100));
      expect(queued.result).toEqual({ _tag: "ResetQueued", running: false });
      expect(queued.effects).toEqual([]);
      expect(mrOf(queued.state, "!1")).toEqual({
        scheduledResets: ["r1"],
        runningResets: [],
        unapprovedUntilMs: 15_100,
        lease: { token: 1, expiresAtMs: 30_000 },
      });
      // A worker that jumped the queue is told to skip; the order stays queued.
      const early = SyncCoordinator.transition(queued.state, beginReset("!1", "r1", 150));
      expect(early.result).toEqual({ _tag: "Deferred" });
      expect(early.state).toBe(queued.state);
      const finished = SyncCoordinator.transition(queued.state, finishSync("!1", "s1", 200));
      expect(finished.result).toEqual({ _tag: "SyncFinished", route: "serial", drained: ["r1"] });
      expect(finished.effects).toEqual([
        { _tag: "RunReset", mr: "!1", resetId: "r1", token: 2, expiresAtMs: 30_200 },
      ]);
      expect(SyncCoordinator.transition(finished.state, beginReset("!1", "r1", 300)).result).toEqual({
        _tag: "Proceed",
      });
    });

    it("a sync started during a running reset gets RunSync only after FinishReset", () => {
      const scheduled = SyncCoordinator.transition(start(), scheduleReset("!1", "r1"));
      expect(scheduled.result).toEqual({ _tag: "ResetQueued", running: true });
      expect(scheduled.effects).toEqual([
        { _tag: "RunReset", mr: "!1", resetId: "r1", token: 1, expiresAtMs: 30_000 },
      ]);
      const running = run(scheduled.state, beginReset("!1", "r1"));
      const waiting = SyncCoordinator.transition(running, startSync("!1", "s1", 100));
      expect(waiting.result).toEqual({ _tag: "SyncStarted", route: "serial", running: false });
      expect(waiting.effects).toEqual([]);
      expect(SyncCoordinator.syncInProgress(waiting.state, "!1")).toBe(false);
      const finished = SyncCoordinator.transition(waiting.state, finishReset("!1", "r1", 200));
      expect(finished.result).toEqual({ _tag: "ResetFinished" });
      expect(finished.effects).toEqual([
        { _tag: "RunSync", mr: "!1", syncId: "s1", token: 2, expiresAtMs: 30_200 },
      ]);
      expect(SyncCoordinator.syncInProgress(finished.state, "!1")).toBe(true);
      expect(mrOf(finished.state, "!1")).toMatchObject({ scheduledResets: [], runningResets: [] });
    });

    it("runs an MR's orders in arrival order, one at a time", () => {
      let state = run(
        start(),
        startSync("!1", "s1"),
        scheduleReset("!1", "r1"),
        startSync("!1", "s2"),
        scheduleReset("!1", "r2"),
      );
      const order: string[] = [];
      for (const event of [
        finishSync("!1", "s1"),
        finishReset("!1", "r1"),
        finishSync("!1", "s2"),
        finishReset("!1", "r2"),
      ]) {
        const step = SyncCoordinator.transition(state, event);
        expect(step.result._tag).not.toBe("Unknown");
        for (const effect of step.effects) {
          order.push(
            effect._tag === "RunSync" ? effect.syncId : effect._tag === "RunReset" ? effect.resetId : "?",
          );
        }
        state = step.state;
      }
      expect(order).toEqual(["r1", "s2", "r2"]);
      expect(state.mailbox.keys).toEqual({});
      expect(SyncCoordinator.isTemporarilyUnapproved(state, "!1", 0)).toBe(true); // the marker
      expect(SyncCoordinator.isTemporarilyUnapproved(state, "!1", 15_000)).toBe(false);
    });

    it("MRs are independent, and ids are scoped to their MR and kind", () => {
      const syncing = run(start(), startSync("!1", "x"));
      const other = SyncCoordinator.transition(syncing, scheduleReset("!2", "x"));
      expect(other.result).toEqual({ _tag: "ResetQueued", running: true });
      const sameMr = SyncCoordinator.transition(other.state, scheduleReset("!1", "x"));
      expect(sameMr.result).toEqual({ _tag: "ResetQueued", running: false });
      const otherSync = SyncCoordinator.transition(sameMr.state, startSync("!2", "x"));
      expect(otherSync.result).toEqual({ _tag: "SyncStarted", route: "serial", running: false });
    });
  });

  describe("known limitation closed: a sync may not start after the entry check", () => {
    it("serial: the same sequence leaves the sync waiting until the reset finishes", () => {
      const running = run(start(), scheduleReset("!1", "r1"), beginReset("!1", "r1"));
      const { state, result, effects } = SyncCoordinator.transition(running, startSync("!1", "s1", 10));
      expect(result).toEqual({ _tag: "SyncStarted", route: "serial", running: false });
      expect(effects).toEqual([]);
      expect(SyncCoordinator.syncInProgress(state, "!1")).toBe(false);
      expect(SyncCoordinator.transition(state, finishReset("!1", "r1", 20)).effects).toEqual([
        { _tag: "RunSync", mr: "!1", syncId: "s1", token: 2, expiresAtMs: 30_020 },
      ]);
    });
  });

  describe("config validation", () => {
    it("starts empty, with its Mailbox", () => {
      expect(start()).toEqual({
        config: { ...config, leaseTtlMs: 30_000 },
        mrs: {},
        lastToken: 0,
        mailbox: Mailbox.initial({
          policy: Mailbox.fifoPolicy(["Sync", "Reset"]),
          inFlightMax: 16,
          pendingPerKeyMax: 8,
          keylessPendingMax: 1,
          keyCountMax: 16,
        }),
      });
    });

    it("legacyTtlMs defaults to the seed's 15 s", () => {
      expect(SyncCoordinator.initial({ mrCountMax: 16, pendingPerMrMax: 8 })).toEqual(start());
    });

    it.each<Refusal>([
      [
        { featureFlag: false },
        "featureFlag",
        "SyncCoordinator config: featureFlag (false): the racy route is a seed reproduction that lives in scenarios/sync-vs-reset; the core has only the serial coordinator",
      ],
      [
        { mode: "entry-check" },
        "mode",
        'SyncCoordinator config: mode ("entry-check"): the racy route is a seed reproduction that lives in scenarios/sync-vs-reset; the core has only the serial coordinator',
      ],
      [
        { featureFlag: "yes" },
        "featureFlag",
        'SyncCoordinator config: featureFlag ("yes"): deprecated, omit it (only true is accepted)',
      ],
      [
        { mode: "strict" },
        "mode",
        'SyncCoordinator config: mode ("strict"): deprecated, omit it (only "serial" is accepted)',
      ],
      ...NUMBER_FIELD_REFUSALS,
    ])("refuses %o naming the field %s", (override, field, message) => {
      expectInvalidConfig(
        () => SyncCoordinator.initial({ ...config, ...override } as unknown as Config),
        field,
        message,
      );
    });

    it("accepts legacyResetDelayMs 0 (deprecated, ignored)", () => {
      expect(start({ legacyResetDelayMs: 0 })).toEqual(start());
    });
  });

  describe("Rejected leaves the same state object", () => {
    it("a new MR beyond mrCountMax is refused (mr-limit)", () => {
      const full = run(start({ mrCountMax: 1 }), scheduleReset("!1", "r1", 0));
      for (const event of [scheduleReset("!2", "r2", 1_000), startSync("!2", "s2", 1_000)]) {
        const step = SyncCoordinator.transition(full, event);
        expect(step.result).toEqual({ _tag: "Rejected", reason: "mr-limit" });
        expect(step.state).toBe(full);
        expect(step.effects).toEqual([]);
      }
    });

    it("serial: orders queued behind the one in flight are bounded by pendingPerMrMax (pending-full)", () => {
      const full = run(
        start({ pendingPerMrMax: 2 }),
        startSync("!1", "s1"),
        scheduleReset("!1", "r1"),
        startSync("!1", "s2"),
      );
      for (const event of [startSync("!1", "s3", 5), scheduleReset("!1", "r3", 5)]) {
        const step = SyncCoordinator.transition(full, event);
        expect(step.result).toEqual({ _tag: "Rejected", reason: "pending-full" });
        expect(step.state).toBe(full);
      }
    });
  });

  describe("pruning", () => {
    it("removes an idle MR on a later change once the marker expired", () => {
      const lateSync = run(start(), startSync("!1", "s1", 0), finishSync("!1", "s1", 20_000));
      expect(lateSync.mrs).toEqual({});
    });

    it("a new MR at mrCountMax sweeps MRs whose marker expired, never MRs with work", () => {
      const state = run(
        start({ mrCountMax: 2 }),
        scheduleReset("!1", "r1", 0),
        scheduleReset("!2", "r2", 5_000),
      );
      // !1's reset is not finished: it stays, whatever its marker says.
      const refused = SyncCoordinator.transition(state, scheduleReset("!3", "r3", 60_000));
      expect(refused.result).toEqual({ _tag: "Rejected", reason: "mr-limit" });
      const done = run(state, finishReset("!1", "r1", 1_000));
      expectSweepsExpiredMr(SyncCoordinator, done);
    });
  });

  describe("Unknown", () => {
    it("serial: a sync or reset that is queued (not dispatched) cannot finish; unknown ids neither", () => {
      const state = run(start(), scheduleReset("!1", "r1"), startSync("!1", "s1"), scheduleReset("!1", "r2"));
      const cases: [Event, "sync" | "reset"][] = [
        [finishSync("!1", "s1"), "sync"],
        [finishSync("!1", "nope"), "sync"],
        [finishReset("!1", "r2"), "reset"],
        [finishReset("!1", "nope"), "reset"],
        [beginReset("!1", "nope"), "reset"],
        [beginReset("!2", "r1"), "reset"],
      ];
      for (const [event, what] of cases) {
        const step = SyncCoordinator.transition(state, event);
        expect(step.result).toEqual({ _tag: "Unknown", what });
        expect(step.state).toBe(state);
      }
    });
  });

  describe("idempotent repeats", () => {
    it("serial: a repeated StartSync or ScheduleReset changes nothing and reports whether it runs", () => {
      const state = run(start(), startSync("!1", "s1"), scheduleReset("!1", "r1"), startSync("!1", "s2"));
      const cases: [Event, SyncCoordinator.Result][] = [
        [startSync("!1", "s1"), { _tag: "SyncStarted", route: "serial", running: true }],
        [startSync("!1", "s2"), { _tag: "SyncStarted", route: "serial", running: false }],
        [scheduleReset("!1", "r1"), { _tag: "ResetQueued", running: false }],
      ];
      for (const [event, result] of cases) {
        const step = SyncCoordinator.transition(state, event);
        expect(step.result).toEqual(result);
        expect(step.state).toBe(state);
        expect(step.effects).toEqual([]);
      }
      const running = run(state, finishSync("!1", "s1"), beginReset("!1", "r1"));
      const again = SyncCoordinator.transition(running, beginReset("!1", "r1"));
      expect(again.result).toEqual({ _tag: "Proceed" }); // it still holds the MR
      expect(again.state).toBe(running);
      expect(SyncCoordinator.transition(running, scheduleReset("!1", "r1")).result).toEqual({
        _tag: "ResetQueued",
        running: true,
      });
    });
  });

  describe("identity and data", () => {
    it("keeps untouched MRs' identity and treats MR names like Object.prototype members as ordinary", () => {
      for (const overrides of [{}, { featureFlag: true, mode: "serial" } as const]) {
        expectOrdinaryMrNames(SyncCoordinator, start(overrides), ["__proto__", "constructor", "toString"]);
      }
    });
  });

  it("asserts on programmer errors in events and queries", () => {
    expectProgrammerErrorsAsserted(SyncCoordinator, start());
  });
});
