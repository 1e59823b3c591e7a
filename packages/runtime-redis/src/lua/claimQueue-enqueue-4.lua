-- claimQueue-enqueue: the core's Enqueue (upsert-merge; an Enqueue during a claim sets enqueuedWhileClaimed).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:ready  KEYS[3] <base>:claimed  KEYS[4] <base>:item:<scope>
-- ARGV[1] base  ARGV[2] scope  ARGV[3] payload kind: "0" none given (keep the stored one), "1" a string,
--         "2" JSON text  ARGV[4] payload (latest wins; stored in field p, with k = "j" for JSON, no k for a string)
--
-- Reply: {atMs, "Enqueued", merged 0|1} | {atMs, "QueueFull", itemCountMax} | {atMs, "NoConfig"}
--        | {atMs, "Corrupt", reason}
--- @include "includes/claimQueue"

-- Stores the given payload and its kind (no k: a string, as every release before JSON payloads stored it).
local function store_payload(key)
  if ARGV[3] == '1' then
    redis.call('HSET', key, 'p', ARGV[4])
    redis.call('HDEL', key, 'k')
  elseif ARGV[3] == '2' then
    redis.call('HSET', key, 'p', ARGV[4], 'k', 'j')
  end
end

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
  store_payload(KEYS[4])
  return {at, 'Enqueued', 1}
end
local count = redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
if count >= config.itemCountMax then return {at, 'QueueFull', config.itemCountMax} end
redis.call('HSET', KEYS[4], 'e', '1', 'q', s, 'u', s, 'a', '0', 'n', s, 'w', '0')
store_payload(KEYS[4])
redis.call('ZADD', KEYS[2], at, ready_member(s, scope))
return {at, 'Enqueued', 0}
