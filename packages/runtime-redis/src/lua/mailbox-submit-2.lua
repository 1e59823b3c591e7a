-- mailbox-submit: the core Mailbox's Submit.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] order id  ARGV[3] "1" keyed | "0" key null  ARGV[4] key ("" when null)  ARGV[5] kind
-- ARGV[6] the order as JSON (stored as given, handed back in Dispatch and ShutDown)
--
-- Reply: {atMs, tag, fields, effects} (see mailbox-codec.ts) | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
--   Accepted {id, dispatched 0|1, superseded ids, cancelled id|false}; Dropped {id, duplicateOf};
--   Rejected {id, reason}; Duplicate {id}. Effects: {"Dispatch", key|false, orderJson, id},
--   {"Cancel", key|false, id, reason, by|false}.
--- @include "includes/mailbox"

-- A transition of the core: its result tag, fields and effects, at the server time.
return mailbox_event(true, function(at, cfg, st)
  local r = submit(cfg, st, ARGV[2], ARGV[3] == '1', ARGV[4], ARGV[5], ARGV[6])
  return { at, r[1], r[2], r[3] }
end)
