-- lease-release: the core's Lease.transition for a Release event (holder-aware), atomically, at the server's
-- time. Frees the lease when holder and token match, expired or not; the recorded expiry becomes the release
-- time if that is earlier. The token stays, so the next grant gets token + 1.
--
-- KEYS[1]  the lease hash `<prefix>:{<name>}:lease` (fields as in lease-acquire-1.lua)
-- ARGV[1]  holder: non-empty string
-- ARGV[2]  token: integer, the fencing token of the caller's grant
--
-- Reply (flat array; atMs = the server time in ms this transition used):
--   {"Released", atMs}
--   {"NotOwner", atMs, holder (nil when free), token}   wrong holder or stale token; nothing changed
--   {"CORRUPT", key, problem}
--- @include "includes/lease"
--- @include "includes/fmt"

local key = KEYS[1]
local atMs, expiresAtMs, refused = lease_owned(key, ARGV[1], tonumber(ARGV[2]))
if refused then return refused end

local released = expiresAtMs
if atMs < released then released = atMs end
redis.call('HDEL', key, 'holder')
if released ~= expiresAtMs then
  redis.call('HSET', key, 'expiresAtMs', fmt(released))
end
return {'Released', atMs}
