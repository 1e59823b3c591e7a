-- mailbox-complete: the core Mailbox's Complete (unfenced: the conformance tests and operators; instances use
-- mailbox-finish, which checks the lease token first).
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base  ARGV[2] "1" keyed | "0" key null  ARGV[3] key  ARGV[4] order id  ARGV[5] outcome
--
-- Reply: {atMs, "Completed", {id, outcome, dispatched id|false}, effects} | {atMs, "NotInFlight", {id}, {}}
--        | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
--- @include "includes/mailbox"

-- A transition of the core: its result tag, fields and effects, at the server time.
return mailbox_event(true, function(at, cfg, st)
  local r = complete(cfg, st, ARGV[2] == '1', ARGV[3], ARGV[4], ARGV[5])
  return { at, r[1], r[2], r[3] }
end)
