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
local base = ARGV[1]
local holder = ARGV[2]
local batch = tonumber(ARGV[3])
if batch == nil or batch < 1 or batch > config.claimBatchSizeMax or batch ~= math.floor(batch) then
  return {at, 'BadBatchSize', config.claimBatchSizeMax}
end
-- Expired claims (claimedUntilMs <= atMs) compete again by their claim order.
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', at)
local corrupt = {}
for _, scope in ipairs(expired) do
  local key = base .. ':item:' .. scope
  local item, bad = read_item(key)
  redis.call('ZREM', KEYS[3], scope)
  if bad then
    move_aside(base, scope, key)
    corrupt[#corrupt + 1] = scope; corrupt[#corrupt + 1] = bad
  elseif item ~= nil then
    redis.call('ZADD', KEYS[2], item.n, ready_member(item.q, scope))
  end
end
local out = {at, 'Claimed', 0}
local granted = 0
local until_ms = at + config.leaseTtlMs
local s = fmt(at)
local su = fmt(until_ms)
while granted < batch do
  local members = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', at, 'LIMIT', 0, batch - granted)
  if #members == 0 then break end
  for _, m in ipairs(members) do
    local scope = string.sub(m, 18)
    local key = base .. ':item:' .. scope
    local item, bad = read_item(key)
    if bad or item == nil then
      if item == nil and not bad then
        redis.call('ZREM', KEYS[2], m)
        bad = 'indexed in ready but the item hash is missing'
      else
        redis.call('ZREM', KEYS[2], m)
        move_aside(base, scope, key)
      end
      corrupt[#corrupt + 1] = scope; corrupt[#corrupt + 1] = bad
    else
      local token = redis.call('INCR', KEYS[4])
      redis.call('HSET', key, 'u', s, 'h', holder, 't', fmt(token), 'c', s, 'x', su, 'w', '0')
      redis.call('ZREM', KEYS[2], m)
      redis.call('ZADD', KEYS[3], until_ms, scope)
      local reclaimed = 0
      if item.h ~= nil then reclaimed = 1 end
      out[#out + 1] = scope; out[#out + 1] = token; out[#out + 1] = until_ms; out[#out + 1] = item.a
      out[#out + 1] = at; out[#out + 1] = reclaimed; out[#out + 1] = item.p or false
      granted = granted + 1
    end
  end
end
out[3] = granted
out[#out + 1] = #corrupt / 2
for _, v in ipairs(corrupt) do out[#out + 1] = v end
return out
