/**
 * Explicit-state model of the core `Mailbox` (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt): a caller
 * submits membership orders for a few stacks, plus bypass orders, in any order; it carries out the mailbox's
 * effects the way the seed's dispatcher does (a `Dispatch` starts a handler that later reports `Complete`, a
 * `Cancel` cancels that handler's context), redelivers orders that are still live, sends stale and
 * misaddressed reports, and shuts the mailbox down. The fixed policies (`mailbox`, `mailbox-fifo`,
 * `mailbox-dedupe`) are verified; the seed's buggy behaviours that live at the machine's level are model
 * variants found with their shortest counterexamples. Every property is checked against what the caller was
 * told (results and effects, kept in ghost fields), not against the mailbox's own bookkeeping alone, so a
 * mailbox bug cannot hide behind its own state.
 *
 * The model itself is in ./mailbox.space.ts, the caller it drives in ./mailbox.flows.ts, the promises in
 * ./mailbox.promises.ts, the state in ./mailbox.state.ts; the registered models are here, and the rest is
 * re-exported.
 */
import { type CheckedModel, defineModel } from "@interleave/sim";
import { type MailboxModelOptions, mailboxModel } from "./mailbox.space.js";

export * from "./mailbox.promises.js";
export { DEDUPE_POLICY, type MailboxModelOptions, mailboxModel } from "./mailbox.space.js";
export {
  type MailboxInput,
  type MailboxModelState,
  MODEL_KINDS,
  type OrderStatus,
  type TrackedOrder,
} from "./mailbox.state.js";

const SOURCE = "shared/seeds/003_feaed94036040d1c.txt";

/**
 * What the environment of every registered mailbox model may do, in words (the bounds a `verified` holds
 * within). The Mailbox has no clock — no TTL, lease or backoff — so there are no ticks.
 */
const ENVIRONMENT =
  "Submit of ExistingStack / DeletedStack / EnabledStack / DisabledStack for 2 stacks, an Unknown-kind order on s1 and a keyless NonStack order (both bypass); 4 orders in all; handlers Complete done / failed / cancelled; live redeliveries; stale and misaddressed Completes; Shutdown twice; inFlightMax 2, pendingPerKeyMax 2, keylessPendingMax 1, keyCountMax 2; no clock (the Mailbox has no deadline)";

/** Options of the registered `mailbox`: the defaults (2 stacks of every kind + 1 of snapshots, 4 orders). */
export const MAILBOX_OPTIONS: MailboxModelOptions = { name: "mailbox" };
/** Options of `mailbox-fifo`: the registered environment without the third stack, policy fifo. */
export const MAILBOX_FIFO_OPTIONS: MailboxModelOptions = {
  snapshotOnlyStacks: 0,
  policy: "fifo",
  name: "mailbox-fifo",
};
/** Options of `mailbox-dedupe`: the registered environment without the third stack, policy dedupe. */
export const MAILBOX_DEDUPE_OPTIONS: MailboxModelOptions = {
  snapshotOnlyStacks: 0,
  policy: "dedupe",
  name: "mailbox-dedupe",
};

/** Seed 003's fix: the membership matrix. Verified, every Result and Effect of the Mailbox reached. */
export const mailboxChecked = defineModel({
  name: "mailbox",
  machine: "Mailbox",
  description: `${ENVIRONMENT}; a 3rd stack receives ExistingStack only (to reach keyCountMax); policy membership (membershipPolicy, ./policy.ts)`,
  source: SOURCE,
  expect: "pass",
  why: "one order in flight per stack, FIFO after coalescing, the global bound, Delete never cancelled, cancel only with a successor queued, bypass orders outside every key, no order lost",
  build: () => mailboxModel(MAILBOX_OPTIONS),
});

/** The scenario's `mailbox-fifo`: serialisation without supersession. */
export const mailboxFifoChecked = defineModel({
  name: "mailbox-fifo",
  machine: "Mailbox",
  description: `${ENVIRONMENT}; policy fifo (Mailbox.fifoPolicy, DeletedStack never cancelled)`,
  source: SOURCE,
  expect: "pass",
  why: "every cell queues: nothing is cancelled, coalesced or dropped, and every promise of the mailbox holds",
  build: () => mailboxModel(MAILBOX_FIFO_OPTIONS),
});

/** A policy with every cell form (drop, keep+coalesce): reaches `Dropped`. */
export const mailboxDedupeChecked = defineModel({
  name: "mailbox-dedupe",
  machine: "Mailbox",
  description: `${ENVIRONMENT}; policy dedupe (the membership matrix plus drop on the Delete / Enabled / Disabled diagonal and coalesce for a snapshot behind Enabled / Disabled)`,
  source: SOURCE,
  expect: "pass",
  why: "a repeat of the in-flight order is dropped only with nothing pending; coalescing keeps the in-flight order; every promise holds",
  build: () => mailboxModel(MAILBOX_DEDUPE_OPTIONS),
});

/** Seed 003 before the fix: orders go straight to the pool. Found in 2 inputs. */
export const mailboxPoolWithoutMailboxChecked = defineModel({
  name: "mailbox-pool-without-mailbox",
  machine: "Mailbox",
  description: "the same environment (membership policy), every order sent with key null, as before the fix",
  source: SOURCE,
  expect: "violation",
  why: "two orders of one stack run on the pool at once (the race on the K8s API)",
  build: () => mailboxModel({ routing: "pool" }),
});

/** The scenario's `cancel-without-successor` dispatcher: found in 2 inputs. */
export const mailboxCancelWithoutSuccessorChecked = defineModel({
  name: "mailbox-cancel-without-successor",
  machine: "Mailbox",
  description:
    "the same environment through the scenario's cancelWithoutSuccessorMailbox (ExistingStack × ExistingStack = cancel + drop)",
  source: SOURCE,
  expect: "violation",
  why: "a newer snapshot cancels the in-flight one and is dropped, so nothing is queued to reconcile the stack",
  build: () => mailboxModel({ machine: "cancel-without-successor" }),
});

/** The scenario's `no-cancel-check`: handlers ignore their context. Found in 2 inputs. */
export const mailboxNoCancelCheckChecked = defineModel({
  name: "mailbox-no-cancel-check",
  machine: "Mailbox",
  description: "the same environment with handlers that never look at their context",
  source: SOURCE,
  expect: "violation",
  why: "a superseded handler never sees its Cancel and runs on, creating what its successor will replace or tear down",
  build: () => mailboxModel({ cancellation: "ignored" }),
});

/** The scenario's `captured-ctx` (the seed's reviewer note): found in 3 inputs. */
export const mailboxCapturedCtxChecked = defineModel({
  name: "mailbox-captured-ctx",
  machine: "Mailbox",
  description:
    "the same environment with handlers that read the one ctx variable the dispatch loop reassigns per order",
  source: SOURCE,
  expect: "violation",
  why: "a superseded handler reads the ctx of the order dispatched after it, so it misses its own Cancel (or sees another's)",
  build: () => mailboxModel({ cancellation: "captured" }),
});

/** Every mailbox model, in the order `interleave check` lists them (registered in ../models.ts). */
export const mailboxModels: readonly CheckedModel[] = [
  mailboxChecked,
  mailboxFifoChecked,
  mailboxDedupeChecked,
  mailboxPoolWithoutMailboxChecked,
  mailboxCancelWithoutSuccessorChecked,
  mailboxNoCancelCheckChecked,
  mailboxCapturedCtxChecked,
];
