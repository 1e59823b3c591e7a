-- cq-counts.lua: counts per state at the server's time, for observability.
-- KEYS[1] <base>:ready  KEYS[2] <base>:claimed  KEYS[3] <base>:dead  KEYS[4] <base>:corrupt
-- Returns {atMs, ready, delayed, claimed, expired, deadLettered, corrupt}: ready = claimable now (unclaimed
-- with notBeforeMs <= atMs, or with an expired claim), delayed = in retry backoff, claimed = live claims,
-- expired = claims past claimedUntilMs not yet taken over (included in ready), deadLettered, corrupt.
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ready = redis.call('ZCOUNT', KEYS[1], '-inf', at)
local delayed = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', at), '+inf')
local expired = redis.call('ZCOUNT', KEYS[2], '-inf', at)
local claimed = redis.call('ZCARD', KEYS[2]) - expired
return {at, ready + expired, delayed, claimed, expired, redis.call('HLEN', KEYS[3]), redis.call('SCARD', KEYS[4])}
