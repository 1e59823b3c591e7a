/**
 * A testing hook for harnesses that check the checkers: run the runtime on a client where one of its Lua scripts
 * is replaced by a variant (e.g. a deliberately broken one, so a history checker must fail). The runtime
 * registers its scripts on a client only when no command of that name is there yet (`ScriptSet.define`), so a
 * script substituted before the first `ClaimQueue.open` / `new RedisFencedResource` on that client is the one
 * every call of that script runs. Not for production code; the shipped scripts are never changed.
 */
import type { Cluster, Redis } from "ioredis";
import { commandName, numberOfKeys, type ScriptFile, scriptSource } from "../shared/redis-script.js";

/**
 * The text of the runtime's script `file` (a name of `src/lua/` without `.lua`, e.g. `"fenced-write-1"`),
 * its `--- @include` lines resolved.
 *
 * @throws the `fs` error when there is no such script.
 */
export function shippedScriptSource(file: ScriptFile): string {
  return scriptSource(file);
}

/**
 * Registers `lua` on `redis` as the runtime's script `file`, so every runtime object later opened on this client
 * runs `lua` for it (same number of KEYS: the one `file`'s name ends with).
 *
 * @throws an `Error` when the runtime's script is already registered on `redis` (substitute before opening
 *   anything on the client) or when `file` names no script.
 */
export function substituteScript(redis: Redis | Cluster, file: ScriptFile, lua: string): void {
  shippedScriptSource(file); // a file that does not exist fails here, not at the first call
  const command = commandName(file);
  if (typeof (redis as unknown as Record<string, unknown>)[command] === "function") {
    throw new Error(`script ${file} is already registered on this client: substitute it before opening`);
  }
  redis.defineCommand(command, { lua, numberOfKeys: numberOfKeys(file) });
}
