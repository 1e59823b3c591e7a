-- mailbox-shutdown: the core Mailbox's Shutdown.
--
-- KEYS[1] <base>:config  KEYS[2] <base>:state
-- ARGV[1] base
--
-- Reply: {atMs, "ShutDown", {cancelled ids, pending order JSONs}, effects} | {atMs, "AlreadyShutDown", {}, {}}
--        | {atMs, "NoConfig"} | {"CORRUPT", key, problem}
--- @include "includes/mailbox"

-- A transition of the core: its result tag, fields and effects, at the server time.
return mailbox_event(true, function(at, cfg, st)
  local r = shutdown(cfg, st)
  return { at, r[1], r[2], r[3] }
end)
