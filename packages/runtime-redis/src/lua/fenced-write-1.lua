-- fenced-write: the core's FencedResource.transition for a Write or a Fence, atomically. Accepted iff
-- token >= the highest token seen (equal = the same holder again); otherwise StaleToken and nothing changes.
--
-- KEYS[1]  the resource hash `<prefix>:{<resource>}:fenced`; fields `highestToken` (integer), `value`
--          (string; absent before the first write), `writeCount` (integer, accepted writes)
-- ARGV[1]  "Write" | "Fence"
-- ARGV[2]  token: integer (e.g. a lease grant's fencing token)
-- ARGV[3]  value: string (Write only)
--
-- Reply (flat array):
--   {"Accepted", token}                      Write stored
--   {"Fenced", token}                        Fence raised (or kept) the highest token
--   {"StaleToken", token, highestToken}      rejected; nothing changed
--   {"CORRUPT", key, problem}
--- @include "includes/lease"
--- @include "includes/fmt"

local key = KEYS[1]
local op = ARGV[1]
local token = tonumber(ARGV[2])

local f, corrupt, present = lease_read(key, {'highestToken', 'writeCount'})
if corrupt then return corrupt end
local highest, writeCount = 0, 0
if present then
  highest = lease_int(f[1])
  writeCount = lease_int(f[2])
  if highest == nil then return {'CORRUPT', key, 'highestToken is not an integer: ' .. tostring(f[1])} end
  if writeCount == nil or writeCount < 0 then
    return {'CORRUPT', key, 'writeCount is not a non-negative integer: ' .. tostring(f[2])}
  end
end

if token < highest then
  return {'StaleToken', token, highest}
end
if op == 'Write' then
  redis.call('HSET', key, 'highestToken', fmt(token), 'value', ARGV[3],
    'writeCount', fmt(writeCount + 1))
  return {'Accepted', token}
end
if token ~= highest then
  redis.call('HSET', key, 'highestToken', fmt(token), 'writeCount', fmt(writeCount))
end
return {'Fenced', token}
