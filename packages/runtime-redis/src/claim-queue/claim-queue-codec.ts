// Decoding of what the claim-queue scripts store and reply: item hashes and dead-letter records back into the
// core's `ClaimQueue.Item` / `DeadLetter` shapes (for snapshots and the conformance tests), and script replies
// into the core's `ClaimQueue.Result`. Anything that is not what the scripts write is a CorruptValueError.

import type { ClaimQueue } from "@interleave/core";
import { CorruptValueError } from "../shared/errors.js";
import { parseStoredInt, replyInt, replyString } from "../shared/redis-script.js";

/** An integer field of a stored hash, or a {@link CorruptValueError} naming the key and field. */
function intField(key: string, fields: Readonly<Record<string, string>>, field: string): number {
  return parseStoredInt(key, `field ${field}`, fields[field]);
}

/** A stored item: the core's item plus the runtime's payload (`null` when none was given). */
export interface StoredItem {
  readonly item: ClaimQueue.Item;
  readonly payload: string | null;
}

/**
 * Decodes the item hash at `key` (the `HGETALL` object) for `scope` into the core's `Item` (see the layout in
 * `lua/includes/claimQueue.lua`).
 *
 * @throws {@link CorruptValueError} when a field is missing or malformed.
 */
export function decodeItem(key: string, scope: string, fields: Readonly<Record<string, string>>): StoredItem {
  const w = fields.w;
  if (w !== "0" && w !== "1") {
    throw new CorruptValueError(key, `field w is not 0 or 1: ${JSON.stringify(w ?? null)}`);
  }
  let claim: ClaimQueue.Claim | null = null;
  if (fields.h !== undefined) {
    if (fields.h === "") throw new CorruptValueError(key, "field h (holder) is empty");
    claim = {
      holder: fields.h,
      token: intField(key, fields, "t"),
      claimedAtMs: intField(key, fields, "c"),
      expiresAtMs: intField(key, fields, "x"),
    };
  } else if (fields.t !== undefined || fields.c !== undefined || fields.x !== undefined) {
    throw new CorruptValueError(key, "claim fields without a holder");
  }
  return {
    item: {
      scope,
      eventCount: intField(key, fields, "e"),
      enqueuedAtMs: intField(key, fields, "q"),
      updatedAtMs: intField(key, fields, "u"),
      attemptCount: intField(key, fields, "a"),
      notBeforeMs: intField(key, fields, "n"),
      claim,
      enqueuedWhileClaimed: w === "1",
      lastError: fields.l ?? null,
    },
    payload: fields.p ?? null,
  };
}

/**
 * Decodes a dead-letter record `"attemptCount:atMs:lastError"` stored in hash `key` under `scope`.
 *
 * @throws {@link CorruptValueError} when it does not have that shape.
 */
export function decodeDeadLetter(key: string, scope: string, raw: string): ClaimQueue.DeadLetter {
  const match = /^(\d{1,16}):(\d{1,16}):/.exec(raw);
  if (match === null) {
    throw new CorruptValueError(
      key,
      `dead letter of ${JSON.stringify(scope)} is malformed: ${JSON.stringify(raw)}`,
    );
  }
  return {
    scope,
    attemptCount: Number(match[1]),
    atMs: Number(match[2]),
    lastError: raw.slice(match[0].length),
  };
}

const OWNER = "claimQueue-owner-5";

/**
 * Decodes the reply of `claimQueue-owner-5.lua` (after the `atMs` and the tag checks for `NoConfig` / `Corrupt` done by
 * the caller) into the core's result for `scope`.
 */
export function decodeOwnerResult(reply: readonly unknown[], scope: string): ClaimQueue.Result {
  const tag = replyString(reply, 1, OWNER);
  switch (tag) {
    case "Renewed":
      return { _tag: "Renewed", scope, expiresAtMs: replyInt(reply, 2, OWNER) };
    case "Acked":
      return {
        _tag: "Acked",
        owned: replyInt(reply, 2, OWNER) === 1,
        deleted: replyInt(reply, 3, OWNER) === 1,
        requeued: replyInt(reply, 4, OWNER) === 1,
      };
    case "Retried":
      return {
        _tag: "Retried",
        scope,
        attemptCount: replyInt(reply, 2, OWNER),
        notBeforeMs: replyInt(reply, 3, OWNER),
      };
    case "DeadLettered":
      return { _tag: "DeadLettered", scope, attemptCount: replyInt(reply, 2, OWNER) };
    case "Released":
      return { _tag: "Released", scope };
    case "NotOwner":
      return { _tag: "NotOwner", scope };
    default:
      throw new Error(`${OWNER}: unknown reply tag ${JSON.stringify(tag)}`);
  }
}
