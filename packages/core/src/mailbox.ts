// Mailbox: per-key serialisation of orders under a global in-flight bound, with supersession (cancel,
// coalesce, drop) as data, as a pure state machine. Modelled on seed 003 (../shared/seeds/003_feaed94036040d1c.txt):
// two membership orders for one stack raced on the K8s API, so here at most one order per key is in flight,
// later orders wait FIFO, and a policy matrix decides when a newer order supersedes the one in flight.

import { assert, InvalidConfigError } from "./assert.js";
import { assertName, configInteger, describeValue, NO_EFFECTS, unknownEvent } from "./internal/checks.js";
import { getOwn, withEntry, withoutEntry } from "./internal/record.js";
import type { Transition } from "./machine.js";

/**
 * One unit of work (a membership order in seed 003).
 *
 * - `id`: unique among live orders (in flight or pending); a Submit of a live id is a `Duplicate`. Once the
 *   order has left the mailbox (completed, superseded, dropped, handed back) its id may be submitted again.
 * - `key`: the mailbox key (a stack id); `null` for an order that bypasses the mailbox.
 * - `kind`: e.g. `"ExistingStack"`; a kind outside the policy's `kinds` also bypasses the mailbox.
 * - `payload`: opaque JSON data handed back in `Dispatch` and `ShutDown`; never inspected.
 */
export interface Order {
  readonly id: string;
  readonly key: string | null;
  readonly kind: string;
  readonly payload?: unknown;
}

/**
 * One cell of the supersession matrix, normalised: what an incoming order does to the in-flight order of
 * its key and to itself.
 *
 * - `inFlight`: `"keep"` lets the in-flight order run on; `"cancel"` cancels it (a `Cancel` effect), which
 *   only ever happens together with queueing the incoming order as its successor.
 * - `incoming`: `"queue"` appends it to the key's pending FIFO; `"coalesce"` appends it and removes the
 *   pending orders of the SAME kind (a newer snapshot replaces older ones); `"drop"` discards it as a
 *   duplicate of the in-flight order, but only when the key has nothing pending (otherwise it is queued like
 *   `"queue"`: dropping it past a pending order would lose that order's successor).
 */
export interface Cell {
  readonly inFlight: "keep" | "cancel";
  readonly incoming: "queue" | "coalesce" | "drop";
}

/**
 * A matrix cell as written in a {@link PolicySpec}: a `Cell`, or a shorthand for one.
 * `"queue"` = keep/queue, `"cancel"` = cancel/queue, `"cancel+coalesce"` = cancel/coalesce,
 * `"coalesce"` = keep/coalesce, `"drop"` = keep/drop.
 */
export type Action = "queue" | "cancel" | "cancel+coalesce" | "coalesce" | "drop" | Cell;

/**
 * A supersession policy as written by hand; {@link policy} validates and normalises it.
 *
 * - `name`: names the policy in error messages (e.g. `"membership"`).
 * - `kinds`: the kinds the mailbox serialises per key; orders of any other kind bypass it.
 * - `neverCancel`: kinds whose in-flight orders always run to completion (teardowns; seed 003's
 *   DeletedStack). Shutdown still cancels them.
 * - `matrix[inFlightKind][incomingKind]`: what an incoming order does when an order of `inFlightKind` is in
 *   flight for its key; exactly one cell per pair of `kinds`.
 */
export interface PolicySpec {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly neverCancel: readonly string[];
  readonly matrix: Readonly<Record<string, Readonly<Record<string, Action>>>>;
}

/** A validated policy with every cell normalised to a {@link Cell}: what the mailbox state holds. */
export interface Policy {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly neverCancel: readonly string[];
  readonly matrix: Readonly<Record<string, Readonly<Record<string, Cell>>>>;
}

/**
 * Mailbox configuration, validated by {@link initial}. Every bound is a positive integer; what happens at
 * each bound is a `Rejected` result (the caller nacks the order so it is redelivered later).
 *
 * - `policy`: the supersession policy (build it with {@link policy}, or use {@link membershipPolicy}).
 * - `inFlightMax`: orders in flight at once across all keys and bypass orders (the worker pool's size;
 *   5 in seed 003).
 * - `pendingPerKeyMax`: pending orders per key, the in-flight one not counted (`pending-full`).
 * - `keylessPendingMax`: bypass orders waiting for a slot (`pending-full`).
 * - `keyCountMax`: keys with work (in flight or pending) at once (`key-limit`).
 */
export interface Config {
  readonly policy: Policy;
  readonly inFlightMax: number;
  readonly pendingPerKeyMax: number;
  readonly keylessPendingMax: number;
  readonly keyCountMax: number;
}

/**
 * An order in flight. `cancelled` becomes `true` once a `Cancel` effect was emitted for it (it stays in
 * flight until its Complete arrives); `cancelledBy` is the id of the order that superseded it, or `null`
 * when it was cancelled by Shutdown or not at all. `cancelledBy` is history: that order may itself have
 * been superseded (coalesced) since.
 */
export interface InFlight {
  readonly order: Order;
  readonly cancelled: boolean;
  readonly cancelledBy: string | null;
}

/**
 * The work of one key: the order in flight (`null` while the key waits in `ready` for a slot) and the
 * pending orders, FIFO. A key with nothing in flight and nothing pending has no entry.
 */
export interface KeyState {
  readonly inFlight: InFlight | null;
  readonly pending: readonly Order[];
}

/** An entry of the dispatch queue: a key with pending work and nothing in flight, or a waiting bypass order. */
export type ReadyEntry =
  | { readonly _tag: "Key"; readonly key: string }
  | { readonly _tag: "Keyless"; readonly order: Order };

/**
 * Mailbox state: plain JSON data.
 *
 * - `keys`: the keys with work, in insertion order.
 * - `keyless`: bypass orders in flight, by order id.
 * - `ready`: the dispatch queue, FIFO; a freed slot goes to its head. It holds each key with pending work
 *   and nothing in flight exactly once, and the bypass orders waiting for a slot.
 * - `inFlightCount`: orders in flight (keyed and bypass), at most `inFlightMax`.
 * - `shuttingDown`: set by Shutdown; from then on nothing is accepted or dispatched.
 *
 * Invariants (asserted on every change where cheap, and checked in full by the property tests):
 * `inFlightCount` counts the in-flight orders and is at most `inFlightMax`; `ready` is empty whenever a slot
 * is free and the mailbox is not shutting down (work-conserving); a key's pending orders number at most
 * `pendingPerKeyMax`; while not shutting down, an order cancelled by a successor has that successor queued
 * (its key's pending is non-empty).
 */
export interface State {
  readonly config: Config;
  readonly keys: Readonly<Record<string, KeyState>>;
  readonly keyless: Readonly<Record<string, InFlight>>;
  readonly ready: readonly ReadyEntry[];
  readonly inFlightCount: number;
  readonly shuttingDown: boolean;
}

/**
 * Mailbox events.
 *
 * - `Submit`: a new order arrived (possibly redelivered: a live id is answered `Duplicate`).
 * - `Complete`: the handler of an in-flight order returned. `key` must be the `key` of the `Dispatch`
 *   effect that started it (`null` for a bypass order, even one whose `order.key` is set); `outcome` is
 *   reported back but changes nothing (the mailbox does not retry failed orders).
 * - `Shutdown`: the parent context was cancelled (seed 003's "parent ctx propagation").
 */
export type Event =
  | { readonly _tag: "Submit"; readonly order: Order }
  | {
      readonly _tag: "Complete";
      readonly key: string | null;
      readonly orderId: string;
      readonly outcome: "done" | "failed" | "cancelled";
    }
  | { readonly _tag: "Shutdown" };

/**
 * What the caller must do (the mailbox holds no worker itself).
 *
 * - `Dispatch`: start a handler for `order`. `key` is the mailbox key it runs under: `order.key` for a
 *   keyed order, `null` for a bypass order. Echo it in the order's `Complete`.
 * - `Cancel`: cancel the handler of in-flight order `orderId` (e.g. abort its context). `reason` is
 *   `"superseded"` (then `by` is the id of the queued successor) or `"shutdown"` (`by` is `null`). The order
 *   stays in flight, holding its slot, until its `Complete` arrives.
 */
export type Effect =
  | { readonly _tag: "Dispatch"; readonly key: string | null; readonly order: Order }
  | {
      readonly _tag: "Cancel";
      readonly key: string | null;
      readonly orderId: string;
      readonly reason: "superseded" | "shutdown";
      readonly by: string | null;
    };

/**
 * Mailbox results. Unless stated otherwise, a result that changes nothing returns the very same state
 * object and no effects.
 *
 * - `Accepted` (Submit): the order is stored. `dispatched` is `true` when it went straight in flight (with a
 *   `Dispatch` effect); `superseded` lists the ids of the pending orders it replaced (coalescing), oldest
 *   first; `cancelled` is the id of the in-flight order it cancelled now, or `null`.
 * - `Dropped` (Submit): discarded as a duplicate of in-flight order `duplicateOf` (an `incoming: "drop"`
 *   cell). State unchanged.
 * - `Rejected` (Submit): not stored and nothing else changed, in particular nothing was cancelled or
 *   coalesced; the caller should nack it for redelivery. `reason`: `"pending-full"` (the key's pending FIFO,
 *   or the bypass waiting line, is at its bound), `"key-limit"` (`keyCountMax` keys have work),
 *   `"shutting-down"`.
 * - `Duplicate` (Submit): an order with this id is already in flight or pending (at-least-once redelivery);
 *   state unchanged.
 * - `Completed` (Complete): the slot is free; `dispatched` is the id of the order dispatched into it (with
 *   a `Dispatch` effect), or `null`.
 * - `NotInFlight` (Complete): no order with that id is in flight under that key; state unchanged.
 * - `ShutDown` (Shutdown): `cancelled` lists every in-flight order's id (keys in `keys` order, then bypass
 *   orders), a `Cancel` effect going out for each one not cancelled before; `pending` hands back every
 *   pending order, removed from the mailbox (FIFO per key, keys in `keys` order, then waiting bypass
 *   orders in `ready` order) so the caller can nack them: nothing is lost.
 * - `AlreadyShutDown` (Shutdown): a second Shutdown; state unchanged.
 */
export type Result =
  | {
      readonly _tag: "Accepted";
      readonly orderId: string;
      readonly dispatched: boolean;
      readonly superseded: readonly string[];
      readonly cancelled: string | null;
    }
  | { readonly _tag: "Dropped"; readonly orderId: string; readonly duplicateOf: string }
  | {
      readonly _tag: "Rejected";
      readonly orderId: string;
      readonly reason: "pending-full" | "key-limit" | "shutting-down";
    }
  | { readonly _tag: "Duplicate"; readonly orderId: string }
  | {
      readonly _tag: "Completed";
      readonly orderId: string;
      readonly outcome: "done" | "failed" | "cancelled";
      readonly dispatched: string | null;
    }
  | { readonly _tag: "NotInFlight"; readonly orderId: string }
  | { readonly _tag: "ShutDown"; readonly cancelled: readonly string[]; readonly pending: readonly Order[] }
  | { readonly _tag: "AlreadyShutDown" };

type Step = Transition<State, Result, Effect>;

const MACHINE = "Mailbox";

// ---------------------------------------------------------------------------------------------------------
// Policies

const SHORTHANDS: Readonly<Record<string, Cell>> = {
  queue: { inFlight: "keep", incoming: "queue" },
  cancel: { inFlight: "cancel", incoming: "queue" },
  "cancel+coalesce": { inFlight: "cancel", incoming: "coalesce" },
  coalesce: { inFlight: "keep", incoming: "coalesce" },
  drop: { inFlight: "keep", incoming: "drop" },
};

const IN_FLIGHT_ACTIONS: readonly unknown[] = ["keep", "cancel"];
const INCOMING_ACTIONS: readonly unknown[] = ["queue", "coalesce", "drop"];

function isCell(value: unknown): value is Cell {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { inFlight, incoming } = value as { readonly inFlight?: unknown; readonly incoming?: unknown };
  return IN_FLIGHT_ACTIONS.includes(inFlight) && INCOMING_ACTIONS.includes(incoming);
}

/** A cell as written in messages: its shorthand when it has one (`"cancel"`), else JSON. */
function describeCell(cell: Cell): string {
  const shorthand = Object.keys(SHORTHANDS).find((name) => {
    const candidate = SHORTHANDS[name]!;
    return candidate.inFlight === cell.inFlight && candidate.incoming === cell.incoming;
  });
  return describeValue(shorthand ?? { inFlight: cell.inFlight, incoming: cell.incoming });
}

/** Reads one cell of a matrix in the making: a shorthand or a `Cell` (spec), or only a `Cell` (normalised). */
type CellReader = (value: unknown) => Cell | undefined;

const readAction: CellReader = (value) => {
  if (typeof value === "string") {
    return getOwn(SHORTHANDS, value);
  }
  return isCell(value) ? { inFlight: value.inFlight, incoming: value.incoming } : undefined;
};

const readCell: CellReader = (value) => (isCell(value) ? value : undefined);

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/**
 * Validates a policy (a spec, or an already-normalised policy) and returns it normalised. Errors are
 * `InvalidConfigError`s whose `field` is `fieldPrefix` + the policy field (`name`, `kinds`, `neverCancel`,
 * `matrix.<row>`, `matrix.<inFlight>.<incoming>`) and whose message names the policy and the cell.
 */
function validatePolicy(spec: unknown, fieldPrefix: string, read: CellReader, expects: string): Policy {
  const fail = (field: string, message: string): never => {
    throw new InvalidConfigError(`${fieldPrefix}${field}`, message);
  };
  const fields: Readonly<Record<string, unknown>> = isRecord(spec) ? spec : {};
  const { name, kinds, neverCancel, matrix } = fields;
  if (typeof name !== "string" || name.length === 0) {
    return fail("name", `${MACHINE} policy: name (${describeValue(name)}) must be a non-empty string`);
  }
  const label = `${MACHINE} policy ${describeValue(name)}`;
  if (!isStringArray(kinds) || kinds.length === 0 || kinds.some((kind) => kind.length === 0)) {
    return fail(
      "kinds",
      `${label}: kinds (${describeValue(kinds)}) must be a non-empty array of non-empty strings`,
    );
  }
  const repeated = kinds.find((kind, index) => kinds.indexOf(kind) !== index);
  if (repeated !== undefined) {
    return fail("kinds", `${label}: kinds lists ${describeValue(repeated)} more than once`);
  }
  if (!isStringArray(neverCancel)) {
    return fail(
      "neverCancel",
      `${label}: neverCancel (${describeValue(neverCancel)}) must be an array of strings`,
    );
  }
  const stranger = neverCancel.find((kind) => !kinds.includes(kind));
  if (stranger !== undefined) {
    return fail(
      "neverCancel",
      `${label}: neverCancel lists ${describeValue(stranger)}, which is not one of kinds`,
    );
  }
  const rows = checkMatrixShape(matrix, kinds, label, fail);
  const cells = kinds.map((row) =>
    kinds.map((col): readonly [string, Cell] => {
      const value = getOwn(getOwn(rows, row) ?? {}, col);
      const cell = read(value);
      if (cell === undefined) {
        return fail(
          `matrix.${row}.${col}`,
          `${label}: cell ${row} × ${col} is ${describeValue(value)}, ${expects}`,
        );
      }
      return [col, cell];
    }),
  );
  const normalised: Policy = {
    name,
    kinds: [...kinds],
    neverCancel: [...neverCancel],
    // Object.fromEntries defines data properties, so a "__proto__" kind stays an ordinary entry.
    matrix: Object.fromEntries(kinds.map((row, index) => [row, Object.fromEntries(cells[index]!)])),
  };
  checkCells(normalised, label, fail);
  return normalised;
}

/** Checks the matrix is an object of objects with exactly the rows and columns `kinds × kinds`. */
function checkMatrixShape(
  matrix: unknown,
  kinds: readonly string[],
  label: string,
  fail: (field: string, message: string) => never,
): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  if (!isRecord(matrix)) {
    return fail("matrix", `${label}: matrix (${describeValue(matrix)}) must be an object of rows`);
  }
  for (const row of kinds) {
    const cells = getOwn(matrix, row);
    if (cells === undefined) {
      return fail(`matrix.${row}`, `${label}: matrix has no row for in-flight kind ${row}`);
    }
    if (!isRecord(cells)) {
      return fail(`matrix.${row}`, `${label}: matrix row ${row} (${describeValue(cells)}) must be an object`);
    }
    for (const col of kinds) {
      if (!Object.hasOwn(cells, col)) {
        return fail(`matrix.${row}.${col}`, `${label}: cell ${row} × ${col} is missing`);
      }
    }
    const unknownCol = Object.keys(cells).find((col) => !kinds.includes(col));
    if (unknownCol !== undefined) {
      return fail(
        `matrix.${row}.${unknownCol}`,
        `${label}: cell ${row} × ${unknownCol} names incoming kind ${unknownCol}, which is not one of kinds`,
      );
    }
  }
  const unknownRow = Object.keys(matrix).find((row) => !kinds.includes(row));
  if (unknownRow !== undefined) {
    return fail(
      `matrix.${unknownRow}`,
      `${label}: matrix row ${unknownRow} names in-flight kind ${unknownRow}, which is not one of kinds`,
    );
  }
  return matrix as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The seed's rules on normalised cells: Delete is never cancelled, cancel only with a queued successor. */
function checkCells(p: Policy, label: string, fail: (field: string, message: string) => never): void {
  const each = (check: (row: string, col: string, cell: Cell) => string | undefined) => {
    for (const row of p.kinds) {
      for (const col of p.kinds) {
        const message = check(row, col, policyCell(p, row, col));
        if (message !== undefined) {
          fail(`matrix.${row}.${col}`, `${label}: cell ${row} × ${col} ${message}`);
        }
      }
    }
  };
  each((row, _col, cell) =>
    p.neverCancel.includes(row) && cell.inFlight === "cancel"
      ? `is ${describeCell(cell)}, but an in-flight ${row} is never cancelled`
      : undefined,
  );
  each((_row, _col, cell) =>
    cell.inFlight === "cancel" && cell.incoming === "drop"
      ? `cancels the in-flight order without queueing a successor (incoming: "drop")`
      : undefined,
  );
  each((row, col, cell) =>
    cell.incoming === "drop" && row !== col
      ? `is ${describeCell(cell)}, but only an order of the in-flight kind (${row}) can be dropped as its duplicate`
      : undefined,
  );
}

/** The cell `matrix[inFlightKind][incomingKind]` of a validated policy. */
function policyCell(p: Policy, inFlightKind: string, incomingKind: string): Cell {
  const row = getOwn(p.matrix, inFlightKind);
  const cell = row === undefined ? undefined : getOwn(row, incomingKind);
  assert(
    cell !== undefined,
    () => `policy ${describeValue(p.name)} has no cell ${inFlightKind} × ${incomingKind}`,
  );
  return cell;
}

/**
 * Validates a hand-written policy and normalises every shorthand to a {@link Cell}. Returns a new plain
 * object (not frozen; never mutated by the mailbox), rows and columns in `kinds` order.
 *
 * Rules, checked in this order: `name` is a non-empty string; `kinds` is a non-empty array of unique
 * non-empty strings; `neverCancel` is a subset of `kinds`; the matrix has exactly the rows and columns
 * `kinds × kinds`; every cell is a shorthand or a well-formed `Cell`; no cell of a `neverCancel` row cancels
 * (seed 003: an in-flight Delete is never cancelled); no cell cancels while dropping the incoming order
 * (seed 003: cancellation only fires when a successor is queued); `incoming: "drop"` only on the diagonal.
 *
 * @throws `InvalidConfigError` whose `field` is `name`, `kinds`, `neverCancel`, `matrix`, `matrix.<row>` or
 *   `matrix.<inFlight>.<incoming>`, and whose message names the policy and the cell, e.g.
 *   `Mailbox policy "membership": cell DeletedStack × ExistingStack is "cancel", but an in-flight DeletedStack is never cancelled`.
 * @example
 * const teardown = Mailbox.policy({
 *   name: "teardown", kinds: ["Sync", "Delete"], neverCancel: ["Delete"],
 *   matrix: { Sync: { Sync: "cancel+coalesce", Delete: "cancel" }, Delete: { Sync: "queue", Delete: "drop" } },
 * });
 */
export function policy(spec: PolicySpec): Policy {
  return validatePolicy(
    spec,
    "",
    readAction,
    `which is not an action (one of "queue", "cancel", "cancel+coalesce", "coalesce", "drop", or a Cell ` +
      `{ inFlight: "keep" | "cancel", incoming: "queue" | "coalesce" | "drop" })`,
  );
}

const NORMALISED_CELL =
  `which is not a Cell { inFlight: "keep" | "cancel", incoming: "queue" | "coalesce" | "drop" } ` +
  `(build policies with Mailbox.policy)`;

/**
 * Runs the checks of {@link policy} on an already-normalised policy (every cell a `Cell`, no shorthands),
 * e.g. one read back from JSON. {@link initial} calls it on `config.policy`.
 *
 * @throws `InvalidConfigError` as {@link policy} does (same fields and messages).
 */
export function checkPolicy(p: Policy): void {
  validatePolicy(p, "", readCell, NORMALISED_CELL);
}

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
 */
export const membershipPolicy: Policy = policy({
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

/**
 * A policy that serialises `kinds` per key without superseding anything: every cell is `"queue"`.
 * Named `"fifo"`.
 *
 * @throws `InvalidConfigError` as {@link policy} does, e.g. for an empty `kinds` or a `neverCancel` kind
 *   outside `kinds`.
 */
export function fifoPolicy(kinds: readonly string[], neverCancel: readonly string[] = []): Policy {
  const row = (): Record<string, Action> => Object.fromEntries(kinds.map((kind) => [kind, "queue"]));
  return policy({
    name: "fifo",
    kinds,
    neverCancel,
    matrix: Object.fromEntries(kinds.map((kind) => [kind, row()])),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Machine

/**
 * The empty mailbox for `config`, after validating every field.
 *
 * @throws `InvalidConfigError` when a bound is not a positive integer (e.g.
 *   `Mailbox config: inFlightMax (0) must be a positive integer`, field `inFlightMax`) or the policy breaks
 *   a rule of {@link checkPolicy} (same message; `field` prefixed with `policy.`, e.g.
 *   `policy.matrix.DeletedStack.ExistingStack`).
 * @example
 * const mailbox = Mailbox.initial({
 *   policy: Mailbox.membershipPolicy, inFlightMax: 5, pendingPerKeyMax: 16, keylessPendingMax: 64,
 *   keyCountMax: 10_000,
 * });
 */
export function initial(config: Config): State {
  const inFlightMax = configInteger(MACHINE, config, "inFlightMax", 1);
  const pendingPerKeyMax = configInteger(MACHINE, config, "pendingPerKeyMax", 1);
  const keylessPendingMax = configInteger(MACHINE, config, "keylessPendingMax", 1);
  const keyCountMax = configInteger(MACHINE, config, "keyCountMax", 1);
  const policyValue: unknown = config.policy;
  if (!isRecord(policyValue)) {
    throw new InvalidConfigError(
      "policy",
      `${MACHINE} config: policy (${describeValue(policyValue)}) must be a policy object (see Mailbox.policy)`,
    );
  }
  validatePolicy(policyValue, "policy.", readCell, NORMALISED_CELL);
  return {
    config: { policy: config.policy, inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax },
    keys: {},
    keyless: {},
    ready: [],
    inFlightCount: 0,
    shuttingDown: false,
  };
}

/**
 * Applies one event to the mailbox. Pure: never mutates `state` or the event, performs no effect itself
 * (it returns them), and returns the same `state` object when nothing changed; keys the event did not touch
 * keep their identity.
 *
 * - Submit: refused while shutting down, `Duplicate` for a live id. A bypass order (key `null` or kind
 *   outside the policy) takes a free slot, or waits in `ready`. A keyed order for an idle key takes a free
 *   slot, or waits in `ready` as its key's entry. Behind an in-flight order F, the cell
 *   `matrix[F.kind][order.kind]` decides: drop it (only with nothing pending), or queue it (coalescing
 *   pending orders of its kind for a coalesce cell), cancelling F for a cancel cell unless F is already
 *   cancelled or of a `neverCancel` kind. A key waiting for a slot uses its diagonal cell to coalesce.
 * - Complete: frees the slot of the in-flight order; its key, if it has pending orders, goes to the back of
 *   `ready` (round-robin across keys); then, unless shutting down, the head of `ready` is dispatched.
 * - Shutdown: cancels every in-flight order, hands back every pending order, and stops dispatching.
 *
 * Deterministic: the same state and event always give the same step. Iteration follows the insertion order
 * of `keys` and `keyless` (JavaScript's: keys that are array indices, such as `"7"`, come first in numeric
 * order) and the order of `ready`; nothing is sorted.
 *
 * @throws `AssertionError` on a malformed event: an order whose `id` or `kind` is not a non-empty string or
 *   whose `key` is neither `null` nor a non-empty string; a Complete whose `orderId` is empty, whose `key`
 *   is malformed or whose `outcome` is unknown; an unknown `_tag`.
 * @example
 * const { state, effects, result } = Mailbox.transition(mailbox, {
 *   _tag: "Submit",
 *   order: { id: "o1", key: "stack-1", kind: "ExistingStack" },
 * });
 * // result: { _tag: "Accepted", orderId: "o1", dispatched: true, superseded: [], cancelled: null }
 * // effects: [{ _tag: "Dispatch", key: "stack-1", order: { id: "o1", key: "stack-1", kind: "ExistingStack" } }]
 */
export function transition(state: State, event: Event): Step {
  switch (event._tag) {
    case "Submit":
      return submit(state, event.order);
    case "Complete":
      return complete(state, event.key, event.orderId, event.outcome);
    case "Shutdown":
      return shutdown(state);
    default:
      return unknownEvent(event);
  }
}

const OUTCOMES: readonly unknown[] = ["done", "failed", "cancelled"];

function assertKey(key: string | null): void {
  assert(
    key === null || (typeof key === "string" && key.length > 0),
    () => `key must be null or a non-empty string, got ${describeValue(key)}`,
  );
}

function assertOrder(order: Order): void {
  assert(
    typeof order === "object" && order !== null,
    () => `order must be an object, got ${describeValue(order)}`,
  );
  assertName("order.id", order.id);
  assertName("order.kind", order.kind);
  assertKey(order.key);
}

function submit(state: State, order: Order): Step {
  assertOrder(order);
  if (state.shuttingDown) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "shutting-down" });
  }
  if (isLive(state, order.id)) {
    return unchanged(state, { _tag: "Duplicate", orderId: order.id });
  }
  const { key } = order;
  if (key === null || !state.config.policy.kinds.includes(order.kind)) {
    return submitBypass(state, order);
  }
  const entry = getOwn(state.keys, key);
  if (entry === undefined) {
    return submitIdleKey(state, order, key);
  }
  if (entry.inFlight !== null) {
    return submitBehind(state, order, key, entry.inFlight, entry.pending);
  }
  return submitWaiting(state, order, key, entry.pending);
}

/** Whether an order with `id` is in flight or pending anywhere in the mailbox. */
function isLive(state: State, id: string): boolean {
  if (getOwn(state.keyless, id) !== undefined) {
    return true;
  }
  for (const entry of Object.values(state.keys)) {
    if (entry.inFlight?.order.id === id || entry.pending.some((order) => order.id === id)) {
      return true;
    }
  }
  return state.ready.some((entry) => entry._tag === "Keyless" && entry.order.id === id);
}

/** Whether a new order may go straight in flight: a slot is free and nobody waits for one. */
function canDispatchNow(state: State): boolean {
  return state.inFlightCount < state.config.inFlightMax && state.ready.length === 0;
}

function running(order: Order): InFlight {
  return { order, cancelled: false, cancelledBy: null };
}

function accepted(
  orderId: string,
  dispatched: boolean,
  superseded: readonly string[],
  cancelled: string | null,
): Result {
  return { _tag: "Accepted", orderId, dispatched, superseded, cancelled };
}

function submitBypass(state: State, order: Order): Step {
  if (canDispatchNow(state)) {
    const next: State = {
      ...state,
      keyless: withEntry(state.keyless, order.id, running(order)),
      inFlightCount: state.inFlightCount + 1,
    };
    return changed(state, next, [{ _tag: "Dispatch", key: null, order }], accepted(order.id, true, [], null));
  }
  const { keylessPendingMax } = state.config;
  const waiting = state.ready.filter((entry) => entry._tag === "Keyless").length;
  assert(
    waiting <= keylessPendingMax,
    () => `${waiting} bypass orders wait, above keylessPendingMax ${keylessPendingMax}`,
  );
  if (waiting === keylessPendingMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "pending-full" });
  }
  const next: State = { ...state, ready: [...state.ready, { _tag: "Keyless", order }] };
  return changed(state, next, NO_EFFECTS, accepted(order.id, false, [], null));
}

function submitIdleKey(state: State, order: Order, key: string): Step {
  const { keyCountMax } = state.config;
  const keyCount = Object.keys(state.keys).length;
  assert(keyCount <= keyCountMax, () => `${keyCount} keys have work, above keyCountMax ${keyCountMax}`);
  if (keyCount === keyCountMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "key-limit" });
  }
  if (canDispatchNow(state)) {
    const next: State = {
      ...state,
      keys: withEntry(state.keys, key, keyState(state.config, running(order), [])),
      inFlightCount: state.inFlightCount + 1,
    };
    return changed(state, next, [{ _tag: "Dispatch", key, order }], accepted(order.id, true, [], null));
  }
  const next: State = {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, null, [order])),
    ready: [...state.ready, { _tag: "Key", key }],
  };
  return changed(state, next, NO_EFFECTS, accepted(order.id, false, [], null));
}

/** `pending` with `order` appended; for a coalescing cell, without the pending orders of `order.kind`. */
function appendPending(
  pending: readonly Order[],
  order: Order,
  coalesce: boolean,
): { readonly pending: readonly Order[]; readonly superseded: readonly string[] } {
  if (!coalesce) {
    return { pending: [...pending, order], superseded: [] };
  }
  const kept = pending.filter((queued) => queued.kind !== order.kind);
  const superseded = pending.filter((queued) => queued.kind === order.kind).map((queued) => queued.id);
  return { pending: [...kept, order], superseded };
}

/** Submit for a key with `inFlight` running: the policy cell decides drop, queue, coalesce and cancel. */
function submitBehind(
  state: State,
  order: Order,
  key: string,
  inFlight: InFlight,
  pending: readonly Order[],
): Step {
  const { policy: p, pendingPerKeyMax } = state.config;
  const cell = policyCell(p, inFlight.order.kind, order.kind);
  if (cell.incoming === "drop" && pending.length === 0) {
    return unchanged(state, { _tag: "Dropped", orderId: order.id, duplicateOf: inFlight.order.id });
  }
  const queued = appendPending(pending, order, cell.incoming === "coalesce");
  if (queued.pending.length > pendingPerKeyMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "pending-full" });
  }
  // Defence in depth: checkPolicy already forbids a cancelling cell in a neverCancel row.
  const cancelNow =
    cell.inFlight === "cancel" && !inFlight.cancelled && !p.neverCancel.includes(inFlight.order.kind);
  const nextInFlight: InFlight = cancelNow
    ? { ...inFlight, cancelled: true, cancelledBy: order.id }
    : inFlight;
  const next: State = {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, nextInFlight, queued.pending)),
  };
  const effects: readonly Effect[] = cancelNow
    ? [{ _tag: "Cancel", key, orderId: inFlight.order.id, reason: "superseded", by: order.id }]
    : NO_EFFECTS;
  return changed(
    state,
    next,
    effects,
    accepted(order.id, false, queued.superseded, cancelNow ? inFlight.order.id : null),
  );
}

/** Submit for a key waiting in `ready` with nothing in flight: only the diagonal cell's coalescing applies. */
function submitWaiting(state: State, order: Order, key: string, pending: readonly Order[]): Step {
  const cell = policyCell(state.config.policy, order.kind, order.kind);
  const queued = appendPending(pending, order, cell.incoming === "coalesce");
  if (queued.pending.length > state.config.pendingPerKeyMax) {
    return unchanged(state, { _tag: "Rejected", orderId: order.id, reason: "pending-full" });
  }
  const next: State = {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, null, queued.pending)),
  };
  return changed(state, next, NO_EFFECTS, accepted(order.id, false, queued.superseded, null));
}

function complete(
  state: State,
  key: string | null,
  orderId: string,
  outcome: "done" | "failed" | "cancelled",
): Step {
  assertKey(key);
  assertName("orderId", orderId);
  assert(
    OUTCOMES.includes(outcome),
    () => `outcome must be "done", "failed" or "cancelled", got ${describeValue(outcome)}`,
  );
  const freed = free(state, key, orderId);
  if (freed === undefined) {
    return unchanged(state, { _tag: "NotInFlight", orderId });
  }
  const filled = dispatchHead(freed);
  const dispatched = filled.effects[0]?.order.id ?? null;
  return changed(state, filled.state, filled.effects, { _tag: "Completed", orderId, outcome, dispatched });
}

/**
 * `state` with the in-flight order `orderId` of `key` (a bypass order when `key` is null) removed and its
 * slot free; a key with pending orders goes to the back of `ready`. `undefined` when no such order is in flight.
 */
function free(state: State, key: string | null, orderId: string): State | undefined {
  const inFlightCount = state.inFlightCount - 1;
  if (key === null) {
    if (getOwn(state.keyless, orderId) === undefined) {
      return undefined;
    }
    return { ...state, keyless: withoutEntry(state.keyless, orderId), inFlightCount };
  }
  const entry = getOwn(state.keys, key);
  if (entry === undefined || entry.inFlight?.order.id !== orderId) {
    return undefined;
  }
  if (entry.pending.length === 0) {
    return { ...state, keys: withoutEntry(state.keys, key), inFlightCount };
  }
  return {
    ...state,
    keys: withEntry(state.keys, key, keyState(state.config, null, entry.pending)),
    ready: [...state.ready, { _tag: "Key", key }],
    inFlightCount,
  };
}

type DispatchEffect = Extract<Effect, { readonly _tag: "Dispatch" }>;

/**
 * Dispatches the head of `ready` into a free slot, unless shutting down or nothing waits or no slot is
 * free. Called after one slot was freed, so it dispatches at most one order.
 */
function dispatchHead(state: State): { readonly state: State; readonly effects: readonly DispatchEffect[] } {
  const head = state.ready[0];
  if (state.shuttingDown || head === undefined || state.inFlightCount >= state.config.inFlightMax) {
    return { state, effects: NO_EFFECTS };
  }
  const ready = state.ready.slice(1);
  const inFlightCount = state.inFlightCount + 1;
  if (head._tag === "Keyless") {
    const { order } = head;
    return {
      state: { ...state, keyless: withEntry(state.keyless, order.id, running(order)), ready, inFlightCount },
      effects: [{ _tag: "Dispatch", key: null, order }],
    };
  }
  const entry = getOwn(state.keys, head.key);
  const order = entry?.pending[0];
  assert(
    entry !== undefined && entry.inFlight === null && order !== undefined,
    () => `ready key ${describeValue(head.key)} must have pending orders and nothing in flight`,
  );
  const dispatched = keyState(state.config, running(order), entry.pending.slice(1));
  return {
    state: { ...state, keys: withEntry(state.keys, head.key, dispatched), ready, inFlightCount },
    effects: [{ _tag: "Dispatch", key: head.key, order }],
  };
}

function shutdown(state: State): Step {
  if (state.shuttingDown) {
    return unchanged(state, { _tag: "AlreadyShutDown" });
  }
  const cancelled: string[] = [];
  const pending: Order[] = [];
  const effects: Effect[] = [];
  /** `inFlight` cancelled for shutdown (a Cancel effect) unless it was cancelled before. */
  const cancel = (key: string | null, inFlight: InFlight): InFlight => {
    cancelled.push(inFlight.order.id);
    if (inFlight.cancelled) {
      return inFlight;
    }
    effects.push({ _tag: "Cancel", key, orderId: inFlight.order.id, reason: "shutdown", by: null });
    return { ...inFlight, cancelled: true };
  };
  const keys: [string, KeyState][] = [];
  for (const [key, entry] of Object.entries(state.keys)) {
    pending.push(...entry.pending);
    if (entry.inFlight !== null) {
      const inFlight = cancel(key, entry.inFlight);
      const same = inFlight === entry.inFlight && entry.pending.length === 0;
      keys.push([key, same ? entry : { inFlight, pending: [] }]);
    }
  }
  const keyless = Object.entries(state.keyless).map(
    ([id, inFlight]) => [id, cancel(null, inFlight)] as const,
  );
  for (const entry of state.ready) {
    if (entry._tag === "Keyless") {
      pending.push(entry.order);
    }
  }
  const next: State = {
    ...state,
    // Object.fromEntries defines data properties, so a "__proto__" key stays an ordinary entry.
    keys: Object.fromEntries(keys),
    keyless: Object.fromEntries(keyless),
    ready: [],
    shuttingDown: true,
  };
  return changed(state, next, effects, { _tag: "ShutDown", cancelled, pending });
}

/** A key's entry, asserting what every stored entry keeps. */
function keyState(config: Config, inFlight: InFlight | null, pending: readonly Order[]): KeyState {
  assert(inFlight !== null || pending.length > 0, "a key entry must have an order in flight or pending");
  assert(
    pending.length <= config.pendingPerKeyMax,
    () => `${pending.length} pending orders, above pendingPerKeyMax ${config.pendingPerKeyMax}`,
  );
  assert(
    inFlight === null || inFlight.cancelledBy === null || pending.length > 0,
    () => `in-flight order ${describeValue(inFlight?.order.id)} was superseded, but no successor is queued`,
  );
  return { inFlight, pending };
}

function unchanged(state: State, result: Result): Step {
  return { state, effects: NO_EFFECTS, result };
}

/** A step that changed the state; checks the cheap global invariants. */
function changed(before: State, after: State, effects: readonly Effect[], result: Result): Step {
  assert(after !== before, "a changed step must return a new state");
  const { inFlightMax } = after.config;
  assert(
    after.inFlightCount >= 0 && after.inFlightCount <= inFlightMax,
    () => `inFlightCount ${after.inFlightCount} must be in [0, inFlightMax ${inFlightMax}]`,
  );
  assert(
    after.shuttingDown || after.inFlightCount === inFlightMax || after.ready.length === 0,
    () => `a slot is free but ${after.ready.length} ready entries wait`,
  );
  assert(!after.shuttingDown || after.ready.length === 0, "nothing may wait in ready after Shutdown");
  return { state: after, effects, result };
}
