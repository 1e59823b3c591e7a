/**
 * The state of the MergeGate models (./merge-gate.space.ts): where each branch's pipeline is, the
 * repository's view of each branch, the gate with its fingerprint, the clock and the ghosts, and the inputs
 * (seeds 004 and 001, ../../shared/seeds/004_1b9ac3a108b9e833.txt and
 * ../../shared/seeds/001_fd4d1e9648c828d1.txt).
 */
import type { MergeGate } from "@interleave/core";
import type { FingerprintBuilder, Fingerprinted } from "@interleave/sim/statespace";

/**
 * Where a branch's pipeline is: the step it takes next.
 *
 * - `idle`: queued at the gate stage (after a defer, a requeue or a redrive): it may Enter.
 * - `acquired`: the gate granted the lease (`token`); next, read the repository under the lease.
 * - `read`: it read `behind` and `prMerged` (fenced with its token), or its behind-check failed; next,
 *   report `Check`.
 * - `rebase`: the gate asked for a rebase; next, rebase in the repository (clean, conflict, or a no-op).
 * - `rebased`: the rebase ended with `outcome`; next, report `Rebased`.
 * - `retest`: the gate asked for a re-test; next, CI runs (green or red).
 * - `tested`: CI said green or red, or timed out; next, report `Retested` (or `RetestTimedOut`).
 * - `passed`: the gate passed it; next, merge into main with its token (main may refuse a stale token).
 * - `merged`: main has it; next, report `Merged` (deploy → done).
 * - `aborting`: main refused its merge; next, `Abort` at the gate, then back to the queue.
 * - `failed`: the gate answered `Failed`; next, record the task failed.
 * - `rolled-back`: the gate answered `RolledBack` or `DeferCapped`; next, the developer revises the branch
 *   (while revisions are left), and it comes back through the pipeline.
 * - `crashed`: the pipeline died; next, the reaper requeues the job (optionally releasing the lease with `Abort`).
 * - `done`: finished (merged, already merged, or failed and recorded).
 */
export type Pc =
  | "idle"
  | "acquired"
  | "read"
  | "rebase"
  | "rebased"
  | "retest"
  | "tested"
  | "passed"
  | "merged"
  | "aborting"
  | "failed"
  | "rolled-back"
  | "crashed"
  | "done";

export const PCS: readonly Pc[] = [
  "idle",
  "acquired",
  "read",
  "rebase",
  "rebased",
  "retest",
  "tested",
  "passed",
  "merged",
  "aborting",
  "failed",
  "rolled-back",
  "crashed",
  "done",
];

/**
 * One branch: its pipeline and the repository's view of it. `token` is the lease token of the pipeline's current
 * attempt (0: none); `note` carries the step's data (`read`: bit 0 behind, bit 1 prMerged, bit 2 the behind-check
 * failed; `rebased`: 0 clean, 1 noop, 2 conflict; `tested`: 1 green, 0 red, 2 timed out). `base` is the main version the branch contains, `greenAt` the
 * main version its current tree was found green against (−1: untested since it last changed, or red), `merges`
 * how often main merged it, `revisions` the developer revisions used, `webhook` whether the PR-merged webhook
 * was delivered.
 */
export interface BranchEnv {
  readonly pc: Pc;
  readonly token: number;
  readonly note: number;
  readonly base: number;
  readonly greenAt: number;
  readonly merges: number;
  readonly revisions: number;
  readonly webhook: boolean;
}

/**
 * State of {@link mergeGateModel}: the gate (with its fingerprint), the clock (ms), main's version (merges so
 * far), main's fence (a core `FencedResource`: the highest lease token main has seen), the branches, the
 * crashes, lease corruptions and backstop releases so far, and `broken`, the transition property the last input broke (ghost).
 */
export interface MergeGateModelState {
  readonly gate: Fingerprinted<MergeGate.State>;
  readonly nowMs: number;
  readonly main: number;
  readonly fence: number;
  readonly branches: readonly BranchEnv[];
  readonly crashes: number;
  readonly corruptions: number;
  readonly backstops: number;
  readonly broken: string | null;
}

/** An input of {@link mergeGateModel}: a branch's next step (or an alternative of it), or the environment's. */
export type MergeGateInput =
  | { readonly op: "tick" | "corrupt" | "backstop" }
  | {
      readonly op:
        | "enter"
        | "read"
        | "read-ambiguous"
        | "check"
        | "rebase"
        | "rebase-conflicts"
        | "report-rebase"
        | "ci-green"
        | "ci-red"
        | "ci-timeout"
        | "report-test"
        | "merge"
        | "report-merged"
        | "abort"
        | "record-failed"
        | "revise"
        | "crash"
        | "requeue"
        | "reap"
        | "webhook";
      readonly branch: number;
    };

/** A canonical key of a gate state: the lease, then each of the model's branches in order (absent: −1). */
export function fingerprintGate(
  g: MergeGate.State,
  names: readonly string[],
  into: FingerprintBuilder,
): void {
  const lease = g.lease;
  into.int(lease.holder === null ? -1 : names.indexOf(lease.holder));
  into.int(lease.token);
  into.int(lease.expiresAtMs);
  into.int(g.leaseCorrupt ? 1 : 0);
  for (const name of names) {
    const b = g.branches[name];
    if (b === undefined) {
      into.int(-1);
      continue;
    }
    into.string(b.phase);
    into.int(b.token ?? -1);
    into.int(b.deferCount);
    into.int(b.retryCount);
    into.int(b.availableAtMs);
    into.int(b.retested);
    into.int(b.untested ? 1 : 0);
  }
}
