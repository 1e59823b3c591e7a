// MergeGate state: the configuration, the phases of a branch, the gate's state (branches and the merge lease)
// and the bookkeeping that keeps its invariants (admission under branchCountMax, attempt ends, revocation,
// the per-branch and per-state assertions). Split from merge-gate.ts so that the transition reads on its own;
// the types are re-exported there as `MergeGate.Config`, `MergeGate.Branch`, `MergeGate.State`, ….

import { assert } from "./assert.js";
import { describeValue } from "./internal/checks.js";
import { getOwn, withEntry } from "./internal/record.js";
import type * as Lease from "./lease.js";

/** MergeGate configuration, validated by `MergeGate.initial`. Durations are integer ms. */
export interface Config {
  /** The seed's `merge_lock_timeout_s`, in ms: a lease older than this is stale. Positive integer. */
  readonly leaseTtlMs: number;
  /** Delay before a deferred branch may Enter again after its first busy defer; doubles per defer. `>= 0`. */
  readonly deferBackoffBaseMs: number;
  /** Upper bound of that delay. `>= deferBackoffBaseMs`. */
  readonly deferBackoffCapMs: number;
  /** Busy defers in a row the gate allows an attempt; the next busy answer gives up. Positive integer. */
  readonly deferCountMax: number;
  /** The seed's `MAX_DEVELOPER_RETRIES`: conflicts and red re-tests before the branch Fails. Positive integer. */
  readonly developerRetryMax: number;
  /** ORCH-026 Level A: rebase under the lease even when the branch is not behind (a no-op then). Boolean. */
  readonly premergeRebaseAlways: boolean;
  /** Branches tracked at once (see {@link State}). Positive integer. */
  readonly branchCountMax: number;
}

/**
 * Where a branch is in the gate.
 *
 * - `waiting`: entered, not holding the lease (deferred while busy, or its lease was reclaimed by another).
 * - `checking`: holds the lease (an `Acquired` result granted it); the caller reads, under the lease, whether
 *   the branch is behind main and whether its PR already merged, and reports them with `Check`.
 * - `rebasing`: holds the lease; the caller is rebasing it onto main (a `Rebase` result asked for it).
 * - `testing`: holds the lease; the caller is re-testing the rebased tree (a `Retest` result asked for it).
 * - `passed`: holds the lease; safe to merge. The lease stays held until `Merged` (or `Abort`).
 * - `merged`: the branch merged (or its PR already had); finished.
 * - `rolled-back`: the attempt ended without a merge (conflict, red re-test, aborted, or too many defers);
 *   the branch goes back to development and may Enter again.
 * - `failed`: developer retries exhausted; finished.
 *
 * `checking`, `rebasing`, `testing` and `passed` are the active phases: a branch in one of them holds the
 * lease.
 */
export type Phase =
  | "waiting"
  | "checking"
  | "rebasing"
  | "testing"
  | "passed"
  | "merged"
  | "rolled-back"
  | "failed";

/**
 * What the gate keeps for one branch.
 *
 * - `token`: the lease's fencing token of the current attempt while the branch holds the lease (an active
 *   phase); `null` otherwise.
 * - `deferCount`: busy defers in a row of the current attempt, `0..deferCountMax`.
 * - `retryCount`: developer retries so far (conflicts plus red re-tests), across attempts.
 * - `availableAtMs`: after a defer, the branch may not Enter before this instant (ms); `0` = now.
 * - `retested`: re-tests this branch has had (TC-17 checks that a redrive does not add one).
 * - `untested`: the gate may not pass this branch without a green re-test: it asked to rebase a branch that
 *   was behind (`Check` → `Rebase`, also for a `behind: "unknown"`; set then, not at `Rebased`, because the caller may push the rebased
 *   branch and crash before reporting it) or the rebase was clean, and no green re-test has reported since,
 *   or the last re-test was red or timed out. It survives a crash, an expired lease, a reclaim by another
 *   branch or the `ForceRelease` backstop (the revoke keeps it), an `Abort` (the reaper's requeue), a
 *   `DeferCapped` and a rollback — the pipeline may crash between
 *   the gate's `RolledBack` and the developer's revision, and its redrive must not find a red tree
 *   "up-to-date" and pass it — so the redrive's `Check` re-tests the branch even though it is no longer
 *   behind main. Cleared only by a green `Retested`, and when the branch merges. A `Failed` branch keeps it
 *   too, and so does the fresh start of a failed branch that Enters again: the pipeline may crash between the
 *   gate's `Failed` and recording it, and the reaper's redrive must not pass the red tree as "up-to-date"
 *   (issue 17: without this, `Failed` cleared it and that redrive merged a branch never re-tested green).
 */
export interface Branch {
  readonly phase: Phase;
  readonly token: number | null;
  readonly deferCount: number;
  readonly retryCount: number;
  readonly availableAtMs: number;
  readonly retested: number;
  readonly untested: boolean;
}

/**
 * MergeGate state for one repository: plain JSON data.
 *
 * - `lease`: the per-repo merge lease (holder = branch name), a {@link Lease.State} with `leaseTtlMs`.
 * - `leaseCorrupt`: the lease record is unreadable (the seed's JSON parse error); the next Enter reclaims it.
 * - `branches`: per branch name, at most `branchCountMax` entries. An entry is created by the first Enter of
 *   a branch (other events store nothing for an unknown branch). When a new branch Enters at the bound, the
 *   entries in phase `merged`, and those in phase `failed` that are not `untested`, are pruned first; if none
 *   is, the Enter is `Rejected` (a failed branch whose tree was red is kept, so it cannot come back untested).
 *
 * The promise the gate exists for (seeds 004 and 001; model-checked by `merge-gate` in
 * scenarios/merge-gate/merge-gate.model.ts): a branch is passed only as a tree that was re-tested green against
 * the main it merges into — or, when the gate never asked to change it and never saw it red, the tree the
 * pipeline validated, already up to date with main. Whatever the order of crashes, redrives, reaper releases,
 * reclaims, defers, rollbacks and failures, once the gate asks to rebase a branch or sees its re-test red, it
 * answers `Retest` rather than `Pass` until a green `Retested` reports (the `untested` flag of {@link Branch}).
 *
 * Invariant (asserted after every change): at most one branch is in an active phase (`checking`,
 * `rebasing`, `testing`, `passed`), and a branch is in an active phase iff it is the lease's recorded
 * holder, with `token === lease.token`. The recorded holder keeps the lease after it expires until another
 * branch's Enter reclaims it (as the seed's lease file stays until it is overwritten), so "holds" does not
 * depend on time.
 */
export interface State {
  readonly config: Config;
  readonly lease: Lease.State;
  readonly leaseCorrupt: boolean;
  readonly branches: Readonly<Record<string, Branch>>;
}

/** A branch seen for the first time (or entering again after it merged or failed). */
export const NEW_BRANCH: Branch = {
  phase: "waiting",
  token: null,
  deferCount: 0,
  retryCount: 0,
  availableAtMs: 0,
  retested: 0,
  untested: false,
};

/** A branch in an active phase, with the token of the lease it holds. */
export type ActiveBranch = Branch & { readonly token: number };

/** Whether a branch in `phase` is in an attempt that holds the lease: checking, rebasing, testing or passed. */
export function isActive(phase: Phase): boolean {
  return phase === "checking" || phase === "rebasing" || phase === "testing" || phase === "passed";
}

/** Whether a branch in `phase` has finished for good (merged or failed): its next Enter starts over. */
export function isFinished(phase: Phase): boolean {
  return phase === "merged" || phase === "failed";
}

/** A branch the gate may forget: merged, or failed with nothing left to re-test (see {@link Branch}). */
function prunable(branch: Branch): boolean {
  return isFinished(branch.phase) && !branch.untested;
}

/**
 * `name`'s branch when it is in `phase` and still the recorded holder of the lease with its token (valid
 * or expired); `undefined` otherwise.
 */
export function activeBranch(state: State, name: string, phase: Phase): ActiveBranch | undefined {
  const branch = getOwn(state.branches, name);
  if (branch === undefined || branch.phase !== phase || branch.token === null) {
    return undefined;
  }
  if (state.lease.holder !== name || state.lease.token !== branch.token) {
    return undefined;
  }
  return branch as ActiveBranch;
}

/**
 * `branch` at the end of its attempt in `phase`: no token, no defers pending. A merged branch has nothing left
 * to re-test; a rolled-back or failed one keeps `untested` (an Abort may be the reaper's requeue of a crashed
 * pipeline, and a pipeline may crash right after `Failed`: the redrive must still re-test).
 */
export function ended(branch: Branch, phase: "merged" | "rolled-back" | "failed"): Branch {
  const untested = phase === "merged" ? false : branch.untested;
  return { ...branch, phase, token: null, deferCount: 0, availableAtMs: 0, untested };
}

/** `state` with `name`'s attempt ended in `phase` ({@link ended}). */
export function endAttempt(
  state: State,
  name: string,
  branch: Branch,
  phase: "merged" | "rolled-back" | "failed",
): State {
  return withBranch(state, name, ended(branch, phase));
}

/**
 * `state` with `previous`, whose lease a reclaim just took over, sent back to `waiting` (token revoked,
 * `untested` kept).
 */
export function revoke(state: State, previous: string): State {
  const branch = getOwn(state.branches, previous);
  assert(
    branch !== undefined && isActive(branch.phase),
    () => `the lease holder ${describeValue(previous)} must be a branch in an active phase`,
  );
  return withBranch(state, previous, { ...branch, phase: "waiting", token: null });
}

/**
 * Room for a new branch: `state` while fewer than `branchCountMax` are tracked; at the bound, `state` without
 * its prunable entries (merged, or failed and not `untested`); `undefined` when none of those exists.
 */
export function admit(state: State): State | undefined {
  const { branchCountMax } = state.config;
  const entries = Object.entries(state.branches);
  assert(
    entries.length <= branchCountMax,
    () => `${entries.length} branches exceed branchCountMax ${branchCountMax}`,
  );
  if (entries.length < branchCountMax) {
    return state;
  }
  const kept = entries.filter(([, branch]) => !prunable(branch));
  if (kept.length === entries.length) {
    return undefined;
  }
  // Object.fromEntries defines data properties, so a "__proto__" branch stays an ordinary entry.
  return { ...state, branches: Object.fromEntries(kept) };
}

/** `state` with `name`'s entry set to `branch`; `state` itself when the entry already equals it. */
export function withBranch(state: State, name: string, branch: Branch): State {
  const current = getOwn(state.branches, name);
  if (current !== undefined && sameBranch(current, branch)) {
    return state;
  }
  return { ...state, branches: withEntry(state.branches, name, checkBranch(state.config, name, branch)) };
}

function sameBranch(a: Branch, b: Branch): boolean {
  return (
    a.phase === b.phase &&
    a.token === b.token &&
    a.deferCount === b.deferCount &&
    a.retryCount === b.retryCount &&
    a.availableAtMs === b.availableAtMs &&
    a.retested === b.retested &&
    a.untested === b.untested
  );
}

/** Asserts what every stored branch keeps; returns `branch`. */
function checkBranch(config: Config, name: string, branch: Branch): Branch {
  const label = () => `branch ${describeValue(name)}: ${describeValue(branch)}`;
  assert((branch.token !== null) === isActive(branch.phase), () => `${label()}: a token iff an active phase`);
  assert(
    branch.deferCount >= 0 && branch.deferCount <= config.deferCountMax,
    () => `${label()}: deferCount must be in [0, deferCountMax ${config.deferCountMax}]`,
  );
  assert(
    branch.phase === "waiting" || (branch.deferCount === 0 && branch.availableAtMs === 0),
    () => `${label()}: only a waiting branch has defers pending`,
  );
  assert(branch.retryCount >= 0 && branch.retested >= 0, () => `${label()}: counts must not be negative`);
  assert(
    !branch.untested || branch.phase !== "merged",
    () => `${label()}: a merged branch has nothing left to re-test`,
  );
  return branch;
}

/**
 * Asserts the gate's invariant on a changed state: at most one branch is active, and a branch is active iff
 * it is the lease's recorded holder with the lease's token; the branch count stays within its bound.
 */
export function checkState(state: State): void {
  const entries = Object.entries(state.branches);
  assert(
    entries.length <= state.config.branchCountMax,
    () => `${entries.length} branches exceed branchCountMax`,
  );
  const active = entries.filter(([, branch]) => isActive(branch.phase));
  const { holder: leaseHolder, token } = state.lease;
  assert(
    active.length === (leaseHolder === null ? 0 : 1) &&
      active.every(([name, branch]) => name === leaseHolder && branch.token === token),
    () =>
      `the active branches ${describeValue(active.map(([name]) => name))} must be the lease holder ${describeValue(leaseHolder)}`,
  );
}
