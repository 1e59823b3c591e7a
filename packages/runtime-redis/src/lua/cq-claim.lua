-- cq-claim.lua: the core's Claim: up to batchSize claimable items in the core's order (notBeforeMs,
-- enqueuedAtMs, scope), each with the next fencing token. Expired claims are first moved back to ready
-- (still owned by their holder until taken over), so a claim costs O((batch + newly expired) log n).
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:token
-- ARGV[1] base  ARGV[2] holder  ARGV[3] batchSize (integer in [1, claimBatchSizeMax])
-- Returns {atMs, "Claimed", n, (scope, token, claimedUntilMs, attemptCount, updatedAtMs, reclaimed 0|1,
--          payload or nil) * n, m, (scope, reason) * m}  -- the m pairs are malformed items moved aside
--         | {atMs, "NoConfig"} | {atMs, "BadBatchSize", claimBatchSizeMax}
local at = now_ms()
local config = read_config(KEYS[1])
if config == nil then return {at, 'NoConfig'} end
local batch = tonumber(ARGV[3])
if batch == nil or batch < 1 or batch > config.claimBatchSizeMax or batch ~= math.floor(batch) then
  return {at, 'BadBatchSize', config.claimBatchSizeMax}
end
return claim_items({at}, KEYS[2], KEYS[3], KEYS[4], config, ARGV[1], ARGV[2], batch, at)
