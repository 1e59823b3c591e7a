// The keyed mailbox's Lua scripts (src/lua/mailbox-<command>-2.lua, each including src/lua/includes/mailbox.lua:
// layout, decoding and the core Mailbox's transitions), one per event, so one transition stays one EVALSHA.

import { scriptSet } from "../shared/redis-script.js";

/** The mailbox scripts; `define` registers them on a client, `run` runs one (KEYS `[config, state]`). */
export const mailboxScripts = scriptSet([
  "mailbox-submit-2",
  "mailbox-complete-2",
  "mailbox-shutdown-2",
  "mailbox-snapshot-2",
  "mailbox-held-2",
  "mailbox-heartbeat-2",
  "mailbox-finish-2",
]);

/** The name of one mailbox script. */
export type MailboxScript = Parameters<typeof mailboxScripts.run>[1];
