/**
 * Claim→ack cycle throughput and latency: interleave's `ClaimQueue` + `Worker` (one EVALSHA per transition:
 * batch claim, ack by fencing token; heartbeats at their default period) against BullMQ 6 (`Queue.addBulk` +
 * `Worker` with the same concurrency, an empty processor), on the same private Redis (`startRedis`), at
 * concurrency 1, 16 and 64. Per level and system: N jobs are enqueued first (not timed), then a worker starts
 * and the clock runs until the N-th job is acknowledged. Throughput = N / that time; latency per job = from
 * the handler's invocation to the worker observing the ack (ours: the ack reply; BullMQ: the `completed`
 * event), p50 and p99. Each system gets a fresh queue; the two alternate per level, one run each. The ceiling
 * row per level is `redis-benchmark` EVALSHA of a trivial script (`return 1`) on the same server with as many
 * connections (`-c`) as the level's concurrency, and "of ceiling" is each system's jobs/s over that rate. Our
 * Worker acks every handler that finished in the same tick with one script that also claims the next items
 * (`ClaimQueue.ackManyAndClaim`), so at concurrency c a steady queue costs about one EVALSHA per c jobs (plus
 * heartbeats), and jobs/s can exceed the per-call EVALSHA rate.
 *
 * Usage: `tsx --conditions=source bench/redis-queue.ts [--quick]`, or `benchQueue({ quick })` from bench/run.ts.
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ClaimQueue, Worker } from "@interleave/runtime-redis";
import { startRedis, type TestRedis } from "@interleave/runtime-redis/testing";
import { Worker as BullWorker, Queue } from "bullmq";
import { evalshaCeiling } from "./support/measure.js";

/** One row of the queue benchmark. */
export interface QueueBenchRow {
  readonly system: string;
  readonly concurrency: number;
  readonly jobs: number;
  readonly "jobs/s": number;
  readonly "p50 ms": number;
  readonly "p99 ms": number;
  /** jobs/s over the level's EVALSHA ceiling (empty on the ceiling's own row). */
  readonly "of ceiling": string;
}

const CONCURRENCY = [1, 16, 64] as const;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function row(
  system: string,
  concurrency: number,
  jobs: number,
  elapsedMs: number,
  latencies: number[],
): QueueBenchRow {
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    system,
    concurrency,
    jobs,
    "jobs/s": Math.round((jobs * 1000) / elapsedMs),
    "p50 ms": round(percentile(latencies, 50)),
    "p99 ms": round(percentile(latencies, 99)),
    "of ceiling": "",
  };
}

async function runOurs(
  redis: TestRedis,
  name: string,
  concurrency: number,
  jobs: number,
): Promise<QueueBenchRow> {
  const queue = await ClaimQueue.open(redis.client(), {
    name,
    config: {
      leaseTtlMs: 30_000,
      heartbeatIntervalMs: 10_000,
      attemptsMax: 3,
      retryBackoffBaseMs: 1_000,
      retryBackoffCapMs: 60_000,
      claimBatchSizeMax: 64,
      itemCountMax: jobs + 1,
    },
  });
  for (let i = 0; i < jobs; i += 1_000) {
    await Promise.all(
      Array.from({ length: Math.min(1_000, jobs - i) }, (_, k) => queue.enqueue(`job-${i + k}`, "{}")),
    );
  }
  const started = new Map<number, number>();
  const latencies: number[] = [];
  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const t0 = performance.now();
  const worker = new Worker(
    queue,
    async (item) => {
      started.set(item.token, performance.now());
      return "ok";
    },
    {
      holder: "bench",
      concurrency,
      pollIntervalMs: 1,
      onRecord: (r) => {
        if (r.kind !== "ack") return;
        latencies.push(performance.now() - (started.get(r.token) ?? Number.NaN));
        if (latencies.length === jobs) finish();
      },
    },
  );
  await allDone;
  const elapsed = performance.now() - t0;
  await worker.close();
  return row("interleave ClaimQueue", concurrency, jobs, elapsed, latencies);
}

async function runBull(
  redis: TestRedis,
  name: string,
  concurrency: number,
  jobs: number,
): Promise<QueueBenchRow> {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  for (let i = 0; i < jobs; i += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, jobs - i) }, (_, k) => ({
        name: "job",
        data: {},
        opts: { jobId: `job-${i + k}`, removeOnComplete: true },
      })),
    );
  }
  const started = new Map<string, number>();
  const latencies: number[] = [];
  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const t0 = performance.now();
  const worker = new BullWorker(
    name,
    async (job) => {
      started.set(job.id ?? "", performance.now());
    },
    { connection, concurrency },
  );
  worker.on("completed", (job) => {
    latencies.push(performance.now() - (started.get(job.id ?? "") ?? Number.NaN));
    if (latencies.length === jobs) finish();
  });
  await allDone;
  const elapsed = performance.now() - t0;
  await worker.close();
  await queue.close();
  return row("BullMQ 6", concurrency, jobs, elapsed, latencies);
}

/**
 * Runs the claim→ack benchmark at concurrency 1, 16 and 64 (`quick`: 500 jobs per level, else 5,000) on one
 * private Redis, and returns one row per system and level.
 */
export async function benchQueue({ quick }: { readonly quick: boolean }): Promise<QueueBenchRow[]> {
  const jobs = quick ? 500 : 5_000;
  const redis = await startRedis();
  const rows: QueueBenchRow[] = [];
  try {
    const admin = redis.client();
    const sha = String(await admin.script("LOAD", "return 1"));
    for (const concurrency of CONCURRENCY) {
      const ours = await runOurs(redis, `ours-${concurrency}`, concurrency, jobs);
      const bull = await runBull(redis, `bull-${concurrency}`, concurrency, jobs);
      const ceiling = evalshaCeiling(redis, sha, concurrency, quick ? 20_000 : 100_000);
      const of = (r: QueueBenchRow) => ({
        ...r,
        "of ceiling": `${((100 * r["jobs/s"]) / ceiling).toFixed(1)}%`,
      });
      rows.push(of(ours), of(bull));
      rows.push({
        system: "redis-benchmark EVALSHA (ceiling)",
        concurrency,
        jobs: quick ? 20_000 : 100_000,
        "jobs/s": Math.round(ceiling),
        "p50 ms": Number.NaN,
        "p99 ms": Number.NaN,
        "of ceiling": "",
      });
    }
  } finally {
    await redis.stop();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchQueue({ quick: process.argv.includes("--quick") });
  console.table(rows);
  for (const concurrency of CONCURRENCY) {
    const ours = rows.find((r) => r.system.startsWith("interleave") && r.concurrency === concurrency)!;
    const bull = rows.find((r) => r.system.startsWith("BullMQ") && r.concurrency === concurrency)!;
    const ceiling = rows.find(
      (r) => r.system.startsWith("redis-benchmark") && r.concurrency === concurrency,
    )!;
    console.log(
      `concurrency ${concurrency}: throughput ratio ours/BullMQ = ${(ours["jobs/s"] / bull["jobs/s"]).toFixed(2)}, ` +
        `ours/ceiling EVALSHA = ${((100 * ours["jobs/s"]) / ceiling["jobs/s"]).toFixed(1)}%`,
    );
  }
  process.exit(0);
}
