-- claimQueue-owner: the core's owner events on one item: Heartbeat, Ack, Retry, Fail, Release. Ownership is
-- the claim token alone (live or expired, until another claim takes the item over), checked in the same
-- script as the mutation it guards (seed 002: no timestamp takes part).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:dead
-- KEYS[5] <base>:item:<scope>
-- ARGV[1] base  ARGV[2] event: "Heartbeat" | "Ack" | "Retry" | "Fail" | "Release"  ARGV[3] scope
-- ARGV[4] token (integer)  ARGV[5] error (Retry and Fail)
-- ARGV[6] leaseTtlMs: positive integer, ms (Heartbeat: the claim then expires at atMs + leaseTtlMs)
--
-- Reply: {atMs, "Renewed", expiresAtMs} | {atMs, "Acked", owned, deleted, requeued}
--        | {atMs, "Retried", attemptCount, notBeforeMs} | {atMs, "DeadLettered", attemptCount}
--        | {atMs, "Released"} | {atMs, "NotOwner"} | {atMs, "NoConfig"} | {atMs, "Corrupt", reason}
--- @include "includes/claimQueue"

local at, config, refused = queue_event(KEYS[1])
if refused then return refused end
local base = ARGV[1]
local event = ARGV[2]
local scope = ARGV[3]
local item, bad = read_item(KEYS[5])
if bad then return {at, 'Corrupt', bad} end
if not owns(item, ARGV[4]) then
  if event == 'Ack' then return {at, 'Acked', 0, 0, 0} end
  return {at, 'NotOwner'}
end
local s = fmt(at)

local function dead_letter(attempt, err)
  redis.call('HSET', KEYS[4], scope, fmt(attempt) .. ':' .. s .. ':' .. err)
  finish_item(base, scope, KEYS[5], item, at)
  return {at, 'DeadLettered', attempt}
end

-- Unclaims the item, back to ready at notBeforeMs n.
local function unclaim(n)
  redis.call('HDEL', KEYS[5], 'h', 't', 'c', 'x')
  unindex(base, scope, item)
  redis.call('ZADD', KEYS[2], n, ready_member(item.q, scope))
end

if event == 'Heartbeat' then
  local expires_at_ms = at + tonumber(ARGV[6])
  redis.call('HSET', KEYS[5], 'u', s, 'x', fmt(expires_at_ms))
  -- A claim that expired was moved to ready by a Claim that found nothing better; it is live again.
  redis.call('ZREM', KEYS[2], ready_member(item.q, scope))
  redis.call('ZADD', KEYS[3], expires_at_ms, scope)
  return {at, 'Renewed', expires_at_ms}
elseif event == 'Ack' then
  local requeued = finish_item(base, scope, KEYS[5], item, at)
  return {at, 'Acked', 1, 1, requeued}
elseif event == 'Retry' then
  local attempt = item.a + 1
  if attempt >= config.attemptsMax then return dead_letter(attempt, ARGV[5]) end
  -- cappedDoublingMs of the core: min(cap, base * 2^(attempt - 1)), 0 when base is 0.
  local backoff = 0
  if config.retryBackoffBaseMs > 0 then
    if attempt - 1 >= 53 then
      backoff = config.retryBackoffCapMs
    else
      backoff = math.min(config.retryBackoffCapMs, config.retryBackoffBaseMs * 2 ^ (attempt - 1))
    end
  end
  local n = at + backoff
  redis.call('HSET', KEYS[5], 'a', fmt(attempt), 'n', fmt(n), 'u', s, 'w', '0', 'l', ARGV[5])
  unclaim(n)
  return {at, 'Retried', attempt, n}
elseif event == 'Fail' then
  return dead_letter(item.a + 1, ARGV[5])
elseif event == 'Release' then
  redis.call('HSET', KEYS[5], 'u', s, 'w', '0')
  unclaim(item.n)
  return {at, 'Released'}
end
return redis.error_reply('claimQueue-owner: unknown event ' .. tostring(event))
