-- claimQueue-snapshot: the whole queue read at once (atomic with every other script), for ClaimQueue.snapshot.
--
-- KEYS[1] <base>:ready  KEYS[2] <base>:claimed  KEYS[3] <base>:token  KEYS[4] <base>:dead
-- ARGV[1] base
--
-- Reply: {ready members, claimed scopes, token (string) or false, dead (flat field/value list),
--         items: for each ready member then each claimed scope, its item hash as a flat field/value list
--         (empty when the hash is missing)}
local ready = redis.call('ZRANGE', KEYS[1], 0, -1)
local claimed = redis.call('ZRANGE', KEYS[2], 0, -1)
local token = redis.call('GET', KEYS[3])
local dead = redis.call('HGETALL', KEYS[4])
local items = {}
for _, m in ipairs(ready) do items[#items + 1] = redis.call('HGETALL', ARGV[1] .. ':item:' .. string.sub(m, 18)) end
for _, scope in ipairs(claimed) do items[#items + 1] = redis.call('HGETALL', ARGV[1] .. ':item:' .. scope) end
return {ready, claimed, token, dead, items}
