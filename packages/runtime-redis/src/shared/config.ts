// The one init-or-compare of a machine's config (src/lua/config-init-2.lua), shared by `ClaimQueue.open`,
// `KeyedMailbox.open` and `RedisSyncCoordinator.open`: the first client writes the config, every later one must
// give the same values or gets a `ConfigMismatchError` naming the machine and the first differing field.

import type { Cluster, Redis } from "ioredis";
import { checkReply, type Machine } from "./errors.js";
import { scriptSet } from "./redis-script.js";

const scripts = scriptSet(["config-init-2"]);

/**
 * Writes `config` (field/value pairs, integers as decimal text) to the hash `configKey` when it is absent, and
 * then seeds `stateKey` with `emptyState` pairs unless that key exists; otherwise compares the stored config.
 *
 * @throws `ConfigMismatchError` (naming `machine` and the first differing field) when the stored config differs;
 *   the ioredis error when the call fails.
 */
export async function initConfig(
  redis: Redis | Cluster,
  machine: Machine,
  configKey: string,
  config: readonly (readonly [string, string])[],
  state: { readonly key: string; readonly empty: readonly (readonly [string, string])[] } | null = null,
): Promise<void> {
  scripts.define(redis);
  const args = [String(config.length), ...config.flat(), ...(state?.empty.flat() ?? [])];
  const reply = await scripts.run(redis, "config-init-2", [configKey, state?.key ?? configKey], args);
  checkReply(reply, { machine, configKey, corruptKey: configKey });
}
