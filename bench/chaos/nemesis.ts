// The nemesis of a chaos run: carries out the seeded schedule (schedule.ts) on the live system — SIGKILL and a
// later restart of a worker process, SIGSTOP past the lease then SIGCONT, a Redis restart (SIGKILL of
// redis-server and a start on the same port and directory: with AOF on it reloads `appendfsync always`'s file;
// with AOF off it comes back empty, after the queue's items were read under `CLIENT PAUSE WRITE`, so what was lost
// is known exactly), dropped connections and added latency in the proxy. Every fault is logged with its host
// times; faults that find their target gone (a stop of a killed process) are logged as skipped.

import type { TestRedis } from "@interleave/runtime-redis/testing";
import type { Redis } from "ioredis";
import type { LossyRestart } from "./check.js";
import type { ChaosChild } from "./processes.js";
import type { ChaosProxy } from "./proxy.js";
import type { Fault } from "./schedule.js";

/** A fault as carried out: host times (ms) of its start and end. */
export interface FaultEvent {
  readonly kind: string;
  readonly target: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly detail: string;
}

/** What the nemesis acts on. */
export interface NemesisTargets {
  readonly redis: TestRedis;
  /** A direct client (not through the proxy) for `CLIENT PAUSE` and the pre-kill read. */
  readonly admin: Redis;
  readonly proxy: ChaosProxy;
  readonly aof: boolean;
  /** The queue's item keys are `${itemPrefix}<scope>`. */
  readonly itemPrefix: string;
  /** The live start of process `i`. */
  child(i: number): ChaosChild | undefined;
  /** Starts process `i` again (a new start, a new name). */
  restart(i: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the scopes of the queue's items (SCAN; reads are served under `CLIENT PAUSE WRITE`). */
async function heldScopes(admin: Redis, itemPrefix: string): Promise<string[]> {
  const scopes: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${itemPrefix}*`, "COUNT", 1_000);
    cursor = next;
    for (const k of keys) scopes.push(k.slice(itemPrefix.length));
  } while (cursor !== "0");
  return scopes;
}

/**
 * Runs `faults` (their `atMs` after `startMs`, host ms) against `targets`; resolves when every fault has ended.
 * Redis restarts run one at a time. Returns the faults as carried out and the lossy restarts.
 */
export async function runNemesis(
  faults: readonly Fault[],
  startMs: number,
  targets: NemesisTargets,
  log: (event: FaultEvent) => void,
): Promise<{ events: FaultEvent[]; lossyRestarts: LossyRestart[] }> {
  const events: FaultEvent[] = [];
  const lossyRestarts: LossyRestart[] = [];
  const delays: number[] = [];
  let redisBusy: Promise<void> = Promise.resolve();
  const record = (e: FaultEvent) => {
    events.push(e);
    log(e);
  };
  const run = async (f: Fault): Promise<void> => {
    await sleep(Math.max(0, startMs + f.atMs - Date.now()));
    const t0 = Date.now();
    switch (f.kind) {
      case "kill": {
        const child = targets.child(f.target);
        if (child === undefined || !child.alive()) {
          record({
            kind: "kill",
            target: `p${f.target}`,
            startMs: t0,
            endMs: t0,
            detail: "skipped: not running",
          });
          return;
        }
        child.signal("SIGKILL");
        await child.exited;
        await sleep(f.durationMs);
        for (let attempt = 1; ; attempt++) {
          try {
            await targets.restart(f.target);
            break;
          } catch (error) {
            if (attempt >= 3) throw error; // the run fails (exit 2) rather than go on with a process missing
          }
        }
        record({
          kind: "kill",
          target: child.name,
          startMs: t0,
          endMs: Date.now(),
          detail: `restarted after ${f.durationMs} ms`,
        });
        return;
      }
      case "stop": {
        const child = targets.child(f.target);
        if (child === undefined || !child.alive()) {
          record({
            kind: "stop",
            target: `p${f.target}`,
            startMs: t0,
            endMs: t0,
            detail: "skipped: not running",
          });
          return;
        }
        child.signal("SIGSTOP");
        await sleep(f.durationMs);
        child.signal("SIGCONT");
        record({
          kind: "stop",
          target: child.name,
          startMs: t0,
          endMs: Date.now(),
          detail: `stopped ${f.durationMs} ms`,
        });
        return;
      }
      case "redis-restart": {
        const previous = redisBusy;
        let done: () => void = () => {};
        redisBusy = new Promise((resolve) => {
          done = resolve;
        });
        await previous;
        try {
          const s0 = Date.now();
          if (targets.aof) {
            await targets.redis.restart();
            record({
              kind: "redis-restart",
              target: "redis",
              startMs: s0,
              endMs: Date.now(),
              detail: "AOF on (appendfsync always)",
            });
          } else {
            await targets.admin.call("CLIENT", "PAUSE", "60000", "WRITE");
            const pausedMs = Date.now();
            const held = await heldScopes(targets.admin, targets.itemPrefix);
            await targets.redis.restart();
            const resumedMs = Date.now();
            lossyRestarts.push({ pausedMs, resumedMs, heldScopes: held });
            record({
              kind: "redis-restart",
              target: "redis",
              startMs: s0,
              endMs: resumedMs,
              detail: `AOF off: ${held.length} items held at the kill, lost`,
            });
          }
        } finally {
          done();
        }
        return;
      }
      case "drop": {
        const n = targets.proxy.dropAll();
        record({ kind: "drop", target: "proxy", startMs: t0, endMs: t0, detail: `${n} connections dropped` });
        return;
      }
      case "latency": {
        delays.push(f.delayMs);
        targets.proxy.setDelay(Math.max(...delays));
        await sleep(f.durationMs);
        delays.splice(delays.indexOf(f.delayMs), 1);
        targets.proxy.setDelay(delays.length === 0 ? 0 : Math.max(...delays));
        record({
          kind: "latency",
          target: "proxy",
          startMs: t0,
          endMs: Date.now(),
          detail: `+${f.delayMs} ms per chunk`,
        });
        return;
      }
    }
  };
  await Promise.all(faults.map(run));
  return { events, lossyRestarts };
}
