-- mb-init.lua: writes a mailbox's config once (and its empty state), or checks it against the stored one.
-- KEYS[1]  <base>:config  KEYS[2] <base>:state
-- ARGV     field, value pairs: inFlightMax, pendingPerKeyMax, keylessPendingMax, keyCountMax, policy (JSON of
--          the normalised core Policy), leaseTtlMs
-- Returns  {"Written"} | {"Same"} | {"Mismatch", field, stored (false = absent), given}
local stored = redis.call('HGETALL', KEYS[1])
if #stored == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  if redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('HSET', KEYS[2], 'n', '0', 'sd', '0', 'wk', '0', 'seq', '0')
  end
  return {'Written'}
end
local have = {}
for i = 1, #stored, 2 do have[stored[i]] = stored[i + 1] end
for i = 1, #ARGV, 2 do
  if have[ARGV[i]] ~= ARGV[i + 1] then
    return {'Mismatch', ARGV[i], have[ARGV[i]] or false, ARGV[i + 1]}
  end
end
return {'Same'}
