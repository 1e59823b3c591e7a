-- lease-acquire: the core's Lease.transition for an Acquire event, atomically, at the server's time.
-- Same-holder re-acquire while valid is idempotent (same token, expiry moved); a free, released or expired
-- lease gets token + 1 (reclaimed = 1 when a different holder's expired grant is taken over).
--
-- KEYS[1]  the lease hash `<prefix>:{<name>}:lease`; fields `holder` (absent when free), `token` (integer,
--          the last grant's fencing token), `expiresAtMs` (integer ms, server time). Never expires in Redis:
--          the token must survive so that it keeps increasing.
-- ARGV[1]  leaseTtlMs: positive integer, ms
-- ARGV[2]  holder: non-empty string
--
-- Reply (flat array; atMs = the server time in ms this transition used):
--   {"Granted", atMs, token, expiresAtMs, reclaimed (0|1)}
--   {"Busy", atMs, holder, expiresAtMs}
--   {"CORRUPT", key, problem}   the stored value is not what the runtime writes; nothing changed
--- @include "includes/lease"
--- @include "includes/fmt"

local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local caller = ARGV[2]

local atMs = now_ms()
local holder, token, expiresAtMs, corrupt = lease_state(key)
if corrupt then return corrupt end

local newExpiresAtMs = atMs + ttl
if holder and atMs < expiresAtMs then
  if holder ~= caller then
    return {'Busy', atMs, holder, expiresAtMs}
  end
  if newExpiresAtMs ~= expiresAtMs then
    redis.call('HSET', key, 'expiresAtMs', fmt(newExpiresAtMs))
  end
  return {'Granted', atMs, token, newExpiresAtMs, 0}
end
local newToken = token + 1
local reclaimed = 0
if holder and holder ~= caller then reclaimed = 1 end
redis.call('HSET', key, 'holder', caller, 'token', fmt(newToken), 'expiresAtMs', fmt(newExpiresAtMs))
return {'Granted', atMs, newToken, newExpiresAtMs, reclaimed}
