// Example tests for MergeGate, named after the cases of seeds 004 and 001 (../shared/seeds/004_*.txt,
// merge_gate.py's lease; ../shared/seeds/001_*.txt, test_merge_gate_race.py: TC-24, TC-17; ORCH-026's
// always-rebase), then the Check under the lease and `untested` redrives, defers, developer retries,
// reclaims, fencing, bounds, validation and identity. A pass through the gate is Enter → Acquired, then
// Check (behind, prMerged read under the lease) → Rebase / Retest / Pass / AlreadyMerged.

import {
  AssertionError,
  FencedResource,
  InvalidConfigError,
  type Machine,
  MergeGate,
} from "@interleave/core";
import { describe, expect, it } from "vitest";

type State = MergeGate.State;
type Event = MergeGate.Event;
type Result = MergeGate.Result;
type Config = MergeGate.Config;

/** The seed's 300 s merge_lock_timeout_s; the TC-24/TC-17 tests pin premerge_rebase_always off. */
const TTL_MS = 300_000;
const config: Config = {
  leaseTtlMs: TTL_MS,
  deferBackoffBaseMs: 1_000,
  deferBackoffCapMs: 8_000,
  deferCountMax: 3,
  developerRetryMax: 2,
  premergeRebaseAlways: false,
  branchCountMax: 8,
};

function start(overrides: Partial<Config> = {}): State {
  return MergeGate.initial({ ...config, ...overrides });
}

const enter = (branch: string, atMs = 0): Event => ({ _tag: "Enter", branch, atMs });
const check = (branch: string, atMs = 0, behind = true, prMerged = false): Event => ({
  _tag: "Check",
  branch,
  behind,
  prMerged,
  atMs,
});
/** The seed's check_branch_mergeable head: Enter, then (once granted) the Check read under the lease. */
const gate = (branch: string, atMs = 0, behind = true, prMerged = false): readonly Event[] => [
  enter(branch, atMs),
  check(branch, atMs, behind, prMerged),
];
const rebased = (branch: string, outcome: "clean" | "noop" | "conflict", atMs = 0): Event => ({
  _tag: "Rebased",
  branch,
  outcome,
  atMs,
});
const retested = (branch: string, green: boolean, atMs = 0): Event => ({
  _tag: "Retested",
  branch,
  green,
  atMs,
});
const merged = (branch: string, atMs = 0): Event => ({ _tag: "Merged", branch, atMs });
const abort = (branch: string, atMs = 0, reason = "merge refused"): Event => ({
  _tag: "Abort",
  branch,
  reason,
  atMs,
});
const corrupt = (atMs = 0): Event => ({ _tag: "CorruptLease", atMs });

/** Applies `events` in order; returns the final state. */
function run(state: State, ...events: readonly Event[]): State {
  return events.reduce((current, event) => MergeGate.transition(current, event).state, state);
}

function apply(state: State, event: Event): { readonly state: State; readonly result: Result } {
  return MergeGate.transition(state, event);
}

function branchOf(state: State, name: string): MergeGate.Branch | undefined {
  return Object.hasOwn(state.branches, name) ? state.branches[name] : undefined;
}

/** A green catch-up of `name` from a fresh Enter at `atMs`: Acquired, Rebase, clean, Retest, green. */
function caughtUp(state: State, name: string, atMs = 0): State {
  return run(state, ...gate(name, atMs), rebased(name, "clean", atMs), retested(name, true, atMs));
}

/** `name` rebased clean and pushed, then its pipeline died before the re-test reported (TTL_MS = expiry). */
function crashedBeforeRetest(state: State, name: string, atMs = 0): State {
  return run(state, ...gate(name, atMs), rebased(name, "clean", atMs));
}

describe("MergeGate", () => {
  it("satisfies the Machine contract", () => {
    const machine: Machine<State, Event, Result, MergeGate.Effect> = MergeGate;
    expect(machine.transition(start(), enter("feature/A")).effects).toEqual([]);
  });

  it("starts with no branch and a free lease", () => {
    expect(start()).toEqual({
      config,
      lease: { config: { leaseTtlMs: TTL_MS }, holder: null, token: 0, expiresAtMs: 0 },
      leaseCorrupt: false,
      branches: {},
    });
  });

  describe("seed 001, test_merge_gate_race.py", () => {
    it("TC-24 busy lease defers and main is untouched", () => {
      const held = run(start(), ...gate("feature/A"));
      const { state, result } = apply(held, enter("feature/B", 10));
      expect(result).toEqual({
        _tag: "Defer",
        holder: "feature/A",
        availableAtMs: 10 + 1_000,
        deferCount: 1,
      });
      // B got no token, so it can neither check, rebase nor merge; A still holds the lease, its entry untouched.
      expect(branchOf(state, "feature/B")).toEqual({
        phase: "waiting",
        token: null,
        deferCount: 1,
        retryCount: 0,
        availableAtMs: 1_010,
        retested: 0,
        untested: false,
      });
      expect(state.lease).toBe(held.lease);
      expect(state.branches["feature/A"]).toBe(held.branches["feature/A"]);
      expect(MergeGate.holder(state, 10)).toBe("feature/A");
    });

    it("TC-24 green catch-up passes with the lease held", () => {
      let state = run(start(), ...gate("feature/A"), enter("feature/B", 10));
      expect(apply(state, merged("feature/A", 500)).result).toEqual({ _tag: "Released" });
      state = run(state, merged("feature/A", 500));
      expect(apply(state, enter("feature/B", 1_010)).result).toEqual({
        _tag: "Acquired",
        token: 2,
        reclaimed: "no",
      });
      state = run(state, enter("feature/B", 1_010));
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "checking", token: 2 });
      expect(apply(state, check("feature/B", 1_015, true)).result).toEqual({ _tag: "Rebase", token: 2 });
      state = run(state, check("feature/B", 1_015, true));
      expect(apply(state, rebased("feature/B", "clean", 1_020)).result).toEqual({ _tag: "Retest", token: 2 });
      state = run(state, rebased("feature/B", "clean", 1_020));
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "testing", untested: true });
      const pass = apply(state, retested("feature/B", true, 1_030));
      expect(pass.result).toEqual({
        _tag: "Pass",
        token: 2,
        retested: true,
        reason: "rebased onto main, re-test green",
      });
      // The lease is HELD by B until the actual merge.
      expect(MergeGate.holder(pass.state, 1_030)).toBe("feature/B");
      expect(pass.state.lease).toMatchObject({ holder: "feature/B", token: 2 });
      expect(branchOf(pass.state, "feature/B")).toMatchObject({
        phase: "passed",
        token: 2,
        retested: 1,
        untested: false,
      });
    });

    it("TC-24 red catch-up fails and releases", () => {
      const testing = run(start(), ...gate("feature/B"), rebased("feature/B", "clean", 5));
      const { state, result } = apply(testing, retested("feature/B", false, 9));
      expect(result).toEqual({ _tag: "RolledBack", reason: "red", retryCount: 1 });
      // The lease was released on failure (a later task can proceed).
      expect(state.lease).toMatchObject({ holder: null, token: 1, expiresAtMs: 9 });
      expect(MergeGate.isBusy(state, 9)).toBe(false);
      expect(branchOf(state, "feature/B")).toEqual({
        phase: "rolled-back",
        token: null,
        deferCount: 0,
        retryCount: 1,
        availableAtMs: 0,
        retested: 1,
        untested: true, // a red tree: the gate will not pass B again without a green re-test
      });
      expect(apply(state, enter("feature/C", 10)).result).toEqual({
        _tag: "Acquired",
        token: 2,
        reclaimed: "no",
      });
    });

    it.each([
      ["the lease is still held by self", 60_000, 1],
      ["the lease expired and nobody took it", TTL_MS + 1, 2],
    ])("TC-17 redrive skips the expensive re-test (%s)", (_case, redriveAtMs, token) => {
      const passed = caughtUp(start(), "feature/B");
      expect(branchOf(passed, "feature/B")?.retested).toBe(1);
      // The process died before the merge; the redrive finds the branch already caught up.
      const held = apply(passed, enter("feature/B", redriveAtMs));
      expect(held.result).toEqual({ _tag: "Acquired", token, reclaimed: "no" });
      const { state, result } = apply(held.state, check("feature/B", redriveAtMs, false));
      expect(result).toEqual({
        _tag: "Pass",
        token,
        retested: false,
        reason: "branch up-to-date with main",
      });
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "passed", token, retested: 1 });
      expect(MergeGate.holder(state, redriveAtMs)).toBe("feature/B");
    });

    it("TC-17 redrive skips the expensive re-test (the recovery path released the lease)", () => {
      const released = run(caughtUp(start(), "feature/B"), abort("feature/B", 100, "reaper requeue"));
      expect(released.lease.holder).toBeNull();
      const { state, result } = apply(run(released, enter("feature/B", 200)), check("feature/B", 200, false));
      expect(result).toEqual({
        _tag: "Pass",
        token: 2,
        retested: false,
        reason: "branch up-to-date with main",
      });
      expect(branchOf(state, "feature/B")?.retested).toBe(1);
    });

    it("TC-17 PR already merged makes redrive a no-op", () => {
      const redriven = run(caughtUp(start(), "feature/B"), enter("feature/B", 100));
      const { state, result } = apply(redriven, check("feature/B", 100, false, true));
      expect(result).toEqual({ _tag: "AlreadyMerged", branch: "feature/B" });
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "merged", token: null, retested: 1 });
      expect(state.lease).toMatchObject({ holder: null, token: 1, expiresAtMs: 100 });
      // A duplicate Check: nothing left to do, the very same state.
      const again = apply(state, check("feature/B", 200, false, true));
      expect(again.result).toEqual({ _tag: "OutOfPhase", branch: "feature/B", phase: "merged" });
      expect(again.state).toBe(state);
    });

    it("TC-17 PR already merged is read under the lease: it leaves another branch's lease alone", () => {
      // B is deferred behind A: it holds no lease, so it cannot Check; A's lease is untouched.
      const held = run(start(), ...gate("feature/A"), enter("feature/B", 1));
      const { state, result } = apply(held, check("feature/B", 2, false, true));
      expect(result).toEqual({ _tag: "OutOfPhase", branch: "feature/B", phase: "waiting" });
      expect(state).toBe(held);
      // A branch the gate never saw has nothing to record.
      expect(apply(held, check("feature/Z", 2, false, true)).state).toBe(held);
    });
  });

  describe("seed 004, merge_gate.py's lease", () => {
    it("lease: atomic create", () => {
      const first = apply(start(), enter("feature/A", 0));
      expect(first.result).toEqual({ _tag: "Acquired", token: 1, reclaimed: "no" });
      const second = apply(first.state, enter("feature/B", 0));
      expect(second.result).toMatchObject({ _tag: "Defer", holder: "feature/A" });
      expect(second.state.lease).toBe(first.state.lease);
      // The holder's own re-acquire is idempotent: "lease already held", same token.
      const again = apply(first.state, enter("feature/A", 10));
      expect(again.result).toEqual({ _tag: "Acquired", token: 1, reclaimed: "no" });
      expect(again.state.lease.expiresAtMs).toBe(10 + TTL_MS);
    });

    it("lease: holder-aware release", () => {
      const held = run(start(), ...gate("feature/A"), enter("feature/B", 1));
      const late = apply(held, merged("feature/B", 2));
      expect(late.result).toEqual({ _tag: "NotHolder", holder: "feature/A" });
      expect(late.state.lease).toBe(held.lease);
      expect(branchOf(late.state, "feature/B")?.phase).toBe("merged");
      const aborted = apply(held, abort("feature/B", 2));
      expect(aborted.result).toEqual({ _tag: "NotHolder", holder: "feature/A" });
      expect(aborted.state.lease).toBe(held.lease);
      expect(branchOf(aborted.state, "feature/B")?.phase).toBe("rolled-back");
      const done = apply(held, merged("feature/A", 3));
      expect(done.result).toEqual({ _tag: "Released" });
      expect(done.state.lease).toMatchObject({ holder: null, token: 1 });
      expect(branchOf(done.state, "feature/A")).toMatchObject({ phase: "merged", token: null });
    });

    it("lease: holder-aware release never deletes a lease a different branch acquired afterwards", () => {
      // A passed, then stalled past its lease; B reclaimed it. A's delayed release must not free B's lease.
      const reclaimed = run(caughtUp(start(), "feature/A"), enter("feature/B", TTL_MS));
      const { state, result } = apply(reclaimed, merged("feature/A", TTL_MS + 1));
      expect(result).toEqual({ _tag: "NotHolder", holder: "feature/B" });
      expect(state.lease).toBe(reclaimed.lease);
    });

    it("lease: stale reclaim", () => {
      const held = run(start(), ...gate("feature/A"));
      expect(apply(held, enter("feature/B", TTL_MS - 1)).result).toMatchObject({ _tag: "Defer" });
      const { state, result } = apply(held, enter("feature/B", TTL_MS));
      expect(result).toEqual({ _tag: "Acquired", token: 2, reclaimed: "stale" });
      expect(state.lease).toMatchObject({ holder: "feature/B", token: 2, expiresAtMs: 2 * TTL_MS });
      expect(branchOf(state, "feature/A")).toMatchObject({ phase: "waiting", token: null });
      expect(apply(state, rebased("feature/A", "clean", TTL_MS)).result).toEqual({
        _tag: "OutOfPhase",
        branch: "feature/A",
        phase: "waiting",
      });
    });

    it("lease: corrupt reclaim", () => {
      const held = run(start(), enter("feature/A"));
      const marked = apply(held, corrupt(5));
      expect(marked.result).toEqual({ _tag: "Corrupted" });
      expect(marked.state.leaseCorrupt).toBe(true);
      // An unreadable record names nobody: not busy, and the next Enter overwrites it.
      expect(MergeGate.isBusy(marked.state, 5)).toBe(false);
      const acquired = apply(marked.state, enter("feature/B", 10));
      expect(acquired.result).toEqual({ _tag: "Acquired", token: 2, reclaimed: "corrupt" });
      const { state, result } = apply(acquired.state, check("feature/B", 10, false));
      expect(result).toEqual({
        _tag: "Pass",
        token: 2,
        retested: false,
        reason: "branch up-to-date with main",
      });
      expect(state.leaseCorrupt).toBe(false);
      expect(state.lease).toMatchObject({ holder: "feature/B", token: 2, expiresAtMs: 10 + TTL_MS });
      expect(branchOf(state, "feature/A")).toMatchObject({ phase: "waiting", token: null });
    });

    it("lease: corrupt reclaim by the recorded holder itself, or of a free lease, is a fresh grant", () => {
      const held = run(start(), enter("feature/A"), corrupt(1));
      expect(apply(held, enter("feature/A", 2)).result).toEqual({
        _tag: "Acquired",
        token: 2,
        reclaimed: "corrupt",
      });
      const free = run(start(), corrupt(0));
      expect(apply(free, enter("feature/A", 1)).result).toEqual({
        _tag: "Acquired",
        token: 1,
        reclaimed: "corrupt",
      });
    });

    it("lease: the holder's release clears a corrupt record; another branch's leaves it", () => {
      const held = run(start(), ...gate("feature/A"), enter("feature/B", 1), corrupt(2));
      const other = apply(held, merged("feature/B", 3));
      expect(other.result).toEqual({ _tag: "NotHolder", holder: "feature/A" });
      expect(other.state.leaseCorrupt).toBe(true);
      const own = apply(held, merged("feature/A", 3));
      expect(own.result).toEqual({ _tag: "Released" });
      expect(own.state.leaseCorrupt).toBe(false);
      expect(apply(own.state, enter("feature/B", 4)).result).toEqual({
        _tag: "Acquired",
        token: 2,
        reclaimed: "no",
      });
    });

    it("Check, Rebased and Retested trust the recorded holder while the record is corrupt", () => {
      const checking = run(start(), enter("feature/A"), corrupt(1));
      expect(apply(checking, check("feature/A", 2)).result).toEqual({ _tag: "Rebase", token: 1 });
      const state = run(checking, check("feature/A", 2), rebased("feature/A", "clean", 2));
      expect(apply(state, retested("feature/A", true, 3)).result).toMatchObject({ _tag: "Pass", token: 1 });
    });
  });

  describe("seed 004, merge_gate.py's never-raise rules and the backstop", () => {
    const unknownCheck = (branch: string, atMs = 0): Event => ({
      _tag: "Check",
      branch,
      behind: "unknown",
      prMerged: false,
      atMs,
    });
    const timedOut = (branch: string, atMs = 0): Event => ({ _tag: "RetestTimedOut", branch, atMs });
    const forceRelease = (atMs = 0, reason = "backstop"): Event => ({ _tag: "ForceRelease", reason, atMs });

    it("TC-03 an ambiguous or failing behind-check is treated as behind (never-raise, AC-9)", () => {
      // premergeRebaseAlways off: only "behind" makes the gate rebase, so "unknown" must count as behind.
      const held = run(start(), enter("feature/B"));
      const { state, result } = apply(held, unknownCheck("feature/B", 1));
      expect(result).toEqual({ _tag: "Rebase", token: 1 });
      // Marked untested like a behind branch: even a no-op rebase must be followed by a re-test.
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "rebasing", untested: true });
      expect(apply(state, rebased("feature/B", "noop", 2)).result).toEqual({ _tag: "Retest", token: 1 });
      // The same branch with a definite "not behind" passes without a rebase (TC-17's skip).
      expect(apply(held, check("feature/B", 1, false)).result).toMatchObject({ _tag: "Pass" });
    });

    it("AC-6 a re-test that times out rolls back like a red one and releases the lease", () => {
      const testing = run(start(), ...gate("feature/B"), rebased("feature/B", "clean", 5));
      const { state, result } = apply(testing, timedOut("feature/B", 9));
      expect(result).toEqual({ _tag: "RolledBack", reason: "timeout", retryCount: 1 });
      expect(state.lease).toMatchObject({ holder: null, token: 1, expiresAtMs: 9 });
      expect(branchOf(state, "feature/B")).toMatchObject({
        phase: "rolled-back",
        token: null,
        retested: 1,
        untested: true, // nothing green was shown: the redrive must re-test
      });
      // A redrive that finds the branch up to date re-tests it instead of passing it.
      const redrive = run(state, enter("feature/B", 10));
      expect(apply(redrive, check("feature/B", 10, false)).result).toEqual({ _tag: "Retest", token: 2 });
      // At the retry cap a timeout fails the branch; a timeout out of phase changes nothing.
      const capped = run(state, ...gate("feature/B", 20), rebased("feature/B", "clean", 21));
      expect(apply(capped, timedOut("feature/B", 30)).result).toEqual({
        _tag: "Failed",
        reason: "timeout",
        retryCount: 2,
      });
      const idle = apply(state, timedOut("feature/B", 40));
      expect(idle.result).toEqual({ _tag: "OutOfPhase", branch: "feature/B", phase: "rolled-back" });
      expect(idle.state).toBe(state);
    });

    it("release backstop: branch=None frees the lease whoever holds it and revokes only the holder's attempt", () => {
      const passed = run(caughtUp(start(), "feature/A"), enter("feature/B", 1));
      expect(branchOf(passed, "feature/B")?.phase).toBe("waiting");
      const { state, result } = apply(passed, forceRelease(2));
      expect(result).toEqual({ _tag: "ForceReleased", holder: "feature/A" });
      expect(state.lease).toMatchObject({ holder: null, token: 1 });
      // A's pass is revoked as a reclaim revokes it; B, deferred, is untouched.
      expect(branchOf(state, "feature/A")).toMatchObject({ phase: "waiting", token: null, untested: false });
      expect(branchOf(state, "feature/B")).toBe(branchOf(passed, "feature/B"));
      // The next grant has a new token, which a fenced main holds against A's late merge.
      const next = apply(state, enter("feature/B", 3));
      expect(next.result).toEqual({ _tag: "Acquired", token: 2, reclaimed: "no" });
      let main = FencedResource.initial<string>();
      main = FencedResource.transition(main, { _tag: "Fence", token: 2 }).state;
      expect(FencedResource.transition(main, { _tag: "Fence", token: 1 }).result._tag).toBe("StaleToken");
      // A's later reports are out of phase; its delayed holder-aware release leaves B's lease alone.
      expect(apply(next.state, retested("feature/A", true, 4)).result).toMatchObject({ _tag: "OutOfPhase" });
      expect(apply(next.state, merged("feature/A", 4)).result).toEqual({
        _tag: "NotHolder",
        holder: "feature/B",
      });
    });

    it("release backstop: an untested holder stays untested; a free or corrupt lease is simply cleared", () => {
      const crashed = crashedBeforeRetest(start(), "feature/A");
      const released = apply(crashed, forceRelease(5));
      expect(branchOf(released.state, "feature/A")).toMatchObject({ phase: "waiting", untested: true });
      const free = apply(released.state, forceRelease(6));
      expect(free.result).toEqual({ _tag: "ForceReleased", holder: null });
      expect(free.state).toBe(released.state);
      const marked = run(start(), corrupt(1));
      const cleared = apply(marked, forceRelease(2));
      expect(cleared.result).toEqual({ _tag: "ForceReleased", holder: null });
      expect(cleared.state.leaseCorrupt).toBe(false);
      const heldCorrupt = run(start(), enter("feature/A"), corrupt(1));
      const both = apply(heldCorrupt, forceRelease(2));
      expect(both.result).toEqual({ _tag: "ForceReleased", holder: "feature/A" });
      expect(both.state).toMatchObject({ leaseCorrupt: false, lease: { holder: null } });
    });
  });

  describe("seed 001, ORCH-026 Level A", () => {
    it("premerge rebase is a no-op on an up-to-date branch", () => {
      const always = run(start({ premergeRebaseAlways: true }), enter("feature/B", 0));
      const rebase = apply(always, check("feature/B", 0, false));
      expect(rebase.result).toEqual({ _tag: "Rebase", token: 1 });
      const { state, result } = apply(rebase.state, rebased("feature/B", "noop", 1));
      expect(result).toEqual({
        _tag: "Pass",
        token: 1,
        retested: false,
        reason: "rebase was a no-op",
      });
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "passed", retested: 0, untested: false });
      // Kill-switch off: ORCH-043's short-circuit, a pass without rebase.
      expect(apply(run(start(), enter("feature/B", 0)), check("feature/B", 0, false)).result).toEqual({
        _tag: "Pass",
        token: 1,
        retested: false,
        reason: "branch up-to-date with main",
      });
    });

    it("the behind read under the lease is fresh: a merge before the grant makes the Check rebase", () => {
      // B comes while A holds the lease and is deferred; it cannot Check (read) before it is granted.
      const deferred = run(caughtUp(start(), "feature/A"), enter("feature/B", 10));
      expect(branchOf(deferred, "feature/B")?.phase).toBe("waiting");
      expect(apply(deferred, check("feature/B", 10, false)).result).toMatchObject({ _tag: "OutOfPhase" });
      // A merges (main moves), then B is granted; B reads under the lease, sees it is behind, and rebases.
      const granted = run(deferred, merged("feature/A", 500), enter("feature/B", 1_010));
      expect(branchOf(granted, "feature/B")).toMatchObject({ phase: "checking", token: 2 });
      const { state, result } = apply(granted, check("feature/B", 1_010, true));
      expect(result).toEqual({ _tag: "Rebase", token: 2 });
      // No other branch can merge while B holds, so the read stays true until B's merge.
      expect(apply(state, enter("feature/C", 1_020)).result).toMatchObject({
        _tag: "Defer",
        holder: "feature/B",
      });
      expect(branchOf(state, "feature/B")?.phase).toBe("rebasing");
    });

    it("rebases a branch that is behind, with or without the kill-switch", () => {
      for (const premergeRebaseAlways of [true, false]) {
        const held = run(start({ premergeRebaseAlways }), enter("feature/B", 0));
        expect(apply(held, check("feature/B", 0, true)).result).toEqual({ _tag: "Rebase", token: 1 });
      }
    });
  });

  describe("the Check under the lease, and untested redrives", () => {
    it("a Check out of phase (not checking, or not the holder) is OutOfPhase with the same state", () => {
      const rebasing = run(start(), ...gate("feature/A"), enter("feature/B", 1));
      const passed = caughtUp(start(), "feature/A");
      const reclaimed = run(start(), enter("feature/A"), enter("feature/B", TTL_MS));
      const cases: readonly (readonly [State, string, MergeGate.Phase | null])[] = [
        [rebasing, "feature/A", "rebasing"], // the holder, already checked
        [passed, "feature/A", "passed"],
        [run(passed, merged("feature/A", 1)), "feature/A", "merged"],
        [rebasing, "feature/B", "waiting"], // deferred: not the holder
        [reclaimed, "feature/A", "waiting"], // was checking, its lease reclaimed by B
        [rebasing, "nobody", null],
      ];
      for (const [state, branch, phase] of cases) {
        for (const prMerged of [false, true]) {
          const next = apply(state, check(branch, TTL_MS, false, prMerged));
          expect(next.result).toEqual({ _tag: "OutOfPhase", branch, phase });
          expect(next.state).toBe(state);
        }
      }
      // The reclaimer itself is the checking holder.
      expect(apply(reclaimed, check("feature/B", TTL_MS, false)).result).toMatchObject({ _tag: "Pass" });
    });

    it.each([
      [
        "nobody takes the expired lease",
        (crashed: State) => crashed,
        TTL_MS + 1,
        { token: 2, reclaimed: "no" },
      ],
      [
        "the reaper's Abort released the lease",
        (crashed: State) => run(crashed, abort("feature/A", 100, "reaper requeue")),
        200,
        { token: 2, reclaimed: "no" },
      ],
      [
        "another branch reclaims it, then rolls back",
        (crashed: State) =>
          run(crashed, ...gate("feature/B", TTL_MS), rebased("feature/B", "conflict", TTL_MS + 1)),
        TTL_MS + 2,
        { token: 3, reclaimed: "no" },
      ],
      [
        "another branch reclaims it and still holds it (stale for the redrive)",
        (crashed: State) => run(crashed, enter("feature/B", TTL_MS)),
        2 * TTL_MS,
        { token: 3, reclaimed: "stale" },
      ],
    ] as const)(
      "a crash between Rebased clean and Retested: the redrive re-tests (%s)",
      (_case, after, redriveAtMs, grant) => {
        const crashed = crashedBeforeRetest(start(), "feature/A");
        expect(branchOf(crashed, "feature/A")).toMatchObject({
          phase: "testing",
          untested: true,
          retested: 0,
        });
        const before = after(crashed);
        // Revoked, rolled back by another's attempt or aborted: the branch still owes its re-test.
        expect(branchOf(before, "feature/A")?.untested).toBe(true);
        const held = apply(before, enter("feature/A", redriveAtMs));
        expect(held.result).toEqual({ _tag: "Acquired", ...grant });
        // The pushed rebase contains main, so the branch is no longer behind: the seed would Pass here.
        const { state, result } = apply(held.state, check("feature/A", redriveAtMs, false));
        expect(result).toEqual({ _tag: "Retest", token: grant.token });
        expect(branchOf(state, "feature/A")).toMatchObject({ phase: "testing", untested: true });
        const pass = apply(state, retested("feature/A", true, redriveAtMs + 1));
        expect(pass.result).toEqual({
          _tag: "Pass",
          token: grant.token,
          retested: true,
          reason: "rebased onto main, re-test green",
        });
        expect(branchOf(pass.state, "feature/A")).toMatchObject({ untested: false, retested: 1 });
      },
    );

    it("an untested branch that is behind again rebases first, then re-tests even after a no-op", () => {
      const crashed = crashedBeforeRetest(start(), "feature/A");
      const held = run(crashed, enter("feature/A", TTL_MS));
      expect(apply(held, check("feature/A", TTL_MS, true)).result).toEqual({ _tag: "Rebase", token: 2 });
      const rebasing = run(held, check("feature/A", TTL_MS, true));
      expect(apply(rebasing, rebased("feature/A", "clean", TTL_MS)).result).toEqual({
        _tag: "Retest",
        token: 2,
      });
      const noop = apply(rebasing, rebased("feature/A", "noop", TTL_MS));
      expect(noop.result).toEqual({ _tag: "Retest", token: 2 });
      expect(branchOf(noop.state, "feature/A")).toMatchObject({ phase: "testing", untested: true });
    });

    it("Rebased noop while untested answers Retest (always-rebase redrive), not Pass", () => {
      const always = start({ premergeRebaseAlways: true });
      const held = run(crashedBeforeRetest(always, "feature/A"), enter("feature/A", TTL_MS + 1));
      const rebase = apply(held, check("feature/A", TTL_MS + 1, false));
      expect(rebase.result).toEqual({ _tag: "Rebase", token: 2 });
      const { state, result } = apply(rebase.state, rebased("feature/A", "noop", TTL_MS + 2));
      expect(result).toEqual({ _tag: "Retest", token: 2 });
      expect(branchOf(state, "feature/A")).toMatchObject({ phase: "testing", untested: true });
      expect(apply(state, retested("feature/A", true, TTL_MS + 3)).result).toMatchObject({
        _tag: "Pass",
        retested: true,
      });
    });

    it("TC-17 after the re-test reported: a crash before the merge, a reclaim, and the redrive passes", () => {
      const passed = caughtUp(start(), "feature/B");
      expect(branchOf(passed, "feature/B")).toMatchObject({ retested: 1, untested: false });
      // The process died after Retested green; C reclaims the lease meanwhile and rolls back.
      const meanwhile = run(passed, ...gate("feature/C", TTL_MS), rebased("feature/C", "conflict", TTL_MS));
      expect(branchOf(meanwhile, "feature/B")).toMatchObject({ phase: "waiting", untested: false });
      const held = run(meanwhile, enter("feature/B", TTL_MS + 1));
      const { state, result } = apply(held, check("feature/B", TTL_MS + 1, false));
      expect(result).toEqual({
        _tag: "Pass",
        token: 3,
        retested: false,
        reason: "branch up-to-date with main",
      });
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "passed", retested: 1, untested: false });
    });

    it("a crash between the push of a rebase and its report: the redrive re-tests instead of passing", () => {
      // B is told to rebase (it is behind), pushes the rebased branch, and dies before reporting Rebased.
      const told = run(start(), enter("feature/B", 0));
      const rebasing = apply(told, check("feature/B", 0, true, false));
      expect(rebasing.result).toEqual({ _tag: "Rebase", token: 1 });
      expect(branchOf(rebasing.state, "feature/B")?.untested).toBe(true);
      // The redrive finds B up to date (the push landed): it must re-test, not pass.
      const again = run(rebasing.state, enter("feature/B", 60_000));
      // (The lease is still B's: the same holder's re-acquire keeps token 1.)
      expect(apply(again, check("feature/B", 60_000, false, false)).result).toEqual({
        _tag: "Retest",
        token: 1,
      });
    });

    it("a red re-test is never followed by a Pass without a green one, even if the redrive finds the branch up to date", () => {
      const red = run(
        start(),
        ...gate("feature/B"),
        rebased("feature/B", "clean", 5),
        retested("feature/B", false, 9),
      );
      // The pipeline crashed before the developer revised B; its redrive finds B caught up.
      const again = run(red, enter("feature/B", 20));
      expect(apply(again, check("feature/B", 20, false, false)).result).toEqual({ _tag: "Retest", token: 2 });
    });

    it("untested survives Abort, DeferCapped and a conflict rollback; only a green re-test or a merge clear it", () => {
      const crashed = crashedBeforeRetest(start(), "feature/A");
      expect(branchOf(run(crashed, abort("feature/A", 1)), "feature/A")).toMatchObject({
        phase: "rolled-back",
        untested: true,
      });
      // A is revoked by B's reclaim, then defers behind B until the gate gives up on the attempt.
      let capped = run(crashed, enter("feature/B", TTL_MS));
      for (const atMs of [TTL_MS, TTL_MS + 1_000, TTL_MS + 3_000, TTL_MS + 7_000]) {
        capped = run(capped, enter("feature/A", atMs));
      }
      expect(branchOf(capped, "feature/A")).toMatchObject({ phase: "rolled-back", untested: true });
      // Behind again, the redrive rebases and conflicts: back to the developer; the revision still owes a re-test.
      const conflict = run(crashed, ...gate("feature/A", TTL_MS), rebased("feature/A", "conflict", TTL_MS));
      expect(branchOf(conflict, "feature/A")).toMatchObject({ phase: "rolled-back", untested: true });
      const done = run(crashed, merged("feature/A", 1));
      expect(branchOf(done, "feature/A")).toMatchObject({ phase: "merged", untested: false });
    });

    it("issue 17 redrive seed 3530409179: a red re-test capped at Failed, a crash and the reaper's requeue never pass the red tree", () => {
      // merge-gate/redrive, run seed 1404542995: feat/a's re-test is red at its last developer retry →
      // Failed → the worker crashes before recording it → the reaper requeues → Enter starts the failed branch
      // over → Check (behind: false, the rebase was pushed) → Rebase (always-rebase) → Rebased noop.
      const failed = run(
        start({ developerRetryMax: 1, premergeRebaseAlways: true }),
        ...gate("feat/a", 20_000),
        rebased("feat/a", "clean", 21_000),
      );
      const red = apply(failed, retested("feat/a", false, 25_000));
      expect(red.result).toEqual({ _tag: "Failed", reason: "red", retryCount: 1 });
      expect(branchOf(red.state, "feat/a")).toMatchObject({ phase: "failed", untested: true });
      const again = apply(red.state, enter("feat/a", 26_000));
      expect(again.result).toEqual({ _tag: "Acquired", token: 2, reclaimed: "no" });
      expect(branchOf(again.state, "feat/a")).toMatchObject({
        phase: "checking",
        retryCount: 0,
        retested: 0,
        untested: true,
      });
      const checked = apply(again.state, check("feat/a", 26_000, false, false));
      expect(checked.result).toEqual({ _tag: "Rebase", token: 2 });
      // Before the fix: Pass { retested: false, reason: "rebase was a no-op" } — the red tree merged.
      expect(apply(checked.state, rebased("feat/a", "noop", 26_000)).result).toEqual({
        _tag: "Retest",
        token: 2,
      });
      // Without always-rebase the Check itself asks for the re-test.
      const plain = run(
        start({ developerRetryMax: 1, premergeRebaseAlways: false }),
        ...gate("feat/a"),
        rebased("feat/a", "clean", 1),
        retested("feat/a", false, 2),
        enter("feat/a", 3),
      );
      expect(apply(plain, check("feat/a", 3, false, false)).result).toEqual({ _tag: "Retest", token: 2 });
    });
  });

  describe("defers", () => {
    it("defer backoff doubles and caps", () => {
      expect([1, 2, 3, 4, 5, 6].map((count) => MergeGate.backoffMs(config, count))).toEqual([
        1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
      ]);
      expect(MergeGate.backoffMs(config, 10_000)).toBe(8_000);
      expect(MergeGate.backoffMs({ ...config, deferBackoffBaseMs: 0 }, 3)).toBe(0);
      expect(() => MergeGate.backoffMs(config, 0)).toThrow(AssertionError);
      let state = run(start({ deferCountMax: 10 }), enter("feature/A"));
      const seen: Result[] = [];
      for (const atMs of [0, 1_000, 3_000, 7_000, 15_000]) {
        const next = apply(state, enter("feature/B", atMs));
        seen.push(next.result);
        state = next.state;
      }
      expect(seen).toEqual([
        { _tag: "Defer", holder: "feature/A", availableAtMs: 1_000, deferCount: 1 },
        { _tag: "Defer", holder: "feature/A", availableAtMs: 3_000, deferCount: 2 },
        { _tag: "Defer", holder: "feature/A", availableAtMs: 7_000, deferCount: 3 },
        { _tag: "Defer", holder: "feature/A", availableAtMs: 15_000, deferCount: 4 },
        { _tag: "Defer", holder: "feature/A", availableAtMs: 23_000, deferCount: 5 },
      ]);
    });

    it("defers an early Enter again with the same availableAtMs and count, unless the lease is free", () => {
      const deferred = run(start(), enter("feature/A"), enter("feature/B", 0));
      const early = apply(deferred, enter("feature/B", 999));
      expect(early.result).toEqual({
        _tag: "Defer",
        holder: "feature/A",
        availableAtMs: 1_000,
        deferCount: 1,
      });
      expect(early.state).toBe(deferred);
      const freed = run(deferred, merged("feature/A", 10));
      expect(apply(freed, enter("feature/B", 20)).result).toEqual({
        _tag: "Acquired",
        token: 2,
        reclaimed: "no",
      });
    });

    it("DeferCapped after deferCountMax", () => {
      let state = run(start(), enter("feature/A"));
      for (const [atMs, deferCount] of [
        [0, 1],
        [1_000, 2],
        [3_000, 3],
      ] as const) {
        const next = apply(state, enter("feature/B", atMs));
        expect(next.result).toMatchObject({ _tag: "Defer", deferCount });
        state = next.state;
      }
      const capped = apply(state, enter("feature/B", 7_000));
      expect(capped.result).toEqual({ _tag: "DeferCapped", holder: "feature/A", deferCount: 4 });
      expect(branchOf(capped.state, "feature/B")).toEqual({
        phase: "rolled-back",
        token: null,
        deferCount: 0,
        availableAtMs: 0,
        retryCount: 0,
        retested: 0,
        untested: false,
      });
      // A new attempt starts counting from zero.
      expect(apply(capped.state, enter("feature/B", 7_001)).result).toMatchObject({
        _tag: "Defer",
        deferCount: 1,
      });
    });
  });

  describe("developer retries", () => {
    it("rolls back on a rebase conflict, releasing the lease", () => {
      const { state, result } = apply(
        run(start(), ...gate("feature/B")),
        rebased("feature/B", "conflict", 3),
      );
      expect(result).toEqual({ _tag: "RolledBack", reason: "conflict", retryCount: 1 });
      expect(state.lease).toMatchObject({ holder: null, expiresAtMs: 3 });
      expect(branchOf(state, "feature/B")).toMatchObject({
        phase: "rolled-back",
        token: null,
        retryCount: 1,
      });
    });

    it("developer retry cap → Failed", () => {
      const once = run(start(), ...gate("feature/B"), rebased("feature/B", "conflict"));
      const again = run(once, ...gate("feature/B", 10), rebased("feature/B", "clean", 11));
      const { state, result } = apply(again, retested("feature/B", false, 12));
      expect(result).toEqual({ _tag: "Failed", reason: "red", retryCount: 2 });
      expect(state.lease.holder).toBeNull();
      // Its tree was red: it stays untested (issue 17), so a redrive cannot pass it without a green re-test.
      expect(branchOf(state, "feature/B")).toMatchObject({
        phase: "failed",
        token: null,
        retryCount: 2,
        retested: 1,
        untested: true,
      });
      const strict = run(start({ developerRetryMax: 1 }), ...gate("feature/B"));
      expect(apply(strict, rebased("feature/B", "conflict")).result).toEqual({
        _tag: "Failed",
        reason: "conflict",
        retryCount: 1,
      });
    });

    it("an Abort by the holder rolls back without counting a developer retry", () => {
      const testing = run(start(), ...gate("feature/B"), rebased("feature/B", "clean"));
      const { state, result } = apply(testing, abort("feature/B", 4));
      expect(result).toEqual({ _tag: "RolledBack", reason: "aborted", retryCount: 0 });
      expect(state.lease.holder).toBeNull();
      expect(branchOf(state, "feature/B")).toMatchObject({
        phase: "rolled-back",
        token: null,
        retryCount: 0,
      });
    });

    it("a merged or failed branch that enters again starts over with fresh counters", () => {
      const failed = run(
        start({ developerRetryMax: 1 }),
        ...gate("feature/B"),
        rebased("feature/B", "conflict"),
      );
      expect(branchOf(failed, "feature/B")?.phase).toBe("failed");
      const { state, result } = apply(failed, enter("feature/B", 5));
      expect(result).toEqual({ _tag: "Acquired", token: 2, reclaimed: "no" });
      expect(branchOf(state, "feature/B")).toMatchObject({ phase: "checking", retryCount: 0, retested: 0 });
    });
  });

  describe("reclaims and fencing", () => {
    it("a stale reclaim revokes the old holder's pass (its later Retested is OutOfPhase)", () => {
      const testing = run(start(), ...gate("feature/A"), rebased("feature/A", "clean"));
      const reclaimed = run(testing, ...gate("feature/B", TTL_MS, false));
      expect(branchOf(reclaimed, "feature/A")).toMatchObject({ phase: "waiting", token: null });
      expect(branchOf(reclaimed, "feature/B")).toMatchObject({ phase: "passed", token: 2 });
      const late = apply(reclaimed, retested("feature/A", true, TTL_MS + 1));
      expect(late.result).toEqual({ _tag: "OutOfPhase", branch: "feature/A", phase: "waiting" });
      expect(late.state).toBe(reclaimed);
      // A pass is revoked the same way: at most one branch is ever passed.
      const passedThenReclaimed = run(caughtUp(start(), "feature/A"), ...gate("feature/B", TTL_MS, false));
      const phases = Object.values(passedThenReclaimed.branches).map((branch) => branch.phase);
      expect(phases.sort()).toEqual(["passed", "waiting"]);
    });

    it("the holder's re-acquire restarts its attempt at checking; the interrupted step is OutOfPhase", () => {
      const testing = run(start(), ...gate("feature/A"), rebased("feature/A", "clean", 1));
      const again = apply(testing, enter("feature/A", 2));
      expect(again.result).toEqual({ _tag: "Acquired", token: 1, reclaimed: "no" });
      expect(branchOf(again.state, "feature/A")).toMatchObject({ phase: "checking", untested: true });
      expect(apply(again.state, retested("feature/A", true, 3)).result).toEqual({
        _tag: "OutOfPhase",
        branch: "feature/A",
        phase: "checking",
      });
      expect(apply(again.state, check("feature/A", 3, false)).result).toEqual({ _tag: "Retest", token: 1 });
    });

    it("fencing tokens strictly increase across grants", () => {
      const tokens: number[] = [];
      let state = start();
      for (const event of [
        enter("feature/A", 0), // fresh: 1
        merged("feature/A", 1),
        enter("feature/B", 2), // fresh after release: 2
        enter("feature/B", 3), // the holder again: still 2, valid until 3 + TTL_MS
        enter("feature/C", 3 + TTL_MS), // stale reclaim: 3
        corrupt(3 + TTL_MS),
        enter("feature/A", 4 + TTL_MS), // corrupt reclaim: 4
        enter("feature/A", 4 + 2 * TTL_MS), // own expired lease, nobody took it: 5
      ]) {
        const next = apply(state, event);
        if (next.result._tag === "Acquired") {
          tokens.push(next.result.token);
        }
        state = next.state;
      }
      expect(tokens).toEqual([1, 2, 2, 3, 4, 5]);
    });

    it("the gate's tokens fence the deploy target against a holder whose lease was reclaimed", () => {
      const stalled = run(start(), ...gate("feature/A"), rebased("feature/A", "clean"));
      const b = apply(run(stalled, enter("feature/B", TTL_MS)), check("feature/B", TTL_MS, false));
      if (b.result._tag !== "Pass") {
        throw new Error("expected a pass");
      }
      // B announces its token to the target before it reads it; A wakes up and writes with token 1.
      const target = FencedResource.transition(FencedResource.initial<string>(), {
        _tag: "Fence",
        token: b.result.token,
      }).state;
      const late = FencedResource.transition(target, { _tag: "Write", token: 1, value: "feature/A" });
      expect(late.result).toEqual({ _tag: "StaleToken", token: 1, highestToken: 2 });
    });
  });

  describe("bounds", () => {
    it("rejects a new branch beyond branchCountMax (same state)", () => {
      const full = run(start({ branchCountMax: 2 }), enter("a"), enter("b"));
      const { state, result } = apply(full, enter("c", 1));
      expect(result).toEqual({ _tag: "Rejected", reason: "branch-limit" });
      expect(state).toBe(full);
      // A branch already tracked still gets through.
      expect(apply(full, enter("b", 1)).result).toMatchObject({ _tag: "Defer" });
    });

    it("prunes merged branches and failed ones that owe no re-test when a new branch needs their room", () => {
      const full = run(
        start({ branchCountMax: 3, developerRetryMax: 1 }),
        enter("a"),
        merged("a"),
        ...gate("b"),
        rebased("b", "conflict"),
        enter("c"),
        enter("d"), // defers behind c, but fits: a and b are pruned
      );
      // b failed on a rebase conflict while behind: it owes a re-test, so it is kept; a (merged) is pruned.
      expect(Object.keys(full.branches).sort()).toEqual(["b", "c", "d"]);
      expect(branchOf(full, "b")).toMatchObject({ phase: "failed", untested: true });
      expect(branchOf(full, "d")).toMatchObject({ phase: "waiting", deferCount: 1 });
      // A failed branch that owes nothing (a conflict while not behind) is pruned like a merged one.
      const owesNothing = run(
        start({ branchCountMax: 3, developerRetryMax: 1, premergeRebaseAlways: true }),
        enter("a"),
        merged("a"),
        ...gate("b", 0, false),
        rebased("b", "conflict"),
        enter("c"),
        enter("d"),
      );
      expect(Object.keys(owesNothing.branches).sort()).toEqual(["c", "d"]);
      const kept = run(start({ branchCountMax: 2 }), enter("a"), enter("b"), abort("b"));
      expect(apply(kept, enter("c")).result).toEqual({ _tag: "Rejected", reason: "branch-limit" });
    });
  });

  describe("identity", () => {
    it("returns the same state object for events that change nothing", () => {
      const checking = run(start(), enter("feature/A"));
      const passed = caughtUp(start(), "feature/A");
      const deferred = run(passed, enter("feature/B", 0));
      const noOps: readonly (readonly [State, Event, Result["_tag"]])[] = [
        [checking, enter("feature/A", 0), "Acquired"], // the holder's redrive at the same instant
        [passed, check("feature/A"), "OutOfPhase"],
        [passed, rebased("feature/A", "clean"), "OutOfPhase"],
        [passed, retested("feature/A", true), "OutOfPhase"],
        [passed, rebased("nobody", "noop"), "OutOfPhase"],
        [passed, check("nobody", 0, false, true), "OutOfPhase"],
        [passed, merged("nobody"), "NotHolder"],
        [passed, abort("nobody"), "NotHolder"],
        [deferred, enter("feature/B", 1), "Defer"],
        [run(deferred, merged("feature/B")), merged("feature/B", 1), "NotHolder"],
        [run(passed, corrupt()), corrupt(1), "Corrupted"],
      ];
      for (const [state, event, tag] of noOps) {
        const next = apply(state, event);
        expect(next.result._tag).toBe(tag);
        expect(next.state).toBe(state);
      }
      expect(apply(passed, rebased("nobody", "noop")).result).toEqual({
        _tag: "OutOfPhase",
        branch: "nobody",
        phase: null,
      });
    });

    it("keeps the identity of branches an event did not touch, and never mutates its input", () => {
      const state = run(start(), enter("a"), enter("b"), enter("c"));
      const snapshot = structuredClone(state);
      const next = run(state, merged("a", 5), enter("b", 6));
      expect(next.branches.c).toBe(state.branches.c);
      expect(state).toEqual(snapshot);
    });
  });

  describe("helpers", () => {
    it("holder and isBusy read the lease valid at atMs", () => {
      const held = run(start(), enter("a", 100));
      expect(MergeGate.holder(held, 100)).toBe("a");
      expect(MergeGate.isBusy(held, 100 + TTL_MS - 1)).toBe(true);
      expect(MergeGate.holder(held, 100 + TTL_MS)).toBeNull();
      expect(MergeGate.isBusy(start(), 0)).toBe(false);
      expect(() => MergeGate.holder(held, -1)).toThrow(AssertionError);
    });
  });

  describe("validation", () => {
    it("config validation names the field", () => {
      const bad: readonly (readonly [string, unknown, string])[] = [
        ["leaseTtlMs", 0, "MergeGate config: leaseTtlMs (0) must be a positive integer"],
        ["deferBackoffBaseMs", -1, "MergeGate config: deferBackoffBaseMs (-1) must be an integer >= 0"],
        ["deferBackoffCapMs", 1.5, "MergeGate config: deferBackoffCapMs (1.5) must be an integer >= 0"],
        [
          "deferBackoffCapMs",
          500,
          "MergeGate config: deferBackoffCapMs (500) must be at least deferBackoffBaseMs (1000)",
        ],
        ["deferCountMax", 0, "MergeGate config: deferCountMax (0) must be a positive integer"],
        [
          "developerRetryMax",
          Number.NaN,
          "MergeGate config: developerRetryMax (NaN) must be a positive integer",
        ],
        ["premergeRebaseAlways", "true", 'MergeGate config: premergeRebaseAlways ("true") must be a boolean'],
        ["premergeRebaseAlways", 1, "MergeGate config: premergeRebaseAlways (1) must be a boolean"],
        [
          "premergeRebaseAlways",
          undefined,
          "MergeGate config: premergeRebaseAlways (undefined) must be a boolean",
        ],
        ["branchCountMax", "8", 'MergeGate config: branchCountMax ("8") must be a positive integer'],
      ];
      for (const [field, value, message] of bad) {
        const attempt = () => MergeGate.initial({ ...config, [field]: value } as Config);
        expect(attempt).toThrow(InvalidConfigError);
        expect(attempt).toThrow(message);
        try {
          attempt();
        } catch (error) {
          expect((error as InvalidConfigError).field).toBe(field);
        }
      }
      expect(() => MergeGate.initial(null as unknown as Config)).toThrow(InvalidConfigError);
      expect(start({ deferBackoffBaseMs: 0, deferBackoffCapMs: 0 }).config.deferBackoffCapMs).toBe(0);
    });

    it("asserts on malformed events", () => {
      const state = start();
      const malformed: readonly unknown[] = [
        { _tag: "Enter", branch: "a", atMs: 1.5 },
        { _tag: "Enter", branch: "", atMs: 0 },
        { _tag: "Check", branch: "", behind: true, prMerged: false, atMs: 0 },
        { _tag: "Check", branch: "a", behind: "yes", prMerged: false, atMs: 0 },
        { _tag: "Check", branch: "a", behind: true, atMs: 0 },
        { _tag: "Check", branch: "a", behind: true, prMerged: false, atMs: -1 },
        { _tag: "Rebased", branch: "a", outcome: "dirty", atMs: 0 },
        { _tag: "Retested", branch: "a", green: 1, atMs: 0 },
        { _tag: "Abort", branch: "a", atMs: 0 },
        { _tag: "CorruptLease", atMs: -1 },
        { _tag: "RetestTimedOut", branch: "", atMs: 0 },
        { _tag: "ForceRelease", atMs: 0 },
        { _tag: "Merge", branch: "a", atMs: 0 },
      ];
      for (const event of malformed) {
        expect(() => MergeGate.transition(state, event as Event)).toThrow(AssertionError);
      }
    });
  });
});
