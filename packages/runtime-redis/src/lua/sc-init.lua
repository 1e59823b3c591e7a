-- sc-init.lua: writes a SyncCoordinator's config once, or checks it against the stored one.
-- KEYS[1]  <base>:config
-- ARGV     field, value pairs: featureFlag ("1"|"0"), mode, legacyTtlMs, legacyResetDelayMs, mrCountMax,
--          pendingPerMrMax (integers, ms where durations)
-- Returns  {"Written"} when the coordinator had no config; {"Same"} when the stored config equals ARGV;
--          {"Mismatch", field, stored, given} for the first differing field (stored may be false = absent).
local stored = redis.call('HGETALL', KEYS[1])
if #stored == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
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
