// The bugs a chaos run can plant to show that its checks fail when they should (`--inject`): each is a variant of
// one of the runtime's shipped Lua scripts, substituted on the worker processes' clients through the runtime's
// testing hook (`substituteScript`); the shipped scripts are never changed. The variant's text is the shipped
// text with one check edited, and the edit is asserted to apply, so a change to the shipped script cannot turn
// the injection into a no-op.

import { shippedScriptSource, type substituteScript } from "@interleave/runtime-redis/testing";

type ScriptFile = Parameters<typeof substituteScript>[1];

/** The bugs `--inject` knows. */
export const INJECTIONS = ["none", "skip-token-check", "skip-fence-check"] as const;
export type Injection = (typeof INJECTIONS)[number];

/** `source` with `from` replaced by `to`; throws when `from` is not in it exactly once. */
function edit(file: string, source: string, from: string, to: string): string {
  const at = source.indexOf(from);
  if (at < 0 || source.indexOf(from, at + 1) >= 0) {
    throw new Error(`--inject: the check to remove is not found once in ${file}.lua: ${from}`);
  }
  return source.replace(from, to);
}

/**
 * The `[script file, Lua text]` pairs to substitute for `injection`:
 * - `skip-token-check`: the claim queue's Ack (in `claimQueue-owner-5` and the Worker's `claimQueue-ackAndClaim-4`)
 *   accepts any token while the item is claimed — a holder whose claim was taken over acks (deletes) the item
 *   another holder now owns; and the lease's Renew (`lease-renew-1`, for `--machine lease`) skips its owner and
 *   token check — a holder whose lease was taken over renews (extends) the new holder's grant;
 * - `skip-fence-check`: `fenced-write-1` accepts a write whatever its token — a stale holder's write lands over
 *   a newer one's;
 * - `none`: nothing.
 */
export function buggyScripts(injection: Injection): [file: ScriptFile, lua: string][] {
  switch (injection) {
    case "none":
      return [];
    case "skip-token-check": {
      const owner = "claimQueue-owner-5";
      const both = "claimQueue-ackAndClaim-4";
      const renew = "lease-renew-1";
      return [
        [
          renew,
          edit(
            renew,
            shippedScriptSource(renew),
            "local atMs, expiresAtMs, refused = lease_owned(key, ARGV[2], tonumber(ARGV[3]))",
            "local atMs, expiresAtMs, refused = lease_owned(key, ARGV[2], tonumber(ARGV[3]))\n" +
              "if refused and refused[1] == 'NotOwner' and refused[3] then atMs, expiresAtMs, refused = now_ms(), tonumber(redis.call('HGET', key, 'expiresAtMs')), nil end",
          ),
        ],
        [
          owner,
          edit(
            owner,
            shippedScriptSource(owner),
            "if not owns(item, ARGV[4]) then",
            "if not (owns(item, ARGV[4]) or (event == 'Ack' and item ~= nil and item.h ~= nil)) then",
          ),
        ],
        [
          both,
          edit(
            both,
            shippedScriptSource(both),
            "if item and owns(item, ARGV[4 + 2 * i]) then",
            "if item and item.h ~= nil then",
          ),
        ],
      ];
    }
    case "skip-fence-check": {
      const file = "fenced-write-1";
      return [[file, edit(file, shippedScriptSource(file), "if token < highest then", "if false then")]];
    }
  }
}
