-- claimQueue-claim: the core's Claim: up to batchSize claimable items in the core's order (notBeforeMs,
-- enqueuedAtMs, scope), each with the next fencing token. Expired claims are first moved back to ready (still
-- owned by their holder until taken over), so a claim costs O((batch + newly expired) log n).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:token
-- ARGV[1] base  ARGV[2] holder  ARGV[3] batchSize (integer in [1, claimBatchSizeMax])
-- ARGV[4] leaseTtlMs: positive integer, ms (each claim expires at atMs + leaseTtlMs)
--
-- Reply: {atMs, "Claimed", n, (scope, token, expiresAtMs, attemptCount, updatedAtMs, reclaimed 0|1,
--         payload or nil, payload kind "j" (JSON) or nil (a string)) * n, m, (scope, reason) * m}
--         -- the m pairs are malformed items moved aside
--        | {atMs, "NoConfig"} | {atMs, "BadBatchSize", claimBatchSizeMax}
--- @include "includes/claimQueue"

local at, config, refused = queue_event(KEYS[1])
if refused then return refused end
local batch, bad_batch = claim_batch(config, ARGV[3], at)
if bad_batch then return bad_batch end
return claim_items({at}, KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[4]), ARGV[1], ARGV[2], batch, at)
