-- syncCoordinator-snapshot: the whole coordinator read at once (atomic with every other script), for snapshot().
--
-- KEYS[1] <base>:mrs  KEYS[2] <base>:fence
--
-- Reply: {atMs, mrs (flat mr/JSON list, as stored), fence counter as stored (false = absent)}
--- @include "includes/now_ms"

return {now_ms(), redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2])}
