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
