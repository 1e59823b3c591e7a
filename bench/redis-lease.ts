/**
 * Lease acquire+release throughput: interleave's `LeaseManager` (one EVALSHA per transition, server time,
 * fencing token) against redlock v4 on one instance (`new Redlock([client], { retryCount: 0 })`,
 * `lock(resource, ttl)` + `unlock()`: SET NX PX then a compare-and-delete script), both on the same private
 * Redis (`startRedis`), sequentially (one loop) and with 16 concurrent loops on distinct lease names, each
 * loop on the same ioredis client (pipelined by ioredis, as an application would share it). The two systems
 * alternate in rounds and the median round is reported. The ceiling is `redis-benchmark` EVALSHA of a trivial
 * script (`return 1`) on the same server with as many connections (`-c`) as our loops; a cycle is two
 * scripts, so "Redis commands/s" = 2 × cycles/s and the ratio is that over the ceiling; "vs redlock" is our
 * median cycles/s over redlock's at the same loop count. LeaseManager's script calls sent in one tick leave in one
 * write (the runtime corks the socket until the tick ends), so 16 loops share writes; redlock's do not.
 *
 * Usage: `tsx --conditions=source bench/redis-lease.ts [--quick]`, or `benchLease({ quick })` from bench/run.ts.
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { LeaseManager } from "@interleave/runtime-redis";
import { startRedis } from "@interleave/runtime-redis/testing";
import { evalshaCeiling, median } from "./support/measure.js";

interface RedlockLock {
  unlock(): Promise<void>;
}
interface RedlockInstance {
  lock(resource: string, ttlMs: number): Promise<RedlockLock>;
}
type RedlockConstructor = new (clients: unknown[], options: { retryCount: number }) => RedlockInstance;

/** One row of the lease benchmark. */
export interface LeaseBenchRow {
  readonly system: string;
  readonly loops: number;
  readonly "cycles/s": number;
  readonly "Redis commands/s": number;
  readonly "ceiling EVALSHA/s": number;
  readonly "ratio to ceiling": string;
  readonly "vs redlock": string;
}

const LEASE_TTL_MS = 10_000;

async function cyclesPerSecond(loops: number, durationMs: number, cycle: (loop: number) => Promise<void>) {
  let cycles = 0;
  const end = performance.now() + durationMs;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async (_, loop) => {
      while (performance.now() < end) {
        await cycle(loop);
        cycles++;
      }
    }),
  );
  return cycles / ((performance.now() - t0) / 1000);
}

/**
 * Runs the benchmark on a private Redis and returns one row per (system, loops): LeaseManager and redlock at 1
 * and 16 loops, with the EVALSHA ceiling at the same connection count and our ratio to it.
 * `quick`: 1 round of 0.5 s per cell and 20,000 redis-benchmark requests; otherwise 3 rounds of 3 s and 100,000.
 */
export async function benchLease({ quick }: { readonly quick: boolean }): Promise<LeaseBenchRow[]> {
  const Redlock = createRequire(import.meta.url)("redlock") as RedlockConstructor;
  const rounds = quick ? 1 : 3;
  const durationMs = quick ? 500 : 3_000;
  const requests = quick ? 20_000 : 100_000;
  const redis = await startRedis();
  try {
    const client = redis.client();
    const leases = new LeaseManager(client, { prefix: "bench", leaseTtlMs: LEASE_TTL_MS });
    const redlock = new Redlock([client], { retryCount: 0 });
    const sha = String(await client.script("LOAD", "return 1"));
    const rows: LeaseBenchRow[] = [];
    for (const loops of [1, 16]) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        ours.push(
          await cyclesPerSecond(loops, durationMs, async (loop) => {
            const g = await leases.acquire(`lease-${loop}`, "bench");
            if (g._tag !== "Granted") throw new Error(`expected Granted, got ${g._tag}`);
            const r = await leases.release(`lease-${loop}`, "bench", g.token);
            if (r._tag !== "Released") throw new Error(`expected Released, got ${r._tag}`);
          }),
        );
        theirs.push(
          await cyclesPerSecond(loops, durationMs, async (loop) => {
            const lock = await redlock.lock(`redlock-${loop}`, LEASE_TTL_MS);
            await lock.unlock();
          }),
        );
      }
      const ceiling = evalshaCeiling(redis, sha, loops, requests);
      for (const [system, figures] of [
        ["interleave LeaseManager", ours],
        ["redlock 4.2.0", theirs],
      ] as const) {
        const cycles = median(figures);
        const versus = figures === ours ? `${(cycles / median(theirs)).toFixed(2)}×` : "";
        rows.push({
          system,
          loops,
          "cycles/s": Math.round(cycles),
          "Redis commands/s": Math.round(2 * cycles),
          "ceiling EVALSHA/s": Math.round(ceiling),
          "ratio to ceiling": `${((100 * 2 * cycles) / ceiling).toFixed(1)}%`,
          "vs redlock": versus,
        });
      }
    }
    return rows;
  } finally {
    await redis.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchLease({ quick: process.argv.includes("--quick") });
  console.table(rows);
}
