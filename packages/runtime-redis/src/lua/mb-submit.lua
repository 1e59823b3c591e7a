-- mb-submit.lua: the core Mailbox's Submit.
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] order id  ARGV[3] "1" keyed | "0" key null  ARGV[4] key ("" when null)  ARGV[5] kind
-- ARGV[6] the order as JSON (stored as given, handed back in Dispatch and ShutDown)
-- Returns {atMs, tag, fields, effects} (see mailbox-codec.ts) | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
--   Accepted {id, dispatched 0|1, superseded ids, cancelled id|false}; Dropped {id, duplicateOf};
--   Rejected {id, reason}; Duplicate {id}. Effects: {"Dispatch", key|false, orderJson, id},
--   {"Cancel", key|false, id, reason, by|false}.
local at = now_ms()
return guarded(function()
  local cfg = read_config()
  if cfg == nil then return { at, 'NoConfig' } end
  local st = read_state()
  local r = submit(cfg, st, ARGV[2], ARGV[3] == '1', ARGV[4], ARGV[5], ARGV[6])
  return { at, r[1], r[2], r[3] }
end)
