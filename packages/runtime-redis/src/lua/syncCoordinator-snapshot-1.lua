-- syncCoordinator-snapshot: the whole coordinator read at once (atomic with every other script), for snapshot().
--
-- KEYS[1] <base>:mrs
--
-- Reply: {atMs, mrs (flat mr/JSON list, as stored)}
--- @include "includes/now_ms"

return {now_ms(), redis.call('HGETALL', KEYS[1])}
