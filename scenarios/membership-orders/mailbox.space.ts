/**
 * The explicit-state model of the core `Mailbox` (seed 003, ../../shared/seeds/003_feaed94036040d1c.txt) for
 * `interleave check`: the mailbox under a caller that may do anything it accepts (see ./mailbox.model.ts),
 * with the policy, routing and machine of a fixed or buggy variant. The caller is in ./mailbox.flows.ts, the
 * promises in ./mailbox.promises.ts, the state in ./mailbox.state.ts.
 */
import { Mailbox } from "@interleave/core";
import {
  type CachedStep,
  type Fingerprinted,
  MachineCache,
  type StateSpaceModel,
} from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";
import { type MailboxSpace, mailboxCaller, OUTCOMES, type Outcome } from "./mailbox.flows.js";
import { mailboxInvariants } from "./mailbox.promises.js";
import type { MailboxInput, MailboxModelState, OrderStatus, TrackedOrder } from "./mailbox.state.js";
import {
  CANCELLED,
  describeMailboxState,
  fingerprintMailbox,
  MODEL_KINDS,
  NON_STACK,
  PENDING,
  RUNNING,
  STACK_KINDS,
  UNKNOWN,
} from "./mailbox.state.js";
import { cancelWithoutSuccessorMailbox } from "./membership-orders.js";
import { membershipPolicy } from "./policy.js";

/** Size and variant of {@link mailboxModel}. The Mailbox has no clock (no TTL, lease or backoff), so neither has the model. */
export interface MailboxModelOptions {
  /** Stacks `s1..sK`, each receiving every stack kind (`s1` also the `Unknown` order). Default 2. */
  readonly stacks?: number;
  /**
   * Further stacks, after those, that receive only ExistingStack orders: a third stack reaches `keyCountMax`
   * (2) without the cost of a third stack of every kind. Default 1.
   */
  readonly snapshotOnlyStacks?: number;
  /** Orders submitted in all (fresh ids `o1..oN`); redeliveries do not count. Default 4. */
  readonly ordersMax?: number;
  /** Mailbox bounds. Defaults: `inFlightMax` 2, `pendingPerKeyMax` 2, `keylessPendingMax` 1, `keyCountMax` 2. */
  readonly inFlightMax?: number;
  readonly pendingPerKeyMax?: number;
  readonly keylessPendingMax?: number;
  readonly keyCountMax?: number;
  /**
   * The supersession policy: `membership` ({@link membershipPolicy} from ./policy.ts, seed 003's matrix), `fifo`
   * (`Mailbox.fifoPolicy` with DeletedStack never cancelled: the scenario's `mailbox-fifo`) or `dedupe`
   * ({@link DEDUPE_POLICY}: every cell form, drop and keep+coalesce included). Default `membership`.
   */
  readonly policy?: "membership" | "fifo" | "dedupe";
  /**
   * `mailbox`: stack orders carry their stack as key (the fix); `pool`: every order is sent with key `null`, so
   * the mailbox hands it straight to the pool (seed 003 before the fix: the scenario's `pool-without-mailbox`).
   * Default `mailbox`.
   */
  readonly routing?: "mailbox" | "pool";
  /**
   * `core`: `Mailbox.transition`; `cancel-without-successor`: the scenario's `cancelWithoutSuccessorMailbox`
   * (a newer ExistingStack cancels the in-flight one and is dropped). Default `core`.
   */
  readonly machine?: "core" | "cancel-without-successor";
  /**
   * A machine to run instead of the one `machine` names: for tests that feed the model a mutant of the
   * Mailbox and expect its invariants to catch it. Never a mode of the core.
   */
  readonly transition?: (
    state: Mailbox.State,
    event: Mailbox.Event,
  ) => {
    readonly state: Mailbox.State;
    readonly effects: readonly Mailbox.Effect[];
    readonly result: Mailbox.Result;
  };
  /**
   * Called with every mailbox step the model takes (cached or not): the state before, the event, the result
   * and the effects. For coverage tests (every Result and Effect reached); it must not change anything.
   */
  readonly observe?: (
    before: Mailbox.State,
    event: Mailbox.Event,
    result: Mailbox.Result,
    effects: readonly Mailbox.Effect[],
  ) => void;
  /**
   * How handlers see a `Cancel`: `checked` (each reads its own context, the fix), `ignored` (never: the
   * scenario's `no-cancel-check`) or `captured` (each reads the context of the order dispatched last: the
   * scenario's `captured-ctx`, the seed's reviewer note). Default `checked`.
   */
  readonly cancellation?: "checked" | "ignored" | "captured";
  /** Slots of the model's {@link MachineCache} (a power of two). Default 2^18. */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `mailbox`. */
  readonly name?: string;
}

/**
 * A policy over the seed's four kinds that uses every cell form the core accepts: the membership matrix, plus
 * `drop` on the diagonal of DeletedStack, EnabledStack and DisabledStack (a repeat of the in-flight order with
 * nothing pending is a duplicate) and `coalesce` (keep the in-flight order, replace pending snapshots) for an
 * ExistingStack behind an EnabledStack or DisabledStack. Built and validated by `Mailbox.policy`.
 */
export const DEDUPE_POLICY: Mailbox.Policy = Mailbox.policy({
  name: "dedupe",
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
      DeletedStack: "drop",
      EnabledStack: "queue",
      DisabledStack: "queue",
    },
    EnabledStack: {
      ExistingStack: "coalesce",
      DeletedStack: "cancel",
      EnabledStack: "drop",
      DisabledStack: "queue",
    },
    DisabledStack: {
      ExistingStack: "coalesce",
      DeletedStack: "cancel",
      EnabledStack: "queue",
      DisabledStack: "drop",
    },
  },
});

/**
 * The seed-003 mailbox under a caller that may do anything the Mailbox accepts (its events are Submit,
 * Complete and Shutdown; it has no clock): Submit of every stack kind for each stack, of an `Unknown` kind with
 * a stack key and of a `NonStack` order with key `null` (both bypass); redelivery of a live order (at-least-once;
 * a refused order comes back as a Submit of the same order); Complete from each running handler — `done` or
 * `failed`, or `cancelled` once it saw a cancellation (it stops at its next context check); stale Completes
 * (a handler that already reported, or an order that never ran) and misaddressed ones (a running handler
 * reporting under the wrong key); Shutdown, twice. Bounded by the stacks and `ordersMax`, with mailbox bounds
 * small enough that every `Rejected` reason is reached.
 *
 * Invariants (sentences, `MB_*`), checked against what the caller was told: one order in flight per key, the
 * global bound, an in-flight Delete never cancelled, a cancel only with a successor queued, each handler seeing
 * exactly its own cancellation, bypass orders outside every key, no idle slot while an order waits, FIFO
 * dispatch per key, slots served in the order work became ready, no order lost or handled twice (and the
 * mailbox holding exactly the orders its caller believes live), every Submit following its policy cell,
 * rejections only at a bound, Duplicate for live redeliveries only, reports, and Shutdown. Properties of a
 * transition are kept in the ghost field `broken`.
 *
 * Size: the defaults (policy `membership`) give 70,866 states; `{ snapshotOnlyStacks: 0 }` with policy `fifo`
 * 40,206 and with `dedupe` 43,898; `{ stacks: 1, snapshotOnlyStacks: 1, ordersMax: 3 }` 2,210 (tests). The
 * buggy variants are found in 2 or 3 inputs. Mailbox transitions go through a {@link MachineCache}; its
 * default is small (2^10 slots) because the ledger follows the mailbox almost one to one, so few steps repeat
 * far apart and a large cache only keeps the heap (and the garbage collector) busy.
 *
 * @throws `RangeError` naming a size that is not a positive integer (or more than 9 stacks or 9 orders);
 *   `InvalidConfigError` (from the core) for bad mailbox bounds.
 */
export function mailboxModel(
  options: MailboxModelOptions = {},
): StateSpaceModel<MailboxModelState, MailboxInput> {
  const fullStacks = sizeOption(options.stacks, 2, "stacks");
  const snapshotOnlyStacks = options.snapshotOnlyStacks ?? 1;
  if (!Number.isSafeInteger(snapshotOnlyStacks) || snapshotOnlyStacks < 0)
    throw new RangeError(`snapshotOnlyStacks must be a non-negative integer, got ${snapshotOnlyStacks}`);
  const stackCount = fullStacks + snapshotOnlyStacks;
  const ordersMax = sizeOption(options.ordersMax, 4, "ordersMax");
  if (stackCount > 9) throw new RangeError(`stacks must be at most 9, got ${stackCount}`);
  if (ordersMax > 9) throw new RangeError(`ordersMax must be at most 9, got ${ordersMax}`);
  const inFlightMax = sizeOption(options.inFlightMax, 2, "inFlightMax");
  const pendingPerKeyMax = sizeOption(options.pendingPerKeyMax, 2, "pendingPerKeyMax");
  const keylessPendingMax = sizeOption(options.keylessPendingMax, 1, "keylessPendingMax");
  const keyCountMax = sizeOption(options.keyCountMax, 2, "keyCountMax");
  const policyName = options.policy ?? "membership";
  const policy =
    policyName === "membership"
      ? membershipPolicy
      : policyName === "fifo"
        ? Mailbox.fifoPolicy(membershipPolicy.kinds, ["DeletedStack"])
        : DEDUPE_POLICY;
  const pool = (options.routing ?? "mailbox") === "pool";
  const buggyMachine = (options.machine ?? "core") === "cancel-without-successor";
  const cancellation = options.cancellation ?? "checked";
  const captured = cancellation === "captured";
  const machine = options.transition ?? (buggyMachine ? cancelWithoutSuccessorMailbox : Mailbox).transition;
  const { observe } = options;
  const stacks = Array.from({ length: stackCount }, (_, i) => `s${i + 1}`);
  const ids = Array.from({ length: ordersMax }, (_, i) => `o${i + 1}`);
  const bypassQueue = stackCount;

  const mailboxes = new MachineCache(
    (state: Mailbox.State, event: Mailbox.Event) => {
      const t = machine(state, event);
      return { state: t.state, result: { result: t.result, effects: t.effects } satisfies Outcome };
    },
    (m: Mailbox.State, into) => fingerprintMailbox(m, stacks, into),
    { slots: options.cacheSlots ?? 1 << 10 },
  );
  /** A mailbox step through the cache, shown to `observe`. */
  const stepMailbox = (
    from: Fingerprinted<Mailbox.State>,
    eventCode: number,
    event: () => Mailbox.Event,
  ): CachedStep<Mailbox.State, Outcome> => {
    const step = mailboxes.step(from, eventCode, event);
    observe?.(from.state, event(), step.result.result, step.result.effects);
    return step;
  };
  const initialMailbox = mailboxes.wrap(
    Mailbox.initial({ policy, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax }),
  );

  // Per order: the key it is submitted with, the key it runs under (null: a bypass order), its queue.
  const orderKey = (kind: number, stack: number): string | null =>
    kind === NON_STACK || (pool && kind < STACK_KINDS) ? null : stacks[stack]!;
  const isBypass = (kind: number) => kind >= STACK_KINDS || pool;
  const dispatchKey = (kind: number, stack: number): string | null =>
    isBypass(kind) ? null : stacks[stack]!;
  const queueOf = (o: TrackedOrder) => (isBypass(o.kind) ? bypassQueue : o.stack);
  const orderObjects = new Map<number, Mailbox.Order>();
  const orderObject = (i: number, o: TrackedOrder): Mailbox.Order => {
    const code = (i * MODEL_KINDS.length + o.kind) * (stackCount + 1) + o.stack + 1;
    let order = orderObjects.get(code);
    if (order === undefined) {
      order = { id: ids[i]!, key: orderKey(o.kind, o.stack), kind: MODEL_KINDS[o.kind]! };
      orderObjects.set(code, order);
    }
    return order;
  };
  /** The index of order id `o<n>`. */
  const indexOf = (id: string) => Number(id.slice(1)) - 1;
  /** Cache code of an event: op, order, its kind and stack, the key sent, the outcome. */
  const code = (op: number, i: number, kind: number, stack: number, key: number, outcome: number) =>
    ((((i * MODEL_KINDS.length + kind) * (stackCount + 1) + stack + 1) * (stackCount + 2) + key + 1) * 3 +
      outcome) *
      3 +
    op;
  /** Tracked orders are shared objects: one per (kind, stack, status). */
  const trackedTable = new Map<number, TrackedOrder>();
  const tracked = (kind: number, stack: number, status: OrderStatus): TrackedOrder => {
    const key = ((kind * (stackCount + 1) + stack + 1) << 3) | status;
    let t = trackedTable.get(key);
    if (t === undefined) {
      t = { kind, stack, status };
      trackedTable.set(key, t);
    }
    return t;
  };
  const live = (o: TrackedOrder) => o.status === PENDING || o.status === RUNNING || o.status === CANCELLED;
  const inFlight = (o: TrackedOrder) => o.status === RUNNING || o.status === CANCELLED;
  const runningCount = (d: { readonly orders: readonly TrackedOrder[] }) =>
    d.orders.reduce((n, o) => n + (inFlight(o) ? 1 : 0), 0);
  /** Whether the handler of `i` (in flight) sees a cancellation: its own context, none, or the shared one. */
  const sees = (s: MailboxModelState, i: number): boolean =>
    cancellation === "checked" ? s.orders[i]!.status === CANCELLED : captured && s.sharedCancelled;

  const space: MailboxSpace = {
    stackCount,
    ordersMax,
    bypassQueue,
    inFlightMax,
    pendingPerKeyMax,
    keylessPendingMax,
    keyCountMax,
    policy,
    captured,
    stacks,
    ids,
    stepMailbox,
    isBypass,
    dispatchKey,
    queueOf,
    orderObject,
    indexOf,
    code,
    tracked,
    live,
    inFlight,
    sees,
    runningCount,
  };
  const next = mailboxCaller(space);

  const alphabet: MailboxInput[] = [];
  for (let stack = 0; stack < stackCount; stack++)
    for (let kind = 0; kind < (stack < fullStacks ? STACK_KINDS : 1); kind++)
      alphabet.push({ op: "submit", kind, stack });
  alphabet.push({ op: "submit", kind: UNKNOWN, stack: 0 });
  alphabet.push({ op: "submit", kind: NON_STACK, stack: -1 });
  for (let order = 0; order < ordersMax; order++) {
    for (const outcome of OUTCOMES) alphabet.push({ op: "complete", order, outcome });
    alphabet.push({ op: "redeliver", order });
    alphabet.push({ op: "report", order });
    alphabet.push({ op: "misreport", order });
  }
  alphabet.push({ op: "shutdown" });

  return {
    name:
      options.name ??
      (pool
        ? "mailbox-pool-without-mailbox"
        : buggyMachine
          ? "mailbox-cancel-without-successor"
          : cancellation === "ignored"
            ? "mailbox-no-cancel-check"
            : captured
              ? "mailbox-captured-ctx"
              : policyName === "membership"
                ? "mailbox"
                : `mailbox-${policyName}`),
    initial: {
      mailbox: initialMailbox,
      orders: [],
      queues: Array.from({ length: stackCount + 1 }, () => []),
      ready: [],
      lastDispatched: -1,
      sharedCancelled: false,
      broken: null,
    },
    inputs: () => alphabet,
    next,
    invariants: mailboxInvariants(space),
    fingerprint: (s, into) => {
      into.int(s.mailbox.hi);
      into.int(s.mailbox.lo);
      into.int(s.lastDispatched);
      into.int(s.sharedCancelled ? 1 : 0);
      into.int(s.broken === null ? 0 : 1);
      for (const o of s.orders) into.int(((o.kind * (stackCount + 1) + o.stack + 1) << 3) | o.status);
      into.int(-1);
      for (const queue of s.queues) {
        for (const j of queue) into.int(j);
        into.int(-1);
      }
      for (const entry of s.ready) into.int(entry);
    },
    describe: (input) => {
      switch (input.op) {
        case "submit":
          return input.kind === NON_STACK
            ? "Submit NonStack"
            : `Submit ${MODEL_KINDS[input.kind]} ${stacks[input.stack]}`;
        case "redeliver":
          return `Redeliver ${ids[input.order]}`;
        case "complete":
          return `Complete ${ids[input.order]} ${input.outcome}`;
        case "report":
          return `Stale report ${ids[input.order]}`;
        case "misreport":
          return `Misaddressed report ${ids[input.order]}`;
        case "shutdown":
          return "Shutdown";
      }
    },
    describeState: (s) => describeMailboxState(s, ids),
  };
}
