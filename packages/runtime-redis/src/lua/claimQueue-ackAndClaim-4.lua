-- claimQueue-ackAndClaim: the core's Ack of each (scope, token) pair in order, then the core's Claim, applied in
-- sequence atomically at one server time (the Worker's "ack what finished, then take the next items" path: one
-- EVALSHA for a whole batch of acks). Each Ack is claimQueue-owner's Ack (same `owns`; the item deleted, or
-- replaced by a fresh successor when an Enqueue arrived during its claim), the Claim is claimQueue-claim's
-- (`claim_items`), so the results equal the core's `transition(… transition(transition(s, Ack₁@at), Ack₂@at) …,
-- Claim@at)`. The index removals of all finished items are batched (one ZREM per index, one DEL); a scope acked
-- twice in one call is finished by its first owning ack only, as in the core.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:token
-- ARGV[1] base  ARGV[2] holder  ARGV[3] batchSize (integer in [1, claimBatchSizeMax])
-- ARGV[4] leaseTtlMs: positive integer, ms  ARGV[5], ARGV[6], …: scope, token (integer) of each Ack, at least one
--
-- Reply: {atMs, "Acked", n, (owned, deleted, requeued) * n, "Claimed", k, (scope, token, expiresAtMs,
--         attemptCount, updatedAtMs, reclaimed 0|1, payload or nil, payload kind "j" or nil) * k, m,
--         (scope, reason) * m}
--        | {atMs, "NoConfig"} | {atMs, "BadBatchSize", claimBatchSizeMax}
--        | {atMs, "Corrupt", reason, i}   the i-th acked item (1-based) is malformed
--        (the last three change nothing: no Ack and no Claim is applied)
--- @include "includes/claimQueue"

local at, config, refused = queue_event(KEYS[1])
if refused then return refused end
local batch, bad_batch = claim_batch(config, ARGV[3], at)
if bad_batch then return bad_batch end
local base = ARGV[1]
local n = math.floor((#ARGV - 4) / 2)

-- Every acked item is read (and checked) once, before anything changes.
local items = {}
for i = 1, n do
  local scope = ARGV[3 + 2 * i]
  if items[scope] == nil then
    local item, bad = read_item(base .. ':item:' .. scope)
    if bad then return {at, 'Corrupt', bad, i} end
    items[scope] = item or false
  end
end

local out = {at, 'Acked', n}
local scopes, members, deleted, requeued = {}, {}, {}, {}
for i = 1, n do
  local scope = ARGV[3 + 2 * i]
  local item = items[scope]
  if item and owns(item, ARGV[4 + 2 * i]) then
    scopes[#scopes + 1] = scope
    members[#members + 1] = ready_member(item.q, scope)
    if item.w == '1' then
      requeued[#requeued + 1] = scope
      -- The successor: unclaimed, so a later Ack of this scope in the call does not own it.
      items[scope] = {w = '0'}
      out[#out + 1] = 1; out[#out + 1] = 1; out[#out + 1] = 1
    else
      deleted[#deleted + 1] = base .. ':item:' .. scope
      items[scope] = false
      out[#out + 1] = 1; out[#out + 1] = 1; out[#out + 1] = 0
    end
  else
    out[#out + 1] = 0; out[#out + 1] = 0; out[#out + 1] = 0
  end
end
if #scopes > 0 then
  call_many('ZREM', KEYS[3], scopes)
  call_many('ZREM', KEYS[2], members)
end
if #deleted > 0 then call_many('DEL', nil, deleted) end
for _, scope in ipairs(requeued) do
  -- finish_item's successor: a fresh item enqueued now, keeping the latest payload.
  local key = base .. ':item:' .. scope
  local s = fmt(at)
  redis.call('HDEL', key, 'h', 't', 'c', 'x', 'l')
  redis.call('HSET', key, 'e', '1', 'q', s, 'u', s, 'a', '0', 'n', s, 'w', '0')
  redis.call('ZADD', KEYS[2], at, ready_member(s, scope))
end
return claim_items(out, KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[4]), base, ARGV[2], batch, at)
