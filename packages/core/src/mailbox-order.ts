// Mailbox orders: what one unit of work is, and the assertions a Mailbox event's order, key and outcome must
// pass (programmer errors, so they throw). Split from mailbox.ts to keep the machine readable on its own;
// `Order` is re-exported there as `Mailbox.Order`.

import { assert } from "./assert.js";
import { assertName, describeValue } from "./internal/checks.js";

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

const OUTCOMES: readonly unknown[] = ["done", "failed", "cancelled"];

/** Asserts a mailbox key as events carry it: `null` (a bypass order) or a non-empty string. */
export function assertKey(key: string | null): void {
  assert(
    key === null || (typeof key === "string" && key.length > 0),
    () => `key must be null or a non-empty string, got ${describeValue(key)}`,
  );
}

/** Asserts that a submitted order is well-formed: an object with a non-empty `id` and `kind`, and a valid `key`. */
export function assertOrder(order: Order): void {
  assert(
    typeof order === "object" && order !== null,
    () => `order must be an object, got ${describeValue(order)}`,
  );
  assertName("order.id", order.id);
  assertName("order.kind", order.kind);
  assertKey(order.key);
}

/** Asserts that a Complete's `outcome` is one of `"done"`, `"failed"`, `"cancelled"`. */
export function assertOutcome(outcome: unknown): void {
  assert(
    OUTCOMES.includes(outcome),
    () => `outcome must be "done", "failed" or "cancelled", got ${describeValue(outcome)}`,
  );
}
