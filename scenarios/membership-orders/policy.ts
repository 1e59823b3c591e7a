/**
 * Seed 003's data (../shared/seeds/003_feaed94036040d1c.txt): the membership orders' supersession matrix from
 * the PR's "Cancellation matrix", as a core `Mailbox` policy. The scenario, its explicit-state models and the
 * tests of the table use this one copy.
 */
import { Mailbox } from "@interleave/core";

/**
 * Seed 003's membership policy. Kinds `ExistingStack`, `DeletedStack`, `EnabledStack`, `DisabledStack`;
 * an in-flight DeletedStack is never cancelled. Rows are the in-flight kind, columns the incoming one:
 *
 * | in flight ↓ / incoming → | Existing          | Deleted | Enabled | Disabled |
 * |--------------------------|-------------------|---------|---------|----------|
 * | Existing                 | cancel + coalesce | cancel  | queue   | queue    |
 * | Deleted                  | queue             | queue   | queue   | queue    |
 * | Enabled                  | queue             | cancel  | queue   | queue    |
 * | Disabled                 | queue             | cancel  | queue   | queue    |
 *
 * A fresher ExistingStack supersedes an in-flight one (the older snapshot is stale) and replaces pending
 * ones; a DeletedStack supersedes any non-Delete in flight (do not create what is about to be torn down).
 * The seed's "cancellation only fires when a successor is already queued" is a rule of `Mailbox.policy`
 * itself, so it holds for every policy.
 *
 * Moved here from the core (it was `Mailbox.membershipPolicy` in @interleave/core up to 0.1.0): it is seed
 * data, and the core keeps only the machine. See docs/deprecations.md.
 *
 * @example
 * import { Mailbox } from "@interleave/core";
 * import { membershipPolicy } from "./policy.js";
 * const mailbox = Mailbox.initial({
 *   policy: membershipPolicy, inFlightMax: 5, pendingPerKeyMax: 16, keylessPendingMax: 64, keyCountMax: 10_000,
 * });
 */
export const membershipPolicy: Mailbox.Policy = Mailbox.policy({
  name: "membership",
  kinds: ["ExistingStack", "DeletedStack", "EnabledStack", "DisabledStack"],
  neverCancel: ["DeletedStack"],
  matrix: {
    ExistingStack: {
      ExistingStack: "cancel+coalesce",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    DeletedStack: {
      ExistingStack: "queue",
      DeletedStack: "queue",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    EnabledStack: {
      ExistingStack: "queue",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    DisabledStack: {
      ExistingStack: "queue",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
  },
});
