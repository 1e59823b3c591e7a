/**
 * Explicit-state model of the core `MergeGate` (seeds 004 and 001: merge_gate.py, ORCH-043, ORCH-026 and
 * test_merge_gate_race.py's TC-24 and TC-17): branches' pipelines go through the gate of one repository in
 * every order the gate accepts — Enter, the Check read under the lease, Rebased, Retested, Merged (the deploy
 * and the PR-merged webhook), Abort (the reaper's release) and a corrupt lease record — while the clock ticks
 * past lease expiry and defer backoff, pipelines crash anywhere and are re-driven, the developer revises a
 * rolled-back branch, and CI says green or red. Next to the gate the model keeps an abstract repository (main's
 * version, each branch's base, main's fence) and, as ghost data, the main version at which each branch's current
 * tree was last found green, so it can check the promise the gate exists for: every merge lands a tree CI found
 * green against exactly the main it lands on.
 *
 * The fixed gate (`merge-gate`, `merge-gate-rebase-when-behind`) must be verified. The seeds' buggy behaviours
 * are model variants, wrappers around the core here (never modes of the core), each found with its shortest
 * counterexample: merging without the gate, the file lease without fencing, the seed's TC-17 skip that passes
 * an up-to-date branch nobody re-tested, the gate before issue 17's fix (a Failed attempt forgot that its
 * tree was red, and a crash plus the reaper's redrive merged it), and a failed behind-check read as "up to
 * date" (the opposite of seed 004's never-raise rule). Issue 24 adds seed 004's other promises as events:
 * a re-test that times out (AC-6), the unconditional release backstop (`branch=None`) and an ambiguous
 * behind-check (TC-03, AC-9), each with its invariant.
 *
 * The model itself is in ./merge-gate.space.ts, its state in ./merge-gate.state.ts, its promises in
 * ./merge-gate.promises.ts; the registered models are here, and the rest is re-exported.
 */
import { defineModel } from "@interleave/sim";
import { mergeGateModel } from "./merge-gate.space.js";

export { type GateVariant, type MergeGateModelOptions, mergeGateModel } from "./merge-gate.space.js";
export type { BranchEnv, MergeGateInput, MergeGateModelState, Pc } from "./merge-gate.state.js";

const SOURCE = "shared/seeds/004_1b9ac3a108b9e833.txt, shared/seeds/001_fd4d1e9648c828d1.txt";
const EVENTS =
  "2 branches; Enter, Check, Rebased, Retested, Merged (deploy and PR-merged webhook), Abort (main's refusal and the reaper) in any order";
const FAULTS =
  "lease TTL 2 s; 1 defer, then capped; 2 developer retries; 1 crash anywhere, then requeue or reaper";
const PROMISE =
  "a branch merges only as a tree re-tested green against the main it merges into; one pass per lease; tokens increase";

/** The fixed gate with ORCH-026's always-rebase (the seeds' default). */
export const mergeGateChecked = defineModel({
  name: "merge-gate",
  machine: "MergeGate",
  description: `${EVENTS}; 1 s ticks to 4 s; ${FAULTS}; 1 revision per branch; premergeRebaseAlways`,
  source: SOURCE,
  expect: "pass",
  why: PROMISE,
  build: () => mergeGateModel(),
});

/** The fixed gate with the kill-switch off (ORCH-043: rebase only when behind; TC-17's skip). */
export const mergeGateRebaseWhenBehindChecked = defineModel({
  name: "merge-gate-rebase-when-behind",
  machine: "MergeGate",
  description: `the same with premergeRebaseAlways off (rebase only a branch that is behind)`,
  source: SOURCE,
  expect: "pass",
  why: PROMISE,
  build: () =>
    mergeGateModel({ gate: { premergeRebaseAlways: false }, name: "merge-gate-rebase-when-behind" }),
});

/** The fixed gate while its lease record may become unreadable (the seed's corrupt-lease reclaim). */
export const mergeGateCorruptLeaseChecked = defineModel({
  name: "merge-gate-corrupt-lease",
  machine: "MergeGate",
  description: `${EVENTS}, and CorruptLease once; 1 s ticks to 3 s; ${FAULTS}; no revision; premergeRebaseAlways`,
  source: SOURCE,
  expect: "pass",
  why: PROMISE,
  build: () =>
    mergeGateModel({
      horizonMs: 3_000,
      revisionsMax: 0,
      corruptionsMax: 1,
      name: "merge-gate-corrupt-lease",
    }),
});

/** Before seed 004: a pipeline merges what passed its own CI, against the main it branched from. */
export const mergeGateBlindMergeChecked = defineModel({
  name: "merge-gate-blind-merge",
  machine: "MergeGate",
  description: "the same pipelines with no gate: each merges right after its own CI",
  source: SOURCE,
  expect: "violation",
  why: "two green branches merged in parallel: the second lands on a main its CI never saw",
  build: () => mergeGateModel({ gated: false, name: "merge-gate-blind-merge" }),
});

/** The seeds' file lease: no fencing token, so main accepts a stale holder's merge. */
export const mergeGateStaleReclaimChecked = defineModel({
  name: "merge-gate-stale-reclaim-without-fencing",
  machine: "MergeGate",
  description: "the fixed gate in front of a main that ignores fencing tokens (the seeds' file lease)",
  source: SOURCE,
  expect: "violation",
  why: "a passed pipeline stalls past its lease, another reclaims it and merges, the stalled one merges too",
  build: () => mergeGateModel({ fencing: false, name: "merge-gate-stale-reclaim-without-fencing" }),
});

/** The seeds' TC-17 skip as written: an up-to-date redrive passes without a re-test. */
export const mergeGateTc17SkipChecked = defineModel({
  name: "merge-gate-tc17-skip",
  machine: "MergeGate",
  description:
    "the same with the seeds' redrive: no untested flag, an up-to-date branch passes without a re-test",
  source: SOURCE,
  expect: "violation",
  why: "a crash between the push of a clean rebase and its re-test: the redrive finds the branch up to date and passes the untested tree",
  build: () => mergeGateModel({ variant: "no-untested", name: "merge-gate-tc17-skip" }),
});

/** The gate before issue 17's fix: Failed forgot that the tree was red. Small bounds: the bug needs 2 branches. */
export const mergeGateFailedRedriveChecked = defineModel({
  name: "merge-gate-failed-redrive",
  machine: "MergeGate",
  description:
    "the gate before issue 17's fix (a Failed attempt cleared untested); 1 developer retry, no revision",
  source: `${SOURCE}; issue 17 (explore merge-gate --variant redrive --seed 3530409179)`,
  expect: "violation",
  why: "a red re-test at the retry cap, a crash before it is recorded, the reaper's redrive: the red tree passes",
  build: () =>
    mergeGateModel({
      variant: "failed-clears-untested",
      gate: { developerRetryMax: 1 },
      revisionsMax: 0,
      name: "merge-gate-failed-redrive",
    }),
});

/** Seed 004's AC-6 and its `release_merge_lease(repo, None)`: re-tests may time out, the backstop may fire. */
export const mergeGateTimeoutBackstopChecked = defineModel({
  name: "merge-gate-timeout-backstop",
  machine: "MergeGate",
  description: `${EVENTS}, RetestTimedOut, and ForceRelease once (the backstop); 1 s ticks to 3 s; ${FAULTS}; no revision; premergeRebaseAlways`,
  source: SOURCE,
  expect: "pass",
  why: `${PROMISE}; a timed-out re-test rolls back and releases; the backstop frees the lease and revokes only its holder`,
  build: () =>
    mergeGateModel({
      timeouts: true,
      backstopsMax: 1,
      horizonMs: 3_000,
      revisionsMax: 0,
      name: "merge-gate-timeout-backstop",
    }),
});

/** Seed 004's TC-03 / AC-9 with the kill-switch off (where "behind" decides): a behind-check may fail. */
export const mergeGateAmbiguousBehindChecked = defineModel({
  name: "merge-gate-ambiguous-behind",
  machine: "MergeGate",
  description: `${EVENTS}; the read under the lease may fail to tell "behind" (Check behind "unknown"); 1 s ticks to 3 s; ${FAULTS}; no revision; rebase only when behind`,
  source: SOURCE,
  expect: "pass",
  why: `${PROMISE}; an ambiguous behind-check is treated as behind`,
  build: () =>
    mergeGateModel({
      gate: { premergeRebaseAlways: false },
      ambiguousReads: true,
      horizonMs: 3_000,
      revisionsMax: 0,
      name: "merge-gate-ambiguous-behind",
    }),
});

/** The opposite of the never-raise rule: a failed behind-check read as "up to date". */
export const mergeGateAmbiguousAsCurrentChecked = defineModel({
  name: "merge-gate-ambiguous-as-current",
  machine: "MergeGate",
  description: 'the same with a failed behind-check reported as "not behind"',
  source: SOURCE,
  expect: "violation",
  why: "a behind-check fails on a branch that is behind: the gate passes it without a rebase or a re-test against the current main",
  build: () =>
    mergeGateModel({
      gate: { premergeRebaseAlways: false },
      ambiguousReads: true,
      variant: "ambiguous-as-current",
      name: "merge-gate-ambiguous-as-current",
    }),
});

/** Every MergeGate model, in the order `check` lists them. */
export const mergeGateModels = [
  mergeGateChecked,
  mergeGateRebaseWhenBehindChecked,
  mergeGateCorruptLeaseChecked,
  mergeGateTimeoutBackstopChecked,
  mergeGateAmbiguousBehindChecked,
  mergeGateBlindMergeChecked,
  mergeGateStaleReclaimChecked,
  mergeGateTc17SkipChecked,
  mergeGateFailedRedriveChecked,
  mergeGateAmbiguousAsCurrentChecked,
] as const;
