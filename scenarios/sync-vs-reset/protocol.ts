/**
 * The vocabulary every seed-000 flow speaks (seed 000, ../../shared/seeds/000_a68bbd6ee7280424.txt): the core
 * `SyncCoordinator`'s events, and its effects and results widened with what the seed's racy routes answer —
 * the legacy code (./legacy.ts) and the seed's merged entry-check coordinator (./entry-check.ts) — so the
 * scenario's processes and the checker's models drive any flow the same way.
 */
import type { SyncCoordinator } from "@interleave/core";

/**
 * The core's five order events. The core's lease events (`Heartbeat`, `Expire`: issue 19's recovery of an
 * order whose process died) are not part of the seed's protocol; the racy routes have no lease.
 */
export type Event = Exclude<SyncCoordinator.Event, { readonly _tag: "Heartbeat" | "Expire" }>;

/** Which code path handled a sync event: `legacy` (flag off), `coordinator` (entry-check) or `serial` (core). */
export type Route = "legacy" | "coordinator" | SyncCoordinator.Route;

/**
 * The core's `RunSync` / `RunReset`, plus `EnqueueReset`: enqueue the reset worker for `resetId` of `mr`, to
 * run after `delayMs` ms (the legacy `perform_in(10.seconds)`, or `0` from the entry-check coordinator).
 */
export type Effect =
  | SyncCoordinator.Effect
  | {
      readonly _tag: "EnqueueReset";
      readonly mr: string;
      readonly resetId: string;
      readonly delayMs: number;
    };

/**
 * The core's results with the racy routes' additions: `route` may be `legacy` or `coordinator`;
 * `ResetEnqueued` (an `EnqueueReset` went out) and `ResetDeferred` (entry-check: pending until the MR's syncs
 * finish). See ./entry-check.ts for when each is returned.
 */
export type Result =
  | { readonly _tag: "SyncStarted"; readonly route: Route; readonly running: boolean }
  | { readonly _tag: "SyncFinished"; readonly route: Route; readonly drained: readonly string[] }
  | { readonly _tag: "ResetEnqueued"; readonly delayMs: number }
  | { readonly _tag: "ResetDeferred" }
  | Exclude<SyncCoordinator.Result, { readonly _tag: "SyncStarted" | "SyncFinished" }>;

/** One step of a flow: the next state, the effects the caller must perform, the answer. */
export interface Step<S> {
  readonly state: S;
  readonly effects: readonly Effect[];
  readonly result: Result;
}
