-- claimQueue-counts: counts per state at the server's time, for observability.
--
-- KEYS[1] <base>:ready  KEYS[2] <base>:claimed  KEYS[3] <base>:dead  KEYS[4] <base>:corrupt
--
-- Reply: {atMs, ready, delayed, claimed, expired, deadLettered, corrupt}: ready = claimable now (unclaimed
-- with notBeforeMs <= atMs, or with an expired claim), delayed = in retry backoff, claimed = live claims,
-- expired = claims past their expiry not yet taken over (included in ready), deadLettered, corrupt.
--- @include "includes/now_ms"
--- @include "includes/fmt"

local at = now_ms()
local ready = redis.call('ZCOUNT', KEYS[1], '-inf', at)
local delayed = redis.call('ZCOUNT', KEYS[1], '(' .. fmt(at), '+inf')
local expired = redis.call('ZCOUNT', KEYS[2], '-inf', at)
local claimed = redis.call('ZCARD', KEYS[2]) - expired
return {at, ready + expired, delayed, claimed, expired, redis.call('HLEN', KEYS[3]), redis.call('SCARD', KEYS[4])}
