/**
 * Keyed mailbox throughput (issue 8): interleave's `KeyedMailbox` on Redis against the nearest BullMQ 6.7 setup,
 * on the same private Redis (`startRedis`), one run. 4 child processes (bench/support/mailbox-bench-child.ts),
 * each an instance running a consumer with a trivial handler (concurrency 16 per instance) and submitting a
 * quarter of the orders (32 submissions outstanding per process), for two shapes: one hot key, and 1,000 keys
 * (order i goes to key i mod 1,000). The clock runs from the parent's "go" until every process has submitted
 * its share and the system is idle (ours: the mailbox snapshot has nothing in flight or pending; BullMQ: no
 * job waiting, active, delayed or prioritized), polled every 20 ms (the mailbox snapshot is O(keys), so a tighter poll would load the server under test). "orders/s" = orders submitted / that time;
 * "runs" = handler invocations (fewer than orders where orders were superseded).
 *
 * Systems and what each guarantees:
 * - `interleave FIFO`: every order runs, FIFO per key, at most one in flight per key across all instances
 *   (leases with fencing tokens; a dead instance's order is completed as failed when its lease expires). At
 *   the per-key bound (1,000 pending) a submit is `Rejected` and the submitter retries (counted).
 * - `interleave coalesce`: policy `Set→Set: coalesce` (keep the in-flight order, a newer pending order
 *   replaces older pending ones): at most one in flight + one pending per key; the latest order always runs.
 * - `BullMQ dedup keepLastIfActive`: a job per key with `deduplication: { id: key, keepLastIfActive: true }`:
 *   while the key's job is active, the latest added data is kept and re-queued when it finishes; while a job
 *   of the key is still waiting, a new add is dropped (the OLDER data runs — unlike coalesce). BullMQ keeps
 *   one job per dedup id in flight as long as its lock holds; there is no fencing token, so a worker that
 *   stalls past its lock can run concurrently with the job's next run (stalled-job recovery).
 *
 * Usage: `tsx --conditions=source bench/redis-mailbox.ts [--quick]`, or `benchMailbox({ quick })` from
 * bench/run.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { KeyedMailbox } from "@interleave/runtime-redis";
import { startRedis, type TestRedis } from "@interleave/runtime-redis/testing";
import { Queue } from "bullmq";
import { type MailboxBenchSpec, mailboxBenchConfig } from "./support/mailbox-bench-child.js";

/** One row of the mailbox benchmark. */
export interface MailboxBenchRow {
  readonly system: string;
  readonly keys: number;
  readonly orders: number;
  /** Handler invocations (orders superseded by coalescing / deduplication never run). */
  readonly runs: number;
  /** Submits answered `Rejected` (pending-full) and retried. */
  readonly rejected: number;
  readonly "orders/s": number;
}

const PROCESSES = 4;
const CHILD = new URL("./support/mailbox-bench-child.ts", import.meta.url);
const SYSTEMS = [
  ["ours-fifo", "interleave KeyedMailbox FIFO"],
  ["ours-coalesce", "interleave KeyedMailbox coalesce"],
  ["bull-dedup", "BullMQ 6.7 dedup keepLastIfActive"],
] as const;

interface Child {
  readonly process: ChildProcess;
  readonly next: (type: string) => Promise<Record<string, unknown>>;
}

function spawnChild(spec: MailboxBenchSpec): Promise<Child> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=source", CHILD.pathname, JSON.stringify(spec)],
    { stdio: ["ignore", "inherit", "inherit", "ipc"], cwd: new URL("..", import.meta.url).pathname },
  );
  const inbox: Record<string, unknown>[] = [];
  const waiting: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  let exited = false;
  child.on("message", (msg: Record<string, unknown>) => {
    const i = waiting.findIndex((w) => w.type === msg.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(msg);
    else inbox.push(msg);
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return resolve(inbox.splice(i, 1)[0]!);
      if (exited) return reject(new Error(`bench child ${spec.instance} exited before "${type}"`));
      waiting.push({ type, resolve });
      child.once("exit", (code) => {
        exited = true;
        reject(new Error(`bench child ${spec.instance} exited (${code}) before "${type}"`));
      });
    });
  return next("ready").then(() => ({ process: child, next }));
}

async function idle(redis: TestRedis, system: MailboxBenchSpec["system"], name: string) {
  const client = redis.client();
  if (system === "bull-dedup") {
    const queue = new Queue(name, { connection: { host: redis.host, port: redis.port } });
    return {
      check: async () => {
        const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
        return Object.values(c).every((n) => n === 0);
      },
      close: () => queue.close(),
    };
  }
  const mailbox = await KeyedMailbox.open(client, { name, config: mailboxBenchConfig(system, PROCESSES) });
  return {
    check: async () => {
      const s = await mailbox.snapshot();
      return s.inFlightCount === 0 && Object.keys(s.keys).length === 0 && s.ready.length === 0;
    },
    close: async () => client.disconnect(),
  };
}

async function runOne(
  redis: TestRedis,
  [system, label]: (typeof SYSTEMS)[number],
  keys: number,
  orders: number,
  run: number,
): Promise<MailboxBenchRow> {
  const name = `bench-${system}-${keys}-${run}`;
  const share = Math.ceil(orders / PROCESSES);
  const children = await Promise.all(
    Array.from({ length: PROCESSES }, (_, p) =>
      spawnChild({
        url: redis.url,
        host: redis.host,
        port: redis.port,
        system,
        name,
        instance: `p${p}`,
        keys,
        orders: share,
        offset: p * share,
        concurrency: 16,
        window: 32,
      }),
    ),
  );
  const probe = await idle(redis, system, name);
  try {
    const t0 = performance.now();
    for (const c of children) c.process.send({ type: "go" });
    const submitted = await Promise.all(children.map((c) => c.next("submitted")));
    while (!(await probe.check())) await new Promise((resolve) => setTimeout(resolve, 20));
    const elapsed = performance.now() - t0;
    for (const c of children) c.process.send({ type: "close" });
    const closed = await Promise.all(children.map((c) => c.next("closed")));
    return {
      system: label,
      keys,
      orders: share * PROCESSES,
      runs: closed.reduce((n, m) => n + Number(m.handled), 0),
      rejected: submitted.reduce((n, m) => n + Number(m.rejected ?? 0), 0),
      "orders/s": Math.round((share * PROCESSES * 1000) / elapsed),
    };
  } finally {
    await probe.close();
    for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGKILL");
  }
}

/**
 * Runs the mailbox benchmark on one private Redis: for one hot key and for 1,000 keys, each system in turn
 * (`quick`: 2,000 orders per shape, else 20,000), 4 instance processes. Returns one row per system and shape.
 */
export async function benchMailbox({ quick }: { readonly quick: boolean }): Promise<MailboxBenchRow[]> {
  const orders = quick ? 2_000 : 20_000;
  const redis = await startRedis();
  const rows: MailboxBenchRow[] = [];
  try {
    let run = 0;
    for (const keys of [1, 1_000]) {
      for (const system of SYSTEMS) rows.push(await runOne(redis, system, keys, orders, run++));
    }
  } finally {
    await redis.stop();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchMailbox({ quick: process.argv.includes("--quick") });
  console.table(rows);
  for (const keys of [1, 1_000]) {
    const bull = rows.find((r) => r.system.startsWith("BullMQ") && r.keys === keys)!;
    for (const r of rows.filter((x) => x.system.startsWith("interleave") && x.keys === keys)) {
      console.log(`${keys} key(s): ${r.system} / BullMQ = ${(r["orders/s"] / bull["orders/s"]).toFixed(2)}`);
    }
  }
  process.exit(0);
}
