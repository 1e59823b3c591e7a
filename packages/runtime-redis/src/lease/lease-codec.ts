// Decoding of the lease scripts' flat replies (src/lua/lease-*.lua) into the core's `Lease.Result` with the
// server time each transition used.

import type { Lease } from "@interleave/core";
import { replyInt } from "../shared/redis-script.js";

/** A core `Lease.Result` with the server time (`atMs`, ms since the epoch by Redis `TIME`) the script used. */
export interface TimedLeaseResult {
  readonly atMs: number;
  readonly result: Lease.Result;
}

/** Decodes a lease script's flat reply into the core result plus the server time it used. */
export function decodeLeaseReply(reply: readonly unknown[]): TimedLeaseResult {
  const tag = reply[0];
  const script = `lease (${String(tag)})`;
  const atMs = replyInt(reply, 1, script);
  switch (tag) {
    case "Granted":
      return {
        atMs,
        result: {
          _tag: "Granted",
          token: replyInt(reply, 2, script),
          expiresAtMs: replyInt(reply, 3, script),
          reclaimed: replyInt(reply, 4, script) === 1,
        },
      };
    case "Busy":
      return {
        atMs,
        result: { _tag: "Busy", holder: String(reply[2]), expiresAtMs: replyInt(reply, 3, script) },
      };
    case "Renewed":
      return { atMs, result: { _tag: "Renewed", expiresAtMs: replyInt(reply, 2, script) } };
    case "Released":
      return { atMs, result: { _tag: "Released" } };
    case "NotOwner":
      return {
        atMs,
        result: {
          _tag: "NotOwner",
          holder: reply[2] === null || reply[2] === undefined ? null : String(reply[2]),
          token: replyInt(reply, 3, script),
        },
      };
    case "Expired":
      return { atMs, result: { _tag: "Expired", expiredAtMs: replyInt(reply, 2, script) } };
    default:
      throw new Error(`lease script replied with unknown tag ${JSON.stringify(tag)}`);
  }
}

/**
 * The fields of the lease hash (`<prefix>:{<name>}:lease`, see `lua/lease-acquire-1.lua`) that hold `state`, the
 * inverse of `LeaseManager.state`: `null` for the initial state (free, token 0, expiresAtMs 0), whose key does
 * not exist; otherwise `token` and `expiresAtMs` (decimal integer ms) and `holder` when held. For tests that
 * write a state in place (the exhaustive conformance test).
 */
export function encodeLeaseState(state: Lease.State): Record<string, string> | null {
  if (state.holder === null && state.token === 0 && state.expiresAtMs === 0) return null;
  const fields: Record<string, string> = {
    token: String(state.token),
    expiresAtMs: String(state.expiresAtMs),
  };
  if (state.holder !== null) fields.holder = state.holder;
  return fields;
}
