-- mailbox-snapshot: reads the whole mailbox state at once (a consistent snapshot).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base
--
-- Reply: {state hash pairs, keyorder keys, entries hash pairs, keyless ids, kcan ids, ready list, orders hash
--         pairs, dispatch list, dkey hash pairs, {pending ids of each keyorder key, in keyorder's order}}
--- @include "includes/mailbox"

local keyorder = redis.call('ZRANGE', K.keyorder, 0, -1)
local pending = {}
for i, key in ipairs(keyorder) do pending[i] = redis.call('LRANGE', plist(key), 0, -1) end
return {
  redis.call('HGETALL', K.state), keyorder, redis.call('HGETALL', K.entries),
  redis.call('ZRANGE', K.keyless, 0, -1), redis.call('SMEMBERS', K.kcan), redis.call('LRANGE', K.ready, 0, -1),
  redis.call('HGETALL', K.orders), redis.call('LRANGE', K.dispatch, 0, -1), redis.call('HGETALL', K.dkey),
  pending,
}
