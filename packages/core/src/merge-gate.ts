// MergeGate: the gate on the deploy-staging → deploy edge of one repository, as a pure state machine. Before a
// branch merges it must hold the repo's merge lease, be caught up with the current main (rebase) and be
// re-tested as the combined tree, so two green branches merged in parallel cannot break main. Modelled on
// seed 004 (../shared/seeds/004_1b9ac3a108b9e833.txt, merge_gate.py: the lease, rebase, re-test) and seed 001
// (../shared/seeds/001_fd4d1e9648c828d1.txt: ORCH-026's always-rebase, TC-24, TC-17). The caller runs git and
// CI and reports their outcomes as events; the gate decides. The state's types and bookkeeping are in
// merge-gate-state.ts and the lease steps in merge-gate-lease.ts, re-exported here where public.

import { assert, InvalidConfigError } from "./assert.js";
import {
  addMs,
  assertName,
  assertTime,
  cappedDoublingMs,
  configInteger,
  describeValue,
  NO_EFFECTS,
  unknownEvent,
} from "./internal/checks.js";
import { getOwn } from "./internal/record.js";
import * as Lease from "./lease.js";
import type { Transition } from "./machine.js";
import { acquire, type Reclaimed, releaseBy, withLease } from "./merge-gate-lease.js";
import {
  type ActiveBranch,
  activeBranch,
  admit,
  type Branch,
  type Config,
  checkState,
  endAttempt,
  ended,
  isFinished,
  NEW_BRANCH,
  type Phase,
  revoke,
  type State,
  withBranch,
} from "./merge-gate-state.js";

export type { Reclaimed } from "./merge-gate-lease.js";
export type { Branch, Config, Phase, State } from "./merge-gate-state.js";

/**
 * MergeGate events, each carrying its time `atMs` (non-negative integer ms); `branch` is a non-empty name.
 *
 * - `Enter`: the seed's `check_branch_mergeable` up to `acquire_merge_lease` — the branch asks to go through
 *   the gate, i.e. for the repo's merge lease.
 * - `Check`: the rest of `check_branch_mergeable`'s head, read UNDER the lease the `Acquired` result
 *   granted (phase `checking`): whether the branch is `behind` origin/main and whether its PR already merged
 *   (`prMerged`). Read after the grant, neither can be stale: no other branch merges while this one holds.
 *   `behind: "unknown"` is a behind-check that failed or was ambiguous (a git error, a bad ref): the seed's
 *   never-raise rule (TC-03, AC-9) treats it as behind — the gate cannot prove the branch up to date.
 * - `Rebased`: the rebase the gate asked for ended: `"clean"` (rebased and pushed), `"noop"` (HEAD
 *   unchanged: the branch already contained main) or `"conflict"` (aborted, worktree left clean).
 * - `Retested`: the re-test of the rebased tree the gate asked for ended, `green` or red.
 * - `RetestTimedOut`: that re-test ran past its timeout (the seed's "re-test timeout after <T>s", AC-6):
 *   neither green nor red, and treated as red.
 * - `Merged`: deploy → done, or the PR-merged webhook: the branch merged.
 * - `Abort`: a rollback decided elsewhere (e.g. the merge itself was refused); `reason` is for the caller's
 *   log, the gate does not read it.
 * - `CorruptLease`: a fault: the lease record became unreadable.
 * - `ForceRelease`: the seed's `release_merge_lease(repo, branch=None)`, the unconditional best-effort
 *   backstop: the lease is freed whoever holds it; `reason` is for the caller's log.
 */
export type Event =
  | { readonly _tag: "Enter"; readonly branch: string; readonly atMs: number }
  | {
      readonly _tag: "Check";
      readonly branch: string;
      readonly behind: boolean | "unknown";
      readonly prMerged: boolean;
      readonly atMs: number;
    }
  | {
      readonly _tag: "Rebased";
      readonly branch: string;
      readonly outcome: "clean" | "noop" | "conflict";
      readonly atMs: number;
    }
  | { readonly _tag: "Retested"; readonly branch: string; readonly green: boolean; readonly atMs: number }
  | { readonly _tag: "RetestTimedOut"; readonly branch: string; readonly atMs: number }
  | { readonly _tag: "Merged"; readonly branch: string; readonly atMs: number }
  | { readonly _tag: "Abort"; readonly branch: string; readonly reason: string; readonly atMs: number }
  | { readonly _tag: "CorruptLease"; readonly atMs: number }
  | { readonly _tag: "ForceRelease"; readonly reason: string; readonly atMs: number };

/** Why a Pass let the branch through (the seed's reasons, verbatim). */
export type PassReason =
  | "branch up-to-date with main"
  | "rebase was a no-op"
  | "rebased onto main, re-test green";

/**
 * MergeGate results. A result that changes nothing returns the very same state object.
 *
 * - `Acquired` (Enter): the lease is granted with fencing token `token` (how: `reclaimed`); phase `checking`.
 *   Read `behind` and `prMerged` under the lease, then report `Check`.
 * - `AlreadyMerged` (Check with `prMerged`): the redrive is a no-op (TC-17); the lease is released and the
 *   phase is `merged`.
 * - `Defer` (Enter): the seed's "merge-lock busy": `holder` holds a valid lease. Re-queue the branch to Enter
 *   again not before `availableAtMs`; `deferCount` is the busy defers in a row so far.
 * - `DeferCapped` (Enter): busy once more after `deferCountMax` defers (`deferCount` = `deferCountMax + 1`):
 *   the gate gives up on this attempt; phase `rolled-back`, `deferCount` reset. Not a developer retry.
 * - `Rebase` (Check): rebase the branch onto main while holding the lease with `token`, then report
 *   `Rebased`.
 * - `Retest` (Rebased clean; Check or Rebased noop of an `untested` branch): re-test the branch's tree while
 *   holding the lease with `token`, then report `Retested`.
 * - `Pass` (Check, Rebased noop, Retested green): safe to merge while holding the lease with `token`;
 *   `retested` tells whether a re-test ran in this attempt.
 * - `RolledBack` (Rebased conflict, Retested red, RetestTimedOut, Abort by the holder): the lease is released;
 *   phase `rolled-back`. `retryCount` is the branch's developer retries after this step (Abort does not count
 *   one).
 * - `Failed` (Rebased conflict, Retested red, RetestTimedOut): that retry brought `retryCount` to
 *   `developerRetryMax`; the lease is released; phase `failed`.
 * - `Released` (Merged): this branch held the lease; it is released.
 * - `NotHolder` (Merged, Abort): the branch does not hold the lease (recorded `holder`, valid or expired,
 *   or `null`); its phase is updated (if it has an entry), the lease is untouched.
 * - `OutOfPhase` (Check, Rebased, Retested, RetestTimedOut): not expected now — the branch is not in the phase the event
 *   finishes (`phase`, `null` for an unknown branch) while holding the lease with its token, e.g. its lease
 *   was reclaimed meanwhile. Nothing changed.
 * - `Rejected` (Enter): a new branch while `branchCountMax` are tracked and none is prunable.
 * - `Corrupted` (CorruptLease): the lease record is marked unreadable.
 * - `ForceReleased` (ForceRelease): the lease is free; `holder` is the branch whose attempt it revoked, or
 *   `null` when no branch held it.
 */
export type Result =
  | { readonly _tag: "Acquired"; readonly token: number; readonly reclaimed: Reclaimed }
  | { readonly _tag: "AlreadyMerged"; readonly branch: string }
  | {
      readonly _tag: "Defer";
      readonly holder: string;
      readonly availableAtMs: number;
      readonly deferCount: number;
    }
  | { readonly _tag: "DeferCapped"; readonly holder: string; readonly deferCount: number }
  | { readonly _tag: "Rebase"; readonly token: number }
  | { readonly _tag: "Retest"; readonly token: number }
  | {
      readonly _tag: "Pass";
      readonly token: number;
      readonly retested: boolean;
      readonly reason: PassReason;
    }
  | {
      readonly _tag: "RolledBack";
      readonly reason: "conflict" | "red" | "timeout" | "aborted";
      readonly retryCount: number;
    }
  | { readonly _tag: "Failed"; readonly reason: "conflict" | "red" | "timeout"; readonly retryCount: number }
  | { readonly _tag: "Released" }
  | { readonly _tag: "NotHolder"; readonly holder: string | null }
  | { readonly _tag: "OutOfPhase"; readonly branch: string; readonly phase: Phase | null }
  | { readonly _tag: "Rejected"; readonly reason: "branch-limit" }
  | { readonly _tag: "Corrupted" }
  | { readonly _tag: "ForceReleased"; readonly holder: string | null };

/** The gate has no effects: the caller runs git and CI as the results ask. */
export type Effect = never;

type Step = Transition<State, Result, Effect>;

const MACHINE = "MergeGate";

const OUTCOMES: readonly unknown[] = ["clean", "noop", "conflict"];

// ---------------------------------------------------------------------------------------------------------
// Public functions

/**
 * The gate of one repository for `config`, after validating every field: no branch, a free lease.
 *
 * @throws `InvalidConfigError` naming the field: `leaseTtlMs`, `deferCountMax`, `developerRetryMax` or
 *   `branchCountMax` not a positive integer; `deferBackoffBaseMs` or `deferBackoffCapMs` not an integer
 *   `>= 0`, or the cap below the base; `premergeRebaseAlways` not a boolean. E.g.
 *   `MergeGate config: deferBackoffCapMs (500) must be at least deferBackoffBaseMs (1000)`.
 * @example
 * const gate = MergeGate.initial({
 *   leaseTtlMs: 300_000, deferBackoffBaseMs: 30_000, deferBackoffCapMs: 300_000, deferCountMax: 20,
 *   developerRetryMax: 3, premergeRebaseAlways: true, branchCountMax: 1_000,
 * });
 */
export function initial(config: Config): State {
  const leaseTtlMs = configInteger(MACHINE, config, "leaseTtlMs", 1);
  const deferBackoffBaseMs = configInteger(MACHINE, config, "deferBackoffBaseMs", 0);
  const deferBackoffCapMs = configInteger(MACHINE, config, "deferBackoffCapMs", 0);
  if (deferBackoffCapMs < deferBackoffBaseMs) {
    throw new InvalidConfigError(
      "deferBackoffCapMs",
      `${MACHINE} config: deferBackoffCapMs (${describeValue(deferBackoffCapMs)}) must be at least ` +
        `deferBackoffBaseMs (${describeValue(deferBackoffBaseMs)})`,
    );
  }
  const deferCountMax = configInteger(MACHINE, config, "deferCountMax", 1);
  const developerRetryMax = configInteger(MACHINE, config, "developerRetryMax", 1);
  const fields: Readonly<Record<string, unknown>> =
    typeof config === "object" && config !== null ? (config as unknown as Record<string, unknown>) : {};
  const premergeRebaseAlways = fields.premergeRebaseAlways;
  if (typeof premergeRebaseAlways !== "boolean") {
    throw new InvalidConfigError(
      "premergeRebaseAlways",
      `${MACHINE} config: premergeRebaseAlways (${describeValue(premergeRebaseAlways)}) must be a boolean`,
    );
  }
  const branchCountMax = configInteger(MACHINE, config, "branchCountMax", 1);
  return {
    config: {
      leaseTtlMs,
      deferBackoffBaseMs,
      deferBackoffCapMs,
      deferCountMax,
      developerRetryMax,
      premergeRebaseAlways,
      branchCountMax,
    },
    lease: Lease.initial({ leaseTtlMs }),
    leaseCorrupt: false,
    branches: {},
  };
}

/**
 * The delay (ms) after the `deferCount`-th busy defer in a row before the branch may Enter again:
 * `min(deferBackoffCapMs, deferBackoffBaseMs * 2^(deferCount - 1))`. With base 1000 and cap 8000: 1000, 2000,
 * 4000, 8000, 8000, ... Never overflows, whatever the count.
 *
 * @throws `AssertionError` when `deferCount` is not an integer `>= 1`.
 */
export function backoffMs(config: Config, deferCount: number): number {
  return cappedDoublingMs(config.deferBackoffBaseMs, config.deferBackoffCapMs, deferCount, "deferCount");
}

/**
 * The branch whose merge lease is valid at `atMs` (integer ms), or `null` when the lease is free, expired,
 * or its record is corrupt (an unreadable record names nobody; the next Enter reclaims it). This is who an
 * Enter by another branch would be deferred behind.
 *
 * @throws `AssertionError` when `atMs` is not a non-negative integer.
 */
export function holder(state: State, atMs: number): string | null {
  assertTime(atMs);
  const { lease } = state;
  if (state.leaseCorrupt || lease.holder === null || atMs >= lease.expiresAtMs) {
    return null;
  }
  return lease.holder;
}

/**
 * Whether an Enter by a branch other than {@link holder} would be deferred at `atMs` ("merge-lock busy").
 *
 * @throws `AssertionError` when `atMs` is not a non-negative integer.
 */
export function isBusy(state: State, atMs: number): boolean {
  return holder(state, atMs) !== null;
}

/**
 * Applies one event. Pure: never mutates `state` or the event, and returns the same `state` object when
 * nothing changed; branches the event did not touch keep their identity.
 *
 * - Enter: when the branch's `availableAtMs` is still ahead and another branch holds a valid lease, `Defer`
 *   again with the same `availableAtMs` and count (the caller came too early; if the lease is free by now,
 *   the early Enter goes ahead). Then the lease is acquired ({@link Lease.transition} `Acquire`; when the
 *   record is corrupt, it is overwritten whoever it names, with a new token). Busy → `Defer` with
 *   `availableAtMs = atMs + backoffMs(deferCount)`, or `DeferCapped` past `deferCountMax`. Granted (fresh,
 *   the holder's idempotent re-acquire — the seed's "lease already held" — or a reclaim) → `Acquired`, phase
 *   `checking`. A grant that takes the lease from another branch sends that branch back to `waiting` (its
 *   token, and any pass, revoked). The holder's re-acquire restarts its attempt at `checking`: a `Rebased`
 *   or `Retested` of the step it interrupted is then `OutOfPhase`.
 * - Check (phase `checking`, still the holder; `behind` and `prMerged` read under the lease): `prMerged` →
 *   release and `AlreadyMerged` (TC-17's no-op redrive); `behind` (true or `"unknown"`, TC-03) or
 *   `premergeRebaseAlways` → `Rebase`
 *   (phase `rebasing`); else an `untested` branch → `Retest` (phase `testing`); else → `Pass` with reason
 *   "branch up-to-date with main" and no re-test (TC-17's skip, phase `passed`).
 * - Rebased (phase `rebasing`, still the holder): conflict → release and `RolledBack` / `Failed`; clean →
 *   `Retest`, and the branch is `untested`; noop → `Retest` when the branch is `untested` (its tree is the
 *   earlier rebase nobody re-tested), else `Pass` ("rebase was a no-op").
 * - Retested (phase `testing`, still the holder): green → `Pass` ("rebased onto main, re-test green"), the
 *   lease stays held until the merge; red → release and `RolledBack` / `Failed`. Both count a re-test; green
 *   clears `untested`, red sets it (the branch must show a green re-test at the gate before it passes).
 * - RetestTimedOut (phase `testing`, still the holder): as a red Retested, reason `"timeout"` (AC-6).
 * - Merged: phase `merged`; `Released` when the branch is the recorded holder, else `NotHolder`.
 * - Abort: phase `rolled-back`; `RolledBack` (reason `"aborted"`) when the branch is the recorded holder and
 *   its lease was released, else `NotHolder`.
 * - CorruptLease: `Corrupted`; `leaseCorrupt` is set.
 * - ForceRelease (not holder-aware, unlike Merged and Abort): the lease is released whoever holds it, valid,
 *   expired or corrupt, and `leaseCorrupt` cleared; the recorded holder's attempt is revoked as a reclaim
 *   revokes it (phase `waiting`, token and any pass cleared, `untested` kept), so its later Rebased, Retested
 *   or RetestTimedOut are `OutOfPhase`; no other branch changes and the token does not move (the next grant
 *   gets a new one, which a fenced main then holds against the revoked holder). `ForceReleased`.
 *
 * Every attempt end (merged, rolled-back, failed) clears the branch's token, `deferCount` and
 * `availableAtMs` (and `untested` when it merged; see {@link Branch}); a grant clears `deferCount`
 * and `availableAtMs`. An Enter of a branch in phase `merged`
 * or `failed` starts it over with fresh counters (a failed one keeps `untested`). A release by the holder also
 * clears `leaseCorrupt` (the seed's release deletes the record, readable or not); a Merged or Abort by
 * another branch leaves a corrupt record alone (unlike the seed, which cannot tell whose it is). Check,
 * Rebased and Retested trust the recorded holder even while the record is corrupt or expired.
 *
 * Reads under the lease, and redrives after a crash: `behind` and `prMerged` come with Check, after the
 * grant, as the seed reads them under the lease (read before the grant, `behind: false` could miss a merge
 * by the previous holder and skip the very catch-up the gate exists for). And the seed's TC-17 skip assumes
 * the previous attempt's re-test finished: a pipeline that crashed between the push of a clean rebase and
 * the report of its re-test leaves a branch that is up to date with main, which the seed would pass
 * without any re-test of the rebased tree. The gate keeps `untested` on the branch, so that redrive answers
 * `Retest`. A `behind` (or always-rebase) Check still rebases first, since re-testing a tree that lacks
 * main's newest merge would prove nothing about the merge; the Rebased clean or noop then asks the re-test.
 *
 * Deterministic: the same state and event always give the same step. Events are expected in nondecreasing
 * `atMs`; the gate does not check that (it keeps no clock).
 *
 * @throws `AssertionError` on a malformed event: `atMs` not a non-negative integer, `branch` empty,
 *   `behind`, `prMerged` or `green` not a boolean, an unknown `outcome` or `_tag`, `reason` not a string.
 * @example
 * const held = MergeGate.transition(gate, { _tag: "Enter", branch: "feature/B", atMs: 0 });
 * // held.result: { _tag: "Acquired", token: 1, reclaimed: "no" }
 * const { result } = MergeGate.transition(held.state, {
 *   _tag: "Check", branch: "feature/B", behind: true, prMerged: false, atMs: 5,
 * });
 * // result: { _tag: "Rebase", token: 1 }
 */
export function transition(state: State, event: Event): Step {
  assertTime(event.atMs);
  switch (event._tag) {
    case "Enter":
      assertName("branch", event.branch);
      return enter(state, event.branch, event.atMs);
    case "Check":
      assertName("branch", event.branch);
      assert(
        typeof event.behind === "boolean" || event.behind === "unknown",
        () => `behind must be a boolean or "unknown", got ${describeValue(event.behind)}`,
      );
      assertFlag("prMerged", event.prMerged);
      return check(state, event.branch, event.behind, event.prMerged, event.atMs);
    case "Rebased":
      assertName("branch", event.branch);
      assert(
        OUTCOMES.includes(event.outcome),
        () => `outcome must be "clean", "noop" or "conflict", got ${describeValue(event.outcome)}`,
      );
      return rebased(state, event.branch, event.outcome, event.atMs);
    case "Retested":
      assertName("branch", event.branch);
      assertFlag("green", event.green);
      return retested(state, event.branch, event.green, event.atMs);
    case "RetestTimedOut":
      assertName("branch", event.branch);
      return retestTimedOut(state, event.branch, event.atMs);
    case "Merged":
      assertName("branch", event.branch);
      return merged(state, event.branch, event.atMs);
    case "Abort":
      assertName("branch", event.branch);
      assert(
        typeof event.reason === "string",
        () => `reason must be a string, got ${describeValue(event.reason)}`,
      );
      return abort(state, event.branch, event.atMs);
    case "CorruptLease":
      return corruptLease(state);
    case "ForceRelease":
      assert(
        typeof event.reason === "string",
        () => `reason must be a string, got ${describeValue(event.reason)}`,
      );
      return forceRelease(state, event.atMs);
    default:
      return unknownEvent(event);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Events

function enter(state: State, name: string, atMs: number): Step {
  const existing = getOwn(state.branches, name);
  // A finished branch starts over with fresh counters, but a failed one keeps `untested`: its tree was red.
  const branch =
    existing === undefined
      ? NEW_BRANCH
      : isFinished(existing.phase)
        ? { ...NEW_BRANCH, untested: existing.untested }
        : existing;
  const busyHolder = holder(state, atMs);
  if (atMs < branch.availableAtMs && busyHolder !== null && busyHolder !== name) {
    const { availableAtMs, deferCount } = branch;
    return step(state, state, { _tag: "Defer", holder: busyHolder, availableAtMs, deferCount });
  }
  const admitted = existing === undefined ? admit(state) : state;
  if (admitted === undefined) {
    return step(state, state, { _tag: "Rejected", reason: "branch-limit" });
  }
  const grant = acquire(admitted, name, atMs);
  if (grant._tag === "Busy") {
    return defer(admitted, name, branch, grant.holder, atMs);
  }
  const { token, reclaimed, previous } = grant;
  let next: State = withLease(admitted, grant.lease, false);
  if (previous !== null && previous !== name) {
    next = revoke(next, previous);
  }
  const granted: Branch = { ...branch, phase: "checking", token, deferCount: 0, availableAtMs: 0 };
  return step(state, withBranch(next, name, granted), { _tag: "Acquired", token, reclaimed });
}

/** A busy answer: one more defer in a row, or the attempt is given up past `deferCountMax`. */
function defer(state: State, name: string, branch: Branch, busyHolder: string, atMs: number): Step {
  const { config } = state;
  const deferCount = branch.deferCount + 1;
  if (deferCount > config.deferCountMax) {
    const capped = withBranch(state, name, ended(branch, "rolled-back"));
    return step(state, capped, { _tag: "DeferCapped", holder: busyHolder, deferCount });
  }
  const availableAtMs = addMs(atMs, backoffMs(config, deferCount));
  const waiting: Branch = { ...branch, phase: "waiting", token: null, deferCount, availableAtMs };
  return step(state, withBranch(state, name, waiting), {
    _tag: "Defer",
    holder: busyHolder,
    availableAtMs,
    deferCount,
  });
}

function check(
  state: State,
  name: string,
  behind: boolean | "unknown",
  prMerged: boolean,
  atMs: number,
): Step {
  const branch = activeBranch(state, name, "checking");
  if (branch === undefined) {
    return outOfPhase(state, name);
  }
  const { token } = branch;
  if (prMerged) {
    const released = releaseBy(state, name, atMs);
    assert(released !== state, () => `${describeValue(name)} is active but could not release the lease`);
    return step(state, endAttempt(released, name, branch, "merged"), { _tag: "AlreadyMerged", branch: name });
  }
  // TC-03 / AC-9: a behind-check that failed cannot prove the branch up to date, so it counts as behind.
  const mayBeBehind = behind !== false;
  if (mayBeBehind || state.config.premergeRebaseAlways) {
    // A branch that is behind will change: mark it untested before the rebase is even tried, so that a crash
    // between the push of the rebased branch and the report of that push (`Rebased`) cannot leave a redrive
    // that finds it up to date and passes a tree nobody re-tested.
    const rebasing: ActiveBranch = { ...branch, phase: "rebasing", untested: branch.untested || mayBeBehind };
    return step(state, withBranch(state, name, rebasing), { _tag: "Rebase", token });
  }
  if (branch.untested) {
    return retest(state, name, branch);
  }
  return step(state, withBranch(state, name, { ...branch, phase: "passed" }), {
    _tag: "Pass",
    token,
    retested: false,
    reason: "branch up-to-date with main",
  });
}

/** `name`'s tree must be re-tested under the lease it holds: phase `testing`, `Retest`. */
function retest(state: State, name: string, branch: ActiveBranch): Step {
  return step(state, withBranch(state, name, { ...branch, phase: "testing" }), {
    _tag: "Retest",
    token: branch.token,
  });
}

function rebased(state: State, name: string, outcome: "clean" | "noop" | "conflict", atMs: number): Step {
  const branch = activeBranch(state, name, "rebasing");
  if (branch === undefined) {
    return outOfPhase(state, name);
  }
  switch (outcome) {
    case "conflict":
      return rollBack(state, name, branch, "conflict", atMs);
    case "noop":
      if (branch.untested) {
        return retest(state, name, branch);
      }
      return step(state, withBranch(state, name, { ...branch, phase: "passed" }), {
        _tag: "Pass",
        token: branch.token,
        retested: false,
        reason: "rebase was a no-op",
      });
    case "clean":
      return retest(state, name, { ...branch, untested: true });
  }
}

function retested(state: State, name: string, green: boolean, atMs: number): Step {
  const branch = activeBranch(state, name, "testing");
  if (branch === undefined) {
    return outOfPhase(state, name);
  }
  const tested: ActiveBranch = { ...branch, retested: branch.retested + 1, untested: !green };
  if (!green) {
    return rollBack(state, name, tested, "red", atMs);
  }
  return step(state, withBranch(state, name, { ...tested, phase: "passed" }), {
    _tag: "Pass",
    token: branch.token,
    retested: true,
    reason: "rebased onto main, re-test green",
  });
}

/** AC-6: a re-test that ran past its timeout proves nothing green; it rolls back as a red one. */
function retestTimedOut(state: State, name: string, atMs: number): Step {
  const branch = activeBranch(state, name, "testing");
  if (branch === undefined) {
    return outOfPhase(state, name);
  }
  return rollBack(state, name, { ...branch, retested: branch.retested + 1, untested: true }, "timeout", atMs);
}

/**
 * A developer retry: releases the lease; `Failed` once `retryCount` reaches `developerRetryMax`. Keeps
 * `untested` as it is (set after a red re-test): until the gate sees a green re-test, it will not pass the
 * branch, revised or not.
 */
function rollBack(
  state: State,
  name: string,
  branch: ActiveBranch,
  reason: "conflict" | "red" | "timeout",
  atMs: number,
): Step {
  const retryCount = branch.retryCount + 1;
  const failed = retryCount >= state.config.developerRetryMax;
  const released = releaseBy(state, name, atMs);
  assert(released !== state, () => `${describeValue(name)} is active but could not release the lease`);
  const revised: Branch = { ...branch, retryCount };
  const next = endAttempt(released, name, revised, failed ? "failed" : "rolled-back");
  return step(state, next, { _tag: failed ? "Failed" : "RolledBack", reason, retryCount });
}

function merged(state: State, name: string, atMs: number): Step {
  const branch = getOwn(state.branches, name);
  const released = releaseBy(state, name, atMs);
  const result: Result =
    released === state ? { _tag: "NotHolder", holder: state.lease.holder } : { _tag: "Released" };
  return step(state, branch === undefined ? released : endAttempt(released, name, branch, "merged"), result);
}

function abort(state: State, name: string, atMs: number): Step {
  const branch = getOwn(state.branches, name);
  const released = releaseBy(state, name, atMs);
  if (released === state || branch === undefined) {
    const next = branch === undefined ? state : endAttempt(state, name, branch, "rolled-back");
    return step(state, next, { _tag: "NotHolder", holder: state.lease.holder });
  }
  return step(state, endAttempt(released, name, branch, "rolled-back"), {
    _tag: "RolledBack",
    reason: "aborted",
    retryCount: branch.retryCount,
  });
}

function corruptLease(state: State): Step {
  return step(state, withLease(state, state.lease, true), { _tag: "Corrupted" });
}

/** The unconditional backstop: free the lease, revoke its recorded holder's attempt (see {@link transition}). */
function forceRelease(state: State, atMs: number): Step {
  const previous = state.lease.holder;
  if (previous === null) {
    return step(state, withLease(state, state.lease, false), { _tag: "ForceReleased", holder: null });
  }
  return step(state, revoke(releaseBy(state, previous, atMs), previous), {
    _tag: "ForceReleased",
    holder: previous,
  });
}

function outOfPhase(state: State, name: string): Step {
  return step(state, state, {
    _tag: "OutOfPhase",
    branch: name,
    phase: getOwn(state.branches, name)?.phase ?? null,
  });
}

function assertFlag(name: string, value: boolean): void {
  assert(typeof value === "boolean", () => `${name} must be a boolean, got ${describeValue(value)}`);
}

/** The step from `before` to `after` (the same object when nothing changed), checked when it changed. */
function step(before: State, after: State, result: Result): Step {
  if (after !== before) {
    assert(after.lease.token >= before.lease.token, "fencing tokens must never decrease");
    checkState(after);
  }
  return { state: after, effects: NO_EFFECTS, result };
}
