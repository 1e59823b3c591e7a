// The tests' private Redis Cluster (the package's testing entry, src/testing/), and what the cluster tests share:
// picking instance names whose hash tags land on different masters, and an observer of every script call a
// Cluster client sends, which checks per call that the script's KEYS hash to one slot, the slot of the machine
// instance's `{name}` tag (issue 19: a multi-key script never crosses slots).

import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { type Cluster, Command, type Redis } from "ioredis";
import { scriptSource } from "../../src/shared/redis-script.js";

export { type ClusterNode, startCluster, type TestCluster } from "../../src/testing/index.js";

/**
 * The Redis Cluster slot of `key`: CRC16 of its hash tag (or of the whole key) mod 16384, computed by the
 * `cluster-key-slot` package ioredis routes its commands with (through ioredis's `Command.getSlot`).
 */
export function slotOf(key: string): number {
  return new Command("get", [key]).getSlot();
}

/** The `{…}` hash tag of `key` (the text between its first `{` and the next `}`), or null when it has none. */
export function hashTagOf(key: string): string | null {
  const match = /\{([^}]+)\}/.exec(key);
  return match === null ? null : match[1]!;
}

/** Slot → the port of the master serving it, from `CLUSTER SLOTS`. */
export async function slotOwners(node: Redis): Promise<(slot: number) => number> {
  const ranges = await node.cluster("SLOTS");
  return (slot) => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    const master = range?.[2];
    if (master === undefined) throw new Error(`slot ${slot} is not served`);
    return master[1];
  };
}

/**
 * Picks `count` names among `${stem}0`, `${stem}1`, … whose keys (`keyOf(name)`) live on pairwise different
 * masters, and returns them with their slots (`CLUSTER KEYSLOT`, the server's answer) and masters.
 */
export async function namesOnDistinctMasters(
  node: Redis,
  stem: string,
  count: number,
  keyOf: (name: string) => string,
): Promise<{ name: string; slot: number; master: number }[]> {
  const ownerOf = await slotOwners(node);
  const picked: { name: string; slot: number; master: number }[] = [];
  for (let i = 0; picked.length < count; i++) {
    if (i > 1000) throw new Error("no names on distinct masters found");
    const name = `${stem}${i}`;
    const slot = Number(await node.cluster("KEYSLOT", keyOf(name)));
    const master = ownerOf(slot);
    if (!picked.some((p) => p.master === master)) picked.push({ name, slot, master });
  }
  return picked;
}

/** The scripts of `src/lua/` (includes left out), by file name without `.lua`. */
export function luaScripts(): string[] {
  return readdirSync(new URL("../../src/lua/", import.meta.url))
    .filter((f) => f.endsWith(".lua"))
    .map((f) => f.slice(0, -".lua".length))
    .sort();
}

/** One script call a client sent: the script's file, its KEYS, and the slot of each key. */
export interface ScriptCall {
  readonly script: string;
  readonly keys: readonly string[];
  readonly slots: readonly number[];
}

/**
 * Observes every script call (`EVALSHA`/`EVAL`, as `defineCommand` sends them) that `clients` send, from now
 * on: each is recorded in `calls` with its script's file name (matched by the SHA-1 of its source) and KEYS.
 * `crossings()` lists the calls whose KEYS are not all in one slot, or not all under one hash tag.
 *
 * @throws (from the client's call) an `Error` for a script that is not one of `src/lua/`.
 */
export function observeScripts(clients: readonly Cluster[]): {
  readonly calls: ScriptCall[];
  crossings(): ScriptCall[];
} {
  const bySha = new Map(
    luaScripts().map((file) => [createHash("sha1").update(scriptSource(file)).digest("hex"), file]),
  );
  const calls: ScriptCall[] = [];
  for (const client of clients) {
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, ...rest) => {
      if (command.name === "evalsha" || command.name === "eval") {
        const [head, count, ...rest2] = command.args.map(String);
        const sha = command.name === "eval" ? createHash("sha1").update(head!).digest("hex") : head!;
        const script = bySha.get(sha);
        if (script === undefined) throw new Error(`a script call not of src/lua/: ${sha}`);
        const keys = rest2.slice(0, Number(count));
        calls.push({ script, keys, slots: keys.map(slotOf) });
      }
      return send(command, ...rest);
    };
  }
  return {
    calls,
    crossings: () =>
      calls.filter(
        (c) =>
          new Set(c.slots).size !== 1 ||
          new Set(c.keys.map(hashTagOf)).size !== 1 ||
          c.keys.some((k) => hashTagOf(k) === null),
      ),
  };
}

/**
 * For each script in `scripts`, the hash tags it was called with (sorted): the cluster tests expect every
 * script of a machine called for several instances, each call's keys in the instance's slot.
 */
export function tagsPerScript(calls: readonly ScriptCall[], scripts: readonly string[]) {
  return Object.fromEntries(
    scripts.map((script) => [
      script,
      [...new Set(calls.filter((c) => c.script === script).map((c) => hashTagOf(c.keys[0]!)))].sort(),
    ]),
  );
}
