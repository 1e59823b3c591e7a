-- syncCoordinator-expire: the core SyncCoordinator's Expire: reclaims the MR's order in flight when its lease
-- expired (what every event script does first), for the recovery loop, so a dead holder's MR moves on even
-- when nothing else happens to it.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:mrs  KEYS[3] <base>:fence
-- ARGV[1] mr
--
-- Reply: {atMs, "Expired", "", 0, {}, effects, reclaimed} (reclaimed: {kind, id, token} of the order whose
--        lease expired, {} when none; effects: what the reclaim dispatched) | {atMs, "NoConfig"}
--        | {atMs, "Corrupt", problem} | {"CORRUPT", key, problem}
--- @include "includes/syncCoordinator"

return run_event(function(_, at, reclaimed)
  return reply(at, 'Expired', '', 0, {}, {}, reclaimed)
end)
