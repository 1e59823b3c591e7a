// The SyncCoordinator's order leases (issue 19, "Nothing can wedge"): the order in flight holds a fenced lease;
// a holder that dies is reclaimed once the lease expires — a sync completes as failed and frees the MR, a reset
// is dispatched again under a new token — and the late holder's fenced events answer Stale. The exhaustive
// check of the same recovery is the `sync-coordinator-serial-recovery` model (scenarios/sync-vs-reset).

import { AssertionError, InvalidConfigError, SyncCoordinator } from "@interleave/core";
import { describe, expect, it } from "vitest";
import {
  beginReset,
  finishReset,
  finishSync,
  runOf,
  scheduleReset,
  startSync,
} from "../../../test/support/sync-coordinator-events.js";

type State = SyncCoordinator.State;
type Event = SyncCoordinator.Event;

const config: SyncCoordinator.Config = { mrCountMax: 4, pendingPerMrMax: 4, leaseTtlMs: 1_000 };
const start = (): State => SyncCoordinator.initial(config);
const run = runOf(SyncCoordinator);
const step = (state: State, event: Event) => SyncCoordinator.transition(state, event);

const heartbeat = (mr: string, token: number, atMs: number): Event => ({
  _tag: "Heartbeat",
  mr,
  token,
  atMs,
});
const expire = (mr: string, atMs: number): Event => ({ _tag: "Expire", mr, atMs });
const fenced = <E extends Event>(event: E, token: number): E => ({ ...event, token });

describe("SyncCoordinator order leases", () => {
  it("RunSync carries the lease; Heartbeat renews it; the holder finishes with its token", () => {
    const started = step(start(), startSync("!1", "s1", 100));
    expect(started.effects).toEqual([
      { _tag: "RunSync", mr: "!1", syncId: "s1", token: 1, expiresAtMs: 1_100 },
    ]);
    expect(started.state.mrs["!1"]?.lease).toEqual({ token: 1, expiresAtMs: 1_100 });
    const renewed = step(started.state, heartbeat("!1", 1, 900));
    expect(renewed.result).toEqual({ _tag: "Renewed", expiresAtMs: 1_900 });
    expect(renewed.effects).toEqual([]);
    // The renewed lease holds past the first expiry.
    const finished = step(renewed.state, fenced(finishSync("!1", "s1", 1_500), 1));
    expect(finished.result).toEqual({ _tag: "SyncFinished", route: "serial", drained: [] });
    expect(finished.state.mailbox.keys).toEqual({});
    expect(finished.state.lastToken).toBe(1);
  });

  it("a heartbeat, finish or entry check with a token that is not the lease's is Stale and changes nothing", () => {
    const running = run(start(), startSync("!1", "s1", 0), scheduleReset("!2", "r1", 0));
    for (const event of [
      heartbeat("!1", 2, 10),
      heartbeat("!3", 1, 10),
      fenced(finishSync("!1", "s1", 10), 2),
      fenced(beginReset("!2", "r1", 10), 1),
      fenced(finishReset("!2", "r1", 10), 1),
    ]) {
      const stale = step(running, event);
      expect(stale.result, event._tag).toEqual({ _tag: "Stale" });
      expect(stale.state).toBe(running);
      expect(stale.effects).toEqual([]);
    }
  });

  it("a dead sync's MR moves on once its lease expires: the queued reset runs, the late holder is Stale", () => {
    // The sync holder (token 1) dies; a reset and a sync queue behind it.
    const blocked = run(
      start(),
      startSync("!1", "dead", 0),
      scheduleReset("!1", "r1", 10),
      startSync("!1", "s2", 20),
    );
    // Before the expiry nothing moves.
    const early = step(blocked, expire("!1", 999));
    expect(early.result).toEqual({ _tag: "Expired", reclaimed: null });
    expect(early.state).toBe(blocked);
    // At the expiry, Expire reclaims: the sync is completed as failed, the reset is dispatched (token 2).
    const reclaimed = step(blocked, expire("!1", 1_000));
    expect(reclaimed.result).toEqual({ _tag: "Expired", reclaimed: { kind: "Sync", id: "dead", token: 1 } });
    expect(reclaimed.effects).toEqual([
      { _tag: "RunReset", mr: "!1", resetId: "r1", token: 2, expiresAtMs: 2_000 },
    ]);
    expect(SyncCoordinator.syncInProgress(reclaimed.state, "!1")).toBe(false);
    // The late holder comes back: fenced, it is Stale; unfenced, its sync is no longer known.
    expect(step(reclaimed.state, fenced(finishSync("!1", "dead", 1_100), 1)).result).toEqual({
      _tag: "Stale",
    });
    expect(step(reclaimed.state, heartbeat("!1", 1, 1_100)).result).toEqual({ _tag: "Stale" });
    expect(step(reclaimed.state, finishSync("!1", "dead", 1_100)).result).toEqual({
      _tag: "Unknown",
      what: "sync",
    });
    // The reset runs and finishes with its token; the next sync gets token 3.
    const proceed = step(reclaimed.state, fenced(beginReset("!1", "r1", 1_100), 2));
    expect(proceed.result).toEqual({ _tag: "Proceed" });
    const done = step(proceed.state, fenced(finishReset("!1", "r1", 1_200), 2));
    expect(done.effects).toEqual([{ _tag: "RunSync", mr: "!1", syncId: "s2", token: 3, expiresAtMs: 2_200 }]);
  });

  it("any event of the MR reclaims first, and its effects come first", () => {
    const blocked = run(start(), startSync("!1", "dead", 0), scheduleReset("!1", "r1", 10));
    // A ScheduleReset at the expiry: the reclaim dispatches r1, then r2 queues behind it.
    const next = step(blocked, scheduleReset("!1", "r2", 1_000));
    expect(next.result).toEqual({ _tag: "ResetQueued", running: false });
    expect(next.effects).toEqual([
      { _tag: "RunReset", mr: "!1", resetId: "r1", token: 2, expiresAtMs: 2_000 },
    ]);
    // A StartSync on an idle MR whose dead sync expired: the reclaim frees it, the new sync runs at once.
    const idle = run(start(), startSync("!1", "dead", 0));
    const fresh = step(idle, startSync("!1", "s2", 5_000));
    expect(fresh.result).toEqual({ _tag: "SyncStarted", route: "serial", running: true });
    expect(fresh.effects).toEqual([
      { _tag: "RunSync", mr: "!1", syncId: "s2", token: 2, expiresAtMs: 6_000 },
    ]);
    // A heartbeat exactly at the expiry is too late.
    expect(step(idle, heartbeat("!1", 1, 1_000)).result).toEqual({ _tag: "Stale" });
  });

  it("a dead reset is dispatched again under a new token: never lost, never running twice at once", () => {
    const running = run(start(), scheduleReset("!1", "r1", 0), fenced(beginReset("!1", "r1", 10), 1));
    expect(running.mrs["!1"]?.runningResets).toEqual(["r1"]);
    const again = step(running, expire("!1", 1_000));
    expect(again.result).toEqual({ _tag: "Expired", reclaimed: { kind: "Reset", id: "r1", token: 1 } });
    expect(again.effects).toEqual([
      { _tag: "RunReset", mr: "!1", resetId: "r1", token: 2, expiresAtMs: 2_000 },
    ]);
    expect(again.state.mrs["!1"]).toMatchObject({ scheduledResets: ["r1"], runningResets: [] });
    // The old worker resumes: its entry check and its finish are Stale; the new worker's go through.
    expect(step(again.state, fenced(beginReset("!1", "r1", 1_100), 1)).result).toEqual({ _tag: "Stale" });
    expect(step(again.state, fenced(finishReset("!1", "r1", 1_100), 1)).result).toEqual({ _tag: "Stale" });
    const done = run(
      again.state,
      fenced(beginReset("!1", "r1", 1_100), 2),
      fenced(finishReset("!1", "r1", 1_200), 2),
    );
    expect(done.mailbox.keys).toEqual({});
    expect(done.mrs["!1"]).toMatchObject({ scheduledResets: [], runningResets: [], lease: null });
  });

  it("fencing tokens strictly increase across MRs and survive pruning", () => {
    // Room for one MR: each new MR sweeps the previous one's entry (finished, marker expired).
    let state = SyncCoordinator.initial({ ...config, mrCountMax: 1 });
    const tokens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const mr = `!${i}`;
      const started = step(state, startSync(mr, "s", i * 100_000));
      const effect = started.effects[0];
      if (effect?._tag !== "RunSync") throw new Error(`expected RunSync, got ${started.result._tag}`);
      tokens.push(effect.token);
      state = step(started.state, fenced(finishSync(mr, "s", i * 100_000 + 1), effect.token)).state;
      expect(Object.keys(state.mrs)).toEqual([mr]);
    }
    expect(tokens).toEqual([1, 2, 3]);
    expect(state.lastToken).toBe(3);
  });

  it("validates leaseTtlMs and event tokens", () => {
    expect(() => SyncCoordinator.initial({ ...config, leaseTtlMs: 0 })).toThrow(InvalidConfigError);
    expect(() => SyncCoordinator.initial({ ...config, leaseTtlMs: 0 })).toThrow(
      "SyncCoordinator config: leaseTtlMs (0) must be a positive integer",
    );
    expect(SyncCoordinator.initial({ mrCountMax: 1, pendingPerMrMax: 1 }).config.leaseTtlMs).toBe(30_000);
    expect(() => step(start(), { _tag: "Heartbeat", mr: "!1", token: 1.5, atMs: 0 })).toThrow(AssertionError);
    expect(() => step(start(), { ...finishSync("!1", "s1", 0), token: Number.NaN } as Event)).toThrow(
      AssertionError,
    );
    expect(() => step(start(), { _tag: "Expire", mr: "", atMs: 0 })).toThrow(AssertionError);
  });
});
