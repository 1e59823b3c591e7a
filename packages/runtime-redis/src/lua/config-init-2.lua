-- config-init: writes a machine's config once, or checks it against the stored one (every client of one queue,
-- mailbox or coordinator must use the same config). Shared by ClaimQueue.open, KeyedMailbox.open and
-- RedisSyncCoordinator.open (src/shared/config.ts).
--
-- KEYS[1]  <base>:config, a hash of the config fields
-- KEYS[2]  a hash seeded with the machine's empty state when the config is first written and it does not
--          exist yet (the mailbox's <base>:state); any key of the same hash tag when ARGV[1] says 0 pairs
-- ARGV[1]  n: how many config field/value pairs follow (integer >= 1)
-- ARGV[2 .. 2n+1]   the config as field, value pairs (integers as decimal text, ms where durations)
-- ARGV[2n+2 ..]     the empty state as field, value pairs (none for a machine without a state hash)
--
-- Reply: {"Written"} when the machine had no config; {"Same"} when the stored config equals the given one;
--        {"Mismatch", field, stored (false = absent), given} for the first differing field.
local n = tonumber(ARGV[1])
local stored = redis.call('HGETALL', KEYS[1])
if #stored == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2, 2 * n + 1))
  if #ARGV > 2 * n + 1 and redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('HSET', KEYS[2], unpack(ARGV, 2 * n + 2))
  end
  return {'Written'}
end
local have = {}
for i = 1, #stored, 2 do have[stored[i]] = stored[i + 1] end
for i = 2, 2 * n + 1, 2 do
  if have[ARGV[i]] ~= ARGV[i + 1] then
    return {'Mismatch', ARGV[i], have[ARGV[i]] or false, ARGV[i + 1]}
  end
end
return {'Same'}
