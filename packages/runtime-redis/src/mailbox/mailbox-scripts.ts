// The keyed mailbox's Lua scripts, registered on an ioredis client with `defineCommand` (EVALSHA with an EVAL
// fallback). Each `src/lua/mb-<event>.lua` is prefixed with the shared `mb-common.lua` (layout, decoding and
// the core Mailbox's transitions), so one script per transition stays one EVALSHA.

import type { Cluster, Redis } from "ioredis";
import { defineScripts, runScript, type ScriptSpec } from "../shared/redis-script.js";

/** The mailbox commands: name on the client, script file, number of KEYS, shared prelude. */
const SCRIPTS = {
  interleaveMbInit: { file: "mb-init", numberOfKeys: 2 },
  interleaveMbSubmit: { file: "mb-submit", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbComplete: { file: "mb-complete", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbShutdown: { file: "mb-shutdown", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbSnapshot: { file: "mb-snapshot", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbTake: { file: "mb-take", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbHeld: { file: "mb-held", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbHeartbeat: { file: "mb-heartbeat", numberOfKeys: 2, prelude: "mb-common" },
  interleaveMbFinish: { file: "mb-finish", numberOfKeys: 2, prelude: "mb-common" },
} as const satisfies Readonly<Record<string, ScriptSpec>>;

/** The name of one mailbox command. */
export type MailboxCommand = keyof typeof SCRIPTS;

/** Registers the mailbox scripts on `redis` unless they already are (several mailboxes may share a client). */
export function defineMailboxScripts(redis: Redis | Cluster): void {
  defineScripts(redis, SCRIPTS);
}

/**
 * Runs mailbox command `name` with `keys` (`[config, state]`) then `args` (`[base, …]`); returns its reply.
 *
 * @throws `CorruptValueError` when the script found a malformed value (it changed nothing); the ioredis
 *   error when the command fails.
 */
export function runMailboxScript(
  redis: Redis | Cluster,
  name: MailboxCommand,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown[]> {
  return runScript(redis, name, keys, args);
}
