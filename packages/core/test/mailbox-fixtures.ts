// Mailbox policies for the core's Mailbox tests. They use seed 003's kind names so the cases read like the
// seed's, but they are test fixtures, deliberately not the seed's table (that is seed data, in
// scenarios/membership-orders/policy.ts, tested against the Mailbox there).

import { Mailbox } from "@interleave/core";

/** The kinds every fixture serialises: seed 003's four stack orders. */
export const KINDS = ["ExistingStack", "DeletedStack", "EnabledStack", "DisabledStack"] as const;

/**
 * A policy with cancelling, coalescing, queueing and dropping cells and a never-cancelled kind. A newer
 * ExistingStack cancels and coalesces an in-flight one; DeletedStack cancels everything but itself and is
 * never cancelled, and a second DeletedStack is dropped as a duplicate; an ExistingStack cancels an
 * in-flight EnabledStack or DisabledStack; EnabledStack and DisabledStack queue behind everything.
 */
export const supersedePolicy = Mailbox.policy({
  name: "supersede",
  kinds: [...KINDS],
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
      DeletedStack: "drop",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    EnabledStack: {
      ExistingStack: "cancel",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    DisabledStack: {
      ExistingStack: "cancel",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
  },
});

/** Membership kinds with "drop" and plain "coalesce" cells too, so Dropped and keep/coalesce are exercised. */
export const dedupePolicy = Mailbox.policy({
  name: "dedupe",
  kinds: [...KINDS],
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
      DeletedStack: "drop",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    EnabledStack: {
      ExistingStack: "queue",
      DeletedStack: "cancel",
      EnabledStack: "drop",
      DisabledStack: "coalesce",
    },
    DisabledStack: {
      ExistingStack: "queue",
      DeletedStack: "cancel",
      EnabledStack: "coalesce",
      DisabledStack: "coalesce",
    },
  },
});
