// The claim queue's Lua scripts, registered on an ioredis client with `defineCommand` (EVALSHA with an EVAL
// fallback). Each `src/lua/cq-<event>.lua` file is prefixed with the shared `cq-common.lua` (time, layout
// and item decoding), so one script per transition stays one EVALSHA.

import type { Cluster, Redis } from "ioredis";
import { scriptSource } from "./redis-script.js";

/** The claim-queue commands: name on the client, script file, number of KEYS. */
const SCRIPTS = {
  interleaveCqInit: { file: "cq-init", keys: 1, common: false },
  interleaveCqEnqueue: { file: "cq-enqueue", keys: 4, common: true },
  interleaveCqClaim: { file: "cq-claim", keys: 4, common: true },
  interleaveCqOwner: { file: "cq-owner", keys: 5, common: true },
  interleaveCqAckClaim: { file: "cq-ack-claim", keys: 5, common: true },
  interleaveCqCounts: { file: "cq-counts", keys: 4, common: false },
  interleaveCqSnapshot: { file: "cq-snapshot", keys: 4, common: false },
} as const;

/** The name of one claim-queue command. */
export type ClaimQueueCommand = keyof typeof SCRIPTS;

/** Registers the claim-queue scripts on `redis` unless they already are (several queues may share a client). */
export function defineClaimQueueScripts(redis: Redis | Cluster): void {
  const commands = redis as unknown as Record<string, unknown>;
  for (const [name, spec] of Object.entries(SCRIPTS)) {
    if (typeof commands[name] !== "function") {
      const lua = spec.common
        ? `${scriptSource("cq-common")}\n${scriptSource(spec.file)}`
        : scriptSource(spec.file);
      redis.defineCommand(name, { lua, numberOfKeys: spec.keys });
    }
  }
}

/**
 * Runs claim-queue command `name` with `keys` then `args`; returns its reply, which every claim-queue script
 * makes an array.
 *
 * @throws the ioredis error when the command fails (connection lost, script error), or an `Error` when the
 *   reply is not an array.
 */
export async function runClaimQueueScript(
  redis: Redis | Cluster,
  name: ClaimQueueCommand,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown[]> {
  const fn = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (typeof fn !== "function") {
    throw new Error(`claim-queue command ${name} is not defined on this client (defineClaimQueueScripts)`);
  }
  const reply = await fn.call(redis, ...keys, ...args);
  if (!Array.isArray(reply)) {
    throw new Error(`claim-queue script ${name} replied ${JSON.stringify(reply)}, expected an array`);
  }
  return reply;
}
