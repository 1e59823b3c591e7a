// The one init-or-compare of a machine's config (src/lua/config-init-2.lua), shared by `ClaimQueue.open`,
// `KeyedMailbox.open` and `RedisSyncCoordinator.open`: the first client writes the config, every later one must
// give the same values or gets a `ConfigMismatchError` naming the machine and the first differing field. It
// first waits (1.5 s at most) for the client to connect, so an `open` against a Redis that is not there fails fast.

import type { Cluster, Redis } from "ioredis";
import { awaitReady } from "./connection.js";
import { checkReply, type Machine } from "./errors.js";
import { scriptSet } from "./redis-script.js";

const scripts = scriptSet(["config-init-2"]);

/**
 * Writes `config` (field/value pairs, integers as decimal text) to the hash `configKey` when it is absent, and
 * then seeds `stateKey` with `emptyState` pairs unless that key exists; otherwise compares the stored config.
 *
 * @throws `RedisUnreachableError` naming the address when the client does not connect within
 *   `CONNECT_WAIT_MS_DEFAULT` (1.5 s); `ConfigMismatchError` (naming `machine` and the first differing field) when
 *   the stored config differs; the ioredis error when the call fails.
 */
export async function initConfig(
  redis: Redis | Cluster,
  machine: Machine,
  configKey: string,
  config: readonly (readonly [string, string])[],
  state: { readonly key: string; readonly empty: readonly (readonly [string, string])[] } | null = null,
): Promise<void> {
  await awaitReady(redis);
  scripts.define(redis);
  const args = [String(config.length), ...config.flat(), ...(state?.empty.flat() ?? [])];
  const reply = await scripts.run(redis, "config-init-2", [configKey, state?.key ?? configKey], args);
  checkReply(reply, { machine, configKey, corruptKey: configKey });
}
