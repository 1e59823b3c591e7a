-- lease-renew: the core's Lease.transition for a Renew event (the heartbeat), atomically, at the server's time.
--
-- KEYS[1]  the lease hash `<prefix>:{<name>}:lease` (fields as in lease-acquire-1.lua)
-- ARGV[1]  leaseTtlMs: positive integer, ms (the caller's validated config: see docs on TTL in README)
-- ARGV[2]  holder: non-empty string
-- ARGV[3]  token: integer, the fencing token of the caller's grant
--
-- Reply (flat array; atMs = the server time in ms this transition used):
--   {"Renewed", atMs, expiresAtMs}
--   {"NotOwner", atMs, holder (nil when free), token}   wrong holder or stale token; nothing changed
--   {"Expired", atMs, expiredAtMs}                      right holder and token, grant over; nothing changed
--   {"CORRUPT", key, problem}
--- @include "includes/lease"
--- @include "includes/fmt"

local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local atMs, expiresAtMs, refused = lease_owned(key, ARGV[2], tonumber(ARGV[3]))
if refused then return refused end

if not (atMs < expiresAtMs) then
  return {'Expired', atMs, expiresAtMs}
end
local newExpiresAtMs = atMs + ttl
if newExpiresAtMs ~= expiresAtMs then
  redis.call('HSET', key, 'expiresAtMs', fmt(newExpiresAtMs))
end
return {'Renewed', atMs, newExpiresAtMs}
