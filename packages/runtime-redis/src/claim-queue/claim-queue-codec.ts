// Decoding of what the claim-queue scripts store and reply: item hashes and dead-letter records back into the
// core's `ClaimQueue.Item` / `DeadLetter` shapes (for snapshots and the conformance tests), and script replies
// into the core's `ClaimQueue.Result`. Anything that is not what the scripts write is a CorruptValueError.

import type { ClaimQueue } from "@interleave/core";
import { CorruptValueError } from "../shared/errors.js";
import { parseStoredInt, replyInt, replyString } from "../shared/redis-script.js";
import { decodePayload, type JsonValue } from "./payload.js";

/** An integer field of a stored hash, or a {@link CorruptValueError} naming the key and field. */
function intField(key: string, fields: Readonly<Record<string, string>>, field: string): number {
  return parseStoredInt(key, `field ${field}`, fields[field]);
}

/** A stored item: the core's item plus the runtime's payload, decoded (`null` when none was given). */
export interface StoredItem {
  readonly item: ClaimQueue.Item;
  readonly payload: JsonValue | null;
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
  if (fields.k !== undefined && fields.k !== "j") {
    throw new CorruptValueError(key, `field k (payload kind) is not j: ${JSON.stringify(fields.k)}`);
  }
  let payload: JsonValue | null;
  try {
    payload = decodePayload(fields.p ?? null, fields.k ?? null);
  } catch (error) {
    throw new CorruptValueError(key, `field p (JSON payload) does not parse: ${String(error)}`);
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
    payload,
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

/**
 * A claim queue's state laid out as the scripts store it (`lua/includes/claimQueue.lua`), key by key under the
 * queue's base `<prefix>:{<name>}` (the config hash is not part of it: `ClaimQueue.open` writes it).
 *
 * - `ready`: the `<base>:ready` zset as `[notBeforeMs, "<16-digit enqueuedAtMs>:<scope>"]` pairs (unclaimed items);
 * - `claimed`: the `<base>:claimed` zset as `[expiresAtMs, scope]` pairs (items with a claim, live or expired);
 * - `token`: the `<base>:token` string (the last fencing token granted, `nextToken − 1`), `null` when absent
 *   (`nextToken` 1);
 * - `dead`: the `<base>:dead` hash, scope → `"attemptCount:atMs:lastError"`;
 * - `items`: scope → the fields of the `<base>:item:<scope>` hash (no payload `p` nor its kind `k`).
 */
export interface EncodedClaimQueue {
  readonly ready: readonly (readonly [number, string])[];
  readonly claimed: readonly (readonly [number, string])[];
  readonly token: string | null;
  readonly dead: Readonly<Record<string, string>>;
  readonly items: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * The inverse of `ClaimQueue.snapshot`'s decoding: `state` in the runtime's key layout (see
 * {@link EncodedClaimQueue}). An item with a claim is written in `claimed` even when the claim has expired (a
 * Claim script that meets an expired claim moves it to `ready` with its claim fields; both layouts decode to the
 * same core state, and this one is what every script but Claim leaves). For tests that write a state in place
 * (the exhaustive conformance test).
 *
 * @throws an `Error` for a dead letter without an error (the scripts cannot store one).
 */
export function encodeClaimQueueState(state: ClaimQueue.State): EncodedClaimQueue {
  const ready: [number, string][] = [];
  const claimed: [number, string][] = [];
  const items: Record<string, Record<string, string>> = {};
  for (const item of Object.values(state.items)) {
    const fields: Record<string, string> = {
      e: String(item.eventCount),
      q: String(item.enqueuedAtMs),
      u: String(item.updatedAtMs),
      a: String(item.attemptCount),
      n: String(item.notBeforeMs),
      w: item.enqueuedWhileClaimed ? "1" : "0",
    };
    if (item.lastError !== null) fields.l = item.lastError;
    if (item.claim === null) {
      ready.push([item.notBeforeMs, `${String(item.enqueuedAtMs).padStart(16, "0")}:${item.scope}`]);
    } else {
      fields.h = item.claim.holder;
      fields.t = String(item.claim.token);
      fields.c = String(item.claim.claimedAtMs);
      fields.x = String(item.claim.expiresAtMs);
      claimed.push([item.claim.expiresAtMs, item.scope]);
    }
    items[item.scope] = fields;
  }
  const dead: Record<string, string> = {};
  for (const d of Object.values(state.deadLetters)) {
    if (d.lastError === null) throw new Error(`dead letter of ${JSON.stringify(d.scope)} has no error`);
    dead[d.scope] = `${d.attemptCount}:${d.atMs}:${d.lastError}`;
  }
  return { ready, claimed, token: state.nextToken === 1 ? null : String(state.nextToken - 1), dead, items };
}
