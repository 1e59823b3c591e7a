--[[
  lease-renew: the core's Lease.transition for a Renew event (the heartbeat), atomically, at the server's time.

  KEYS[1]  the lease hash `<prefix>:{<name>}:lease` (fields as in lease-acquire.lua)
  ARGV[1]  leaseTtlMs: positive integer, ms
  ARGV[2]  holder: non-empty string
  ARGV[3]  token: integer, the fencing token of the caller's grant

  Reply (flat array; atMs = the server time in ms this transition used):
    {"Renewed", atMs, expiresAtMs}
    {"NotOwner", atMs, holder (nil when free), token}   wrong holder or stale token; nothing changed
    {"Expired", atMs, expiredAtMs}                      right holder and token, grant over; nothing changed
    {"CORRUPT", key, problem}
]]
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local caller = ARGV[2]
local callerToken = tonumber(ARGV[3])

local atMs = lease_now()
local holder, token, expiresAtMs, corrupt = lease_state(key)
if corrupt then return corrupt end

if holder ~= caller or token ~= callerToken then
  return {'NotOwner', atMs, holder, token}
end
if not (atMs < expiresAtMs) then
  return {'Expired', atMs, expiresAtMs}
end
local newExpiresAtMs = atMs + ttl
if newExpiresAtMs ~= expiresAtMs then
  redis.call('HSET', key, 'expiresAtMs', string.format('%d', newExpiresAtMs))
end
return {'Renewed', atMs, newExpiresAtMs}
