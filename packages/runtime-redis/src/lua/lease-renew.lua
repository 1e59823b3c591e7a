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

local now = redis.call('TIME')
local atMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

local function int(v)
  if type(v) ~= 'string' or not string.match(v, '^%-?%d+$') or #v > 16 then return nil end
  return tonumber(v)
end
-- One read on the hot path: HMGET (pcall: a key of another type answers an error, reported as CORRUPT).
local f = redis.pcall('HMGET', key, 'holder', 'token', 'expiresAtMs')
if f.err then
  return {'CORRUPT', key, 'the key holds a ' .. redis.call('TYPE', key).ok .. ', expected a hash'}
end
local holder, token, expiresAtMs = false, 0, 0
if f[1] or f[2] or f[3] or redis.call('EXISTS', key) == 1 then
  holder = f[1]
  token = int(f[2])
  expiresAtMs = int(f[3])
  if token == nil then return {'CORRUPT', key, 'token is not an integer: ' .. tostring(f[2])} end
  if expiresAtMs == nil then return {'CORRUPT', key, 'expiresAtMs is not an integer: ' .. tostring(f[3])} end
  if holder == '' then return {'CORRUPT', key, 'holder is empty'} end
end

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
