// The claim queue's Lua scripts, registered on an ioredis client with `defineCommand` (EVALSHA with an EVAL
// fallback). Each `src/lua/cq-<event>.lua` file is prefixed with the shared `cq-common.lua` (time, layout
// and item decoding), so one script per transition stays one EVALSHA.

import type { Cluster, Redis } from "ioredis";
import { defineScripts, type ScriptSpec } from "../shared/redis-script.js";

/** The claim-queue commands: name on the client, script file, number of KEYS, shared prelude. */
const SCRIPTS = {
  interleaveCqInit: { file: "cq-init", numberOfKeys: 1 },
  interleaveCqEnqueue: { file: "cq-enqueue", numberOfKeys: 4, prelude: "cq-common" },
  interleaveCqClaim: { file: "cq-claim", numberOfKeys: 4, prelude: "cq-common" },
  interleaveCqOwner: { file: "cq-owner", numberOfKeys: 5, prelude: "cq-common" },
  interleaveCqAckClaim: { file: "cq-ack-claim", numberOfKeys: 5, prelude: "cq-common" },
  interleaveCqCounts: { file: "cq-counts", numberOfKeys: 4 },
  interleaveCqSnapshot: { file: "cq-snapshot", numberOfKeys: 4 },
} as const satisfies Readonly<Record<string, ScriptSpec>>;

/** The name of one claim-queue command. */
export type ClaimQueueCommand = keyof typeof SCRIPTS;

/** Registers the claim-queue scripts on `redis` unless they already are (several queues may share a client). */
export function defineClaimQueueScripts(redis: Redis | Cluster): void {
  defineScripts(redis, SCRIPTS);
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
