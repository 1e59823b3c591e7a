-- claimQueue-ackAndClaim: the core's Ack of one item then the core's Claim, applied in sequence atomically at
-- one server time (the Worker's "ack, then take the next item" path: one EVALSHA instead of two). The Ack part
-- is claimQueue-owner's Ack (same `owns` / `finish_item`), the Claim part is claimQueue-claim's
-- (`claim_items`), so the results equal the core's `transition(transition(s, Ack@at), Claim@at)`.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:token
-- KEYS[5] <base>:item:<scope>
-- ARGV[1] base  ARGV[2] scope  ARGV[3] token (integer)  ARGV[4] holder
-- ARGV[5] batchSize (integer in [1, claimBatchSizeMax])  ARGV[6] leaseTtlMs: positive integer, ms
--
-- Reply: {atMs, "Acked", owned, deleted, requeued, "Claimed", n, (scope, token, expiresAtMs, attemptCount,
--         updatedAtMs, reclaimed 0|1, payload or nil, payload kind "j" or nil) * n, m, (scope, reason) * m}
--        | {atMs, "NoConfig"} | {atMs, "BadBatchSize", claimBatchSizeMax} | {atMs, "Corrupt", reason}
--        (the last three change nothing: neither the Ack nor the Claim is applied)
--- @include "includes/claimQueue"

local at, config, refused = queue_event(KEYS[1])
if refused then return refused end
local batch, bad_batch = claim_batch(config, ARGV[5], at)
if bad_batch then return bad_batch end
local base = ARGV[1]
local item, bad = read_item(KEYS[5])
if bad then return {at, 'Corrupt', bad} end
local out = {at, 'Acked', 0, 0, 0}
if owns(item, ARGV[3]) then
  out[3] = 1; out[4] = 1; out[5] = finish_item(base, ARGV[2], KEYS[5], item, at)
end
return claim_items(out, KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[6]), base, ARGV[4], batch, at)
