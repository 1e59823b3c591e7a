-- claimQueue-enqueue: the core's Enqueue (upsert-merge; an Enqueue during a claim sets enqueuedWhileClaimed).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:item:<scope>
-- ARGV[1] base  ARGV[2] scope  ARGV[3] "1" when a payload is given, else "0"  ARGV[4] payload (latest wins)
--
-- Reply: {atMs, "Enqueued", merged 0|1} | {atMs, "QueueFull", itemCountMax} | {atMs, "NoConfig"}
--        | {atMs, "Corrupt", reason}
--- @include "includes/claimQueue"

local at, config, refused = queue_event(KEYS[1])
if refused then return refused end
local scope = ARGV[2]
local item, bad = read_item(KEYS[4])
if bad then return {at, 'Corrupt', bad} end
local s = fmt(at)
if item ~= nil then
  local w = item.w
  if item.h ~= nil then w = '1' end
  redis.call('HSET', KEYS[4], 'e', fmt(item.e + 1), 'u', s, 'w', w)
  if ARGV[3] == '1' then redis.call('HSET', KEYS[4], 'p', ARGV[4]) end
  return {at, 'Enqueued', 1}
end
local count = redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
if count >= config.itemCountMax then return {at, 'QueueFull', config.itemCountMax} end
redis.call('HSET', KEYS[4], 'e', '1', 'q', s, 'u', s, 'a', '0', 'n', s, 'w', '0')
if ARGV[3] == '1' then redis.call('HSET', KEYS[4], 'p', ARGV[4]) end
redis.call('ZADD', KEYS[2], at, ready_member(s, scope))
return {at, 'Enqueued', 0}
