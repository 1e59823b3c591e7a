/**
 * The promises of the seed-000 flows, as the invariant names the checker reports (seed 000,
 * ../../shared/seeds/000_a68bbd6ee7280424.txt), and which flow makes which: the serial coordinator (core)
 * all of them but the legacy ones; the entry-check coordinator all but the serial ones (its known
 * limitation); the flag off and the legacy code the legacy behaviour exactly. Used by ./sync-coordinator.space.ts.
 */

/** The coordinator a model drives: the core in one of its modes, or the scenario's legacy code. */
export type SyncCoordinatorFlow = "flag-off" | "entry-check" | "serial" | "legacy-code";

/** The serial mode's promise, the one the seed's race breaks: checked when the reset deletes approvals. */
export const SC_RESET_DURING_SYNC = "a reset never runs while a sync of its merge request is in progress";
/** Serial: the caller never has two orders of one merge request running. */
export const SC_ONE_AT_A_TIME = "at most one sync or reset of a merge request runs at a time";
/** Entry-check and serial: checked on each BeginReset. */
export const SC_NO_PROCEED_DURING_SYNC =
  "BeginReset never returns Proceed while a sync of its merge request is in progress";
/** Entry-check: no reset stays pending once its merge request has no sync in progress. */
export const SC_DRAINED = "pending resets are drained when no sync remains";
/** Serial: the queue is work-conserving. */
export const SC_DISPATCHED =
  "queued syncs and resets are dispatched when nothing of their merge request runs";
/** Every mode: one run per scheduling, and a scheduled reset is always held by someone who will run it. */
export const SC_EXACTLY_ONCE = "every scheduled reset runs exactly once (none lost, none twice)";
/** Flag on: checked at every clock value, so also after the 15 s marker expired. */
export const SC_UNAPPROVED_DURING_SYNC = "a sync in progress keeps the merge request temporarily unapproved";
/** Flag on. */
export const SC_UNAPPROVED_UNTIL_RESET =
  "a scheduled reset keeps the merge request temporarily unapproved until it finishes";
/** Every mode: the coordinator answers a caller that follows the protocol with the results the core documents. */
export const SC_ANSWERS = "every step of a well-behaved caller gets a documented answer";
/** Flag off: legacy exactly (one half of it). */
export const SC_LEGACY_ENQUEUE =
  "with the flag off each ScheduleReset enqueues its reset worker after the legacy delay and no other event changes anything";
/** Flag off: legacy exactly (the other half). */
export const SC_LEGACY_MARKER =
  "with the flag off a merge request is temporarily unapproved exactly until the legacy TTL after its last scheduled reset";

/** The properties of a transition, checked through the ghost bit mask `broken` (bit = index). */
export const SC_TRANSITION_PROPERTIES: readonly string[] = [
  SC_RESET_DURING_SYNC,
  SC_NO_PROCEED_DURING_SYNC,
  SC_EXACTLY_ONCE,
  SC_ANSWERS,
  SC_LEGACY_ENQUEUE,
];

/** The bit of each of {@link SC_TRANSITION_PROPERTIES} in a model state's `broken` mask. */
export const BIT: Readonly<Record<string, number>> = Object.fromEntries(
  SC_TRANSITION_PROPERTIES.map((name, i) => [name, 1 << i]),
);

/**
 * The promises a flow makes, as the names of the invariants its pass model checks (in reporting order).
 * The flag off and the legacy code promise the legacy behaviour exactly; `entry-check` promises everything
 * but {@link SC_RESET_DURING_SYNC} and {@link SC_ONE_AT_A_TIME} (its known limitation); `serial` those too.
 */
export function promisesOf(flow: SyncCoordinatorFlow): readonly string[] {
  switch (flow) {
    case "flag-off":
    case "legacy-code":
      return [SC_ANSWERS, SC_LEGACY_ENQUEUE, SC_LEGACY_MARKER, SC_EXACTLY_ONCE];
    case "entry-check":
      return [
        SC_ANSWERS,
        SC_NO_PROCEED_DURING_SYNC,
        SC_DRAINED,
        SC_EXACTLY_ONCE,
        SC_UNAPPROVED_DURING_SYNC,
        SC_UNAPPROVED_UNTIL_RESET,
      ];
    case "serial":
      return [
        SC_ANSWERS,
        SC_RESET_DURING_SYNC,
        SC_ONE_AT_A_TIME,
        SC_NO_PROCEED_DURING_SYNC,
        SC_DISPATCHED,
        SC_EXACTLY_ONCE,
        SC_UNAPPROVED_DURING_SYNC,
        SC_UNAPPROVED_UNTIL_RESET,
      ];
  }
}
