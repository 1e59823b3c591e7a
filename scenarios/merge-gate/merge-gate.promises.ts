/**
 * The promises of the MergeGate models, as the invariant names the checker reports (seeds 004 and 001,
 * ../../shared/seeds/004_1b9ac3a108b9e833.txt and ../../shared/seeds/001_fd4d1e9648c828d1.txt); which input
 * breaks which is in ./merge-gate.space.ts.
 */

export const MERGED_GREEN = "every merge lands a tree CI found green against exactly the main it lands on";
export const MERGED_ONCE = "no PR merges twice";
export const ONE_PASSED = "at most one branch is between gate pass and merge";
export const PASS_HOLDS = "the gate passes a branch only while it holds the lease with the token of its pass";
export const FENCING = "fencing tokens strictly increase per grant";
/** Seed 004's AC-6: a re-test past its timeout is no green re-test. */
export const TIMEOUT_ROLLS_BACK =
  "a re-test that times out rolls the branch back or fails it and releases the lease, never passes it";
/** Seed 004's TC-03 / AC-9 (never-raise): a behind-check that failed cannot prove the branch up to date. */
export const AMBIGUOUS_IS_BEHIND =
  "an ambiguous behind-check is treated as behind: never a pass or a re-test without a rebase first";
/** Seed 004's `release_merge_lease(repo, None)`: unconditional, but it touches only the lease and its holder. */
export const BACKSTOP_FREES =
  "the release backstop frees the lease and revokes only its holder's attempt, never another branch's";
