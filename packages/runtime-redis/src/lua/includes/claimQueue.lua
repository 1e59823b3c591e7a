-- includes/claimQueue.lua: shared pieces of the claim-queue scripts (included by every claimQueue-*.lua; not a
-- command by itself). Mirrors packages/core/src/claim-queue.ts.
--
-- Layout of one queue (all keys share the hash tag {queue}, so one queue lives in one cluster slot):
--   <base>:config        hash   the core Config fields, written once by config-init-2.lua
--   <base>:ready         zset   unclaimed items and items whose claim expired, score notBeforeMs,
--                               member = 16-digit zero-padded enqueuedAtMs .. ":" .. scope, so ZRANGEBYSCORE
--                               gives the core's claim order (notBeforeMs, enqueuedAtMs, scope)
--   <base>:claimed       zset   claimed items, score the claim's expiry (the core's expiresAtMs), member scope
--   <base>:token         string the last fencing token granted (INCR); the core's nextToken is this + 1
--   <base>:dead          hash   scope -> "attemptCount:atMs:lastError" (the core's deadLetters)
--   <base>:item:<scope>  hash   e eventCount, q enqueuedAtMs, u updatedAtMs, a attemptCount, n notBeforeMs,
--                               w enqueuedWhileClaimed (0|1), l lastError (absent = null), p payload (absent =
--                               none), k payload kind ("j": p is JSON text; absent: p is a string), and while claimed: h holder, t token, c claimedAtMs, x the claim's expiry (expiresAtMs)
--   <base>:corrupt       set    scopes whose item hash was malformed; the hash moved to <base>:corrupt:<scope>
-- Every item is in exactly one of ready and claimed, so the item count is ZCARD ready + ZCARD claimed.
-- The claim TTL comes with each call that grants or renews a claim (ARGV leaseTtlMs, the caller's validated
-- config, which ClaimQueue.open checked equal to the stored one), as for the lease and the mailbox.
--- @include "includes/now_ms"
--- @include "includes/fmt"
--- @include "includes/is_int"

local function pad16(s)
  return string.rep('0', 16 - #s) .. s
end

local function ready_member(q, scope)
  return pad16(q) .. ':' .. scope
end

-- Reads the config hash: a table of numbers, or nil when the queue has no config (also when the hash is one the
-- release before the rename wrote, with maxAttempts: ClaimQueue.open refuses that one as a config mismatch).
-- The fields the scripts use, with the core Config's names.
local function read_config(key)
  local v = redis.call('HMGET', key, 'attemptsMax', 'retryBackoffBaseMs', 'retryBackoffCapMs',
    'claimBatchSizeMax', 'itemCountMax')
  if not v[1] then return nil end
  return {
    attemptsMax = tonumber(v[1]), retryBackoffBaseMs = tonumber(v[2]), retryBackoffCapMs = tonumber(v[3]),
    claimBatchSizeMax = tonumber(v[4]), itemCountMax = tonumber(v[5]),
  }
end

-- The prologue of every event script: the server time and the config, or the reply {atMs, "NoConfig"}.
local function queue_event(config_key)
  local at = now_ms()
  local config = read_config(config_key)
  if config == nil then return at, nil, {at, 'NoConfig'} end
  return at, config, nil
end

-- The batch size argument of a Claim, or the reply {atMs, "BadBatchSize", claimBatchSizeMax}.
local function claim_batch(config, raw, at)
  local batch = tonumber(raw)
  if batch == nil or batch < 1 or batch > config.claimBatchSizeMax or batch ~= math.floor(batch) then
    return nil, {at, 'BadBatchSize', config.claimBatchSizeMax}
  end
  return batch, nil
end

-- The integer fields of every item, and those of a claimed one (built once per script call, not per item).
local ITEM_INT_FIELDS = {'e', 'q', 'u', 'a', 'n'}
local CLAIM_INT_FIELDS = {'t', 'c', 'x'}

-- Reads and validates an item hash. Returns item, nil; or nil, nil when absent; or nil, reason when malformed.
local function read_item(key)
  local v = redis.call('HGETALL', key)
  local count = #v
  if count == 0 then return nil, nil end
  local f = {}
  for i = 1, count, 2 do f[v[i]] = v[i + 1] end
  for i = 1, 5 do
    local name = ITEM_INT_FIELDS[i]
    if not is_int(f[name]) then return nil, 'field ' .. name .. ' is not an integer: ' .. tostring(f[name]) end
  end
  local w = f.w
  if w ~= '0' and w ~= '1' then return nil, 'field w is not 0 or 1: ' .. tostring(w) end
  local h = f.h
  if h ~= nil then
    if h == '' then return nil, 'field h (holder) is empty' end
    for i = 1, 3 do
      local name = CLAIM_INT_FIELDS[i]
      if not is_int(f[name]) then return nil, 'field ' .. name .. ' is not an integer: ' .. tostring(f[name]) end
    end
  elseif f.t ~= nil or f.c ~= nil or f.x ~= nil then
    return nil, 'claim fields without a holder'
  end
  local k = f.k
  if k ~= nil and k ~= 'j' then return nil, 'field k (payload kind) is not j: ' .. k end
  local item = {
    e = tonumber(f.e), q = f.q, u = tonumber(f.u), a = tonumber(f.a), n = tonumber(f.n), w = w,
    l = f.l, p = f.p, k = k, h = h,
  }
  if h ~= nil then
    item.t = tonumber(f.t); item.c = tonumber(f.c); item.x = tonumber(f.x)
  end
  return item, nil
end

-- Moves a malformed item aside: out of the indexes, its hash renamed to <base>:corrupt:<scope>.
local function move_aside(base, scope, item_key)
  redis.call('ZREM', base .. ':claimed', scope)
  local q = redis.call('HGET', item_key, 'q')
  if is_int(q) then
    redis.call('ZREM', base .. ':ready', ready_member(q, scope))
  else
    -- Rare path (the enqueue time itself is unreadable): find the member by scope.
    local members = redis.call('ZRANGE', base .. ':ready', 0, -1)
    for _, m in ipairs(members) do
      if string.sub(m, 18) == scope then redis.call('ZREM', base .. ':ready', m) end
    end
  end
  redis.call('RENAME', item_key, base .. ':corrupt:' .. scope)
  redis.call('SADD', base .. ':corrupt', scope)
end

-- Removes an item from both indexes.
local function unindex(base, scope, item)
  redis.call('ZREM', base .. ':claimed', scope)
  redis.call('ZREM', base .. ':ready', ready_member(item.q, scope))
end

-- Replaces the finished item by a fresh successor (an Enqueue arrived during its claim) or deletes it.
-- The successor keeps the latest payload. Returns 1 when a successor was inserted, else 0.
local function finish_item(base, scope, item_key, item, at)
  unindex(base, scope, item)
  if item.w == '1' then
    local s = fmt(at)
    redis.call('HDEL', item_key, 'h', 't', 'c', 'x', 'l')
    redis.call('HSET', item_key, 'e', '1', 'q', s, 'u', s, 'a', '0', 'n', s, 'w', '0')
    redis.call('ZADD', base .. ':ready', at, ready_member(s, scope))
    return 1
  end
  redis.call('DEL', item_key)
  return 0
end

-- Whether `token` (a string from ARGV) owns the item: it is claimed with that very token.
local function owns(item, token)
  return item ~= nil and item.h ~= nil and item.t == tonumber(token)
end

-- Runs `command key` (or `command` alone when key is nil) with the elements of `list` as further arguments, in
-- calls of at most 1,000 (an even count, so score/member pairs stay together; `unpack` of a much longer list
-- could overflow Lua's C stack).
local function call_many(command, key, list)
  for i = 1, #list, 1000 do
    if key == nil then
      redis.call(command, unpack(list, i, math.min(#list, i + 999)))
    else
      redis.call(command, key, unpack(list, i, math.min(#list, i + 999)))
    end
  end
end

-- The core's Claim of up to `batch` items for `holder` at time `at` (batch already validated), each claim
-- expiring at at + ttl: appends "Claimed", n, (scope, token, expiresAtMs, attemptCount, updatedAtMs,
-- reclaimed 0|1, payload or false, payload kind or false) * n, m, (scope, reason) * m to `out` and returns it (the m pairs are
-- malformed items moved aside). Each round of ready members is granted with one INCRBY of the token (the
-- tokens the core's per-item increments would give, in claim order), one HSET per item, one ZREM from ready
-- and one ZADD to claimed.
local function claim_items(out, ready_key, claimed_key, token_key, ttl, base, holder, batch, at)
  -- Expired claims (expiry <= atMs) compete again by their claim order.
  local expired = redis.call('ZRANGEBYSCORE', claimed_key, '-inf', at)
  local corrupt = {}
  for _, scope in ipairs(expired) do
    local key = base .. ':item:' .. scope
    local item, bad = read_item(key)
    redis.call('ZREM', claimed_key, scope)
    if bad then
      move_aside(base, scope, key)
      corrupt[#corrupt + 1] = scope; corrupt[#corrupt + 1] = bad
    elseif item ~= nil then
      redis.call('ZADD', ready_key, item.n, ready_member(item.q, scope))
    end
  end
  local head = #out + 1
  out[head] = 'Claimed'; out[head + 1] = 0
  local granted = 0
  local expires_at_ms = at + ttl
  local s = fmt(at)
  local se = fmt(expires_at_ms)
  while granted < batch do
    local members = redis.call('ZRANGEBYSCORE', ready_key, '-inf', at, 'LIMIT', 0, batch - granted)
    if #members == 0 then break end
    -- This round's grants: their ready members, their scopes and items, in claim order.
    local taken, scopes, items = {}, {}, {}
    for _, m in ipairs(members) do
      local scope = string.sub(m, 18)
      local key = base .. ':item:' .. scope
      local item, bad = read_item(key)
      -- A JSON payload is parsed by the holder, so one that does not parse is malformed (checked here only:
      -- the claim is the one read that hands the payload out).
      if item ~= nil and item.k == 'j' and (item.p == nil or not pcall(cjson.decode, item.p)) then
        item = nil; bad = 'field p (JSON payload) does not parse'
      end
      if bad or item == nil then
        if item == nil and not bad then
          redis.call('ZREM', ready_key, m)
          bad = 'indexed in ready but the item hash is missing'
        else
          redis.call('ZREM', ready_key, m)
          move_aside(base, scope, key)
        end
        corrupt[#corrupt + 1] = scope; corrupt[#corrupt + 1] = bad
      else
        taken[#taken + 1] = m; scopes[#scopes + 1] = scope; items[#items + 1] = item
      end
    end
    if #taken > 0 then
      local first = redis.call('INCRBY', token_key, #taken) - #taken
      local claimed = {}
      for i, scope in ipairs(scopes) do
        local item = items[i]
        local token = first + i
        redis.call('HSET', base .. ':item:' .. scope, 'u', s, 'h', holder, 't', fmt(token), 'c', s, 'x', se, 'w', '0')
        claimed[#claimed + 1] = expires_at_ms; claimed[#claimed + 1] = scope
        local reclaimed = 0
        if item.h ~= nil then reclaimed = 1 end
        out[#out + 1] = scope; out[#out + 1] = token; out[#out + 1] = expires_at_ms; out[#out + 1] = item.a
        out[#out + 1] = at; out[#out + 1] = reclaimed; out[#out + 1] = item.p or false
        out[#out + 1] = item.k or false
      end
      call_many('ZREM', ready_key, taken)
      call_many('ZADD', claimed_key, claimed)
      granted = granted + #taken
    end
  end
  out[head + 1] = granted
  out[#out + 1] = #corrupt / 2
  for _, v in ipairs(corrupt) do out[#out + 1] = v end
  return out
end
