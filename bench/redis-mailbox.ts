/**
 * Keyed mailbox throughput (issue 8): interleave's `KeyedMailbox` on Redis against the nearest BullMQ 6.7 setup,
 * on the same private Redis (`startRedis`), one run. 4 child processes (bench/support/mailbox-bench-child.ts),
 * each an instance running a consumer with a trivial handler (concurrency 16 per instance) and submitting a
 * quarter of the orders (32 submissions outstanding per process), for two shapes: one hot key, and 1,000 keys
 * (order i goes to key i mod 1,000). The clock runs from the parent's "go" until every process has submitted
 * its share and the system is idle (ours: the mailbox snapshot has nothing in flight or pending; BullMQ: no
 * job waiting, active, delayed or prioritized), polled every 20 ms (ours reads three counters in one MULTI). "orders/s" = orders submitted / that time;
 * "runs" = handler invocations (fewer than orders where orders were superseded).
 *
 * Systems and what each guarantees:
 * - `interleave FIFO`: every order runs, FIFO per key, at most one in flight per key across all instances
 *   (leases with fencing tokens; a dead instance's order is completed as failed when its lease expires). At
 *   the per-key bound (1,000 pending) a submit is `Rejected`; the submitter (`submitWhenRoom`) waits behind
 *   its process's earlier submitters of the key, the head backing off with capped exponential delay and jitter
 *   (each `Rejected` is counted).
 * - `interleave coalesce`: policy `Set→Set: coalesce` (keep the in-flight order, a newer pending order
 *   replaces older pending ones): at most one in flight + one pending per key; the latest order always runs.
 * - `BullMQ dedup keepLastIfActive`: a job per key with `deduplication: { id: key, keepLastIfActive: true }`:
 *   while the key's job is active, the latest added data is kept and re-queued when it finishes; while a job
 *   of the key is still waiting, a new add is dropped (the OLDER data runs — unlike coalesce). BullMQ keeps
 *   one job per dedup id in flight as long as its lock holds; there is no fencing token, so a worker that
 *   stalls past its lock can run concurrently with the job's next run (stalled-job recovery).
 *
 * The serial round-trip ceiling of a FIFO mailbox on one key (measured right before and right after the
 * hot-key FIFO row, the higher of the two kept): whatever its implementation, each order of a one-key FIFO
 * mailbox needs at least a submit and a take (which can also complete the previous order) — two commands, each
 * after the other's reply when one client does both. The ceiling is one ioredis client on the same Redis doing,
 * per order, `EVALSHA submit` (RPUSH of the order's JSON onto the key's list) then `EVALSHA take+complete`
 * (clear the in-flight slot, LPOP the next order into it), back to back; orders/s = orders ÷ time. It has no
 * leases, fencing, bounds or policy; "ratio to ceiling" = hot-key FIFO orders/s ÷ ceiling orders/s.
 *
 * Usage: `tsx --conditions=source bench/redis-mailbox.ts [--quick] [--hot-key]`, or `benchMailbox({ quick })` from
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
const CEILING = "serial round-trip ceiling (1 client: submit, take+complete)";
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
  const base = mailbox.base;
  return {
    // Three counters (layout in packages/runtime-redis/src/lua/includes/mailbox.lua), not the O(pending)
    // snapshot, so the probe does not load the server under test: nothing in flight, no key with work,
    // nothing ready.
    check: async () => {
      const [n, keys, ready] = (await client
        .multi()
        .hget(`${base}:state`, "n")
        .zcard(`${base}:keyorder`)
        .llen(`${base}:ready`)
        .exec())!.map(([error, value]) => {
        if (error) throw error;
        return Number(value);
      });
      return n === 0 && keys === 0 && ready === 0;
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

/** The serial round-trip ceiling (see the header): `orders` orders through two minimal scripts, one client. */
async function serialCeiling(redis: TestRedis, orders: number, run: number): Promise<MailboxBenchRow> {
  const client = redis.client();
  const commands = client as typeof client & {
    ceilingSubmit(list: string, order: string): Promise<number>;
    ceilingTake(list: string, slot: string): Promise<string | null>;
  };
  client.defineCommand("ceilingSubmit", {
    numberOfKeys: 1,
    lua: "return redis.call('RPUSH', KEYS[1], ARGV[1])",
  });
  client.defineCommand("ceilingTake", {
    numberOfKeys: 2,
    lua: "redis.call('DEL', KEYS[2]) local id = redis.call('LPOP', KEYS[1]) if id then redis.call('SET', KEYS[2], id) end return id",
  });
  const list = `ceiling-${run}:{k}:pending`;
  const slot = `ceiling-${run}:{k}:inflight`;
  try {
    // Load both scripts (the first EVALSHA falls back to EVAL) before the clock starts.
    await commands.ceilingSubmit(list, "warm-up");
    await commands.ceilingTake(list, slot);
    let taken = 0;
    const t0 = performance.now();
    for (let i = 0; i < orders; i += 1) {
      const order = JSON.stringify({ id: `c-${i}`, key: "k-0", kind: "Set", payload: { seq: i } });
      await commands.ceilingSubmit(list, order);
      if ((await commands.ceilingTake(list, slot)) !== null) taken += 1;
    }
    const elapsed = performance.now() - t0;
    return {
      system: CEILING,
      keys: 1,
      orders,
      runs: taken,
      rejected: 0,
      "orders/s": Math.round((orders * 1000) / elapsed),
    };
  } finally {
    client.disconnect();
  }
}

/** Hot-key FIFO orders/s ÷ the serial round-trip ceiling (both measured in `rows`' run). */
export function mailboxCeilingRatio(rows: readonly MailboxBenchRow[]): number {
  const ceiling = rows.find((r) => r.system === CEILING)!;
  const fifo = rows.find((r) => r.system === SYSTEMS[0][1] && r.keys === 1)!;
  return fifo["orders/s"] / ceiling["orders/s"];
}

/**
 * Runs the mailbox benchmark on one private Redis: for one hot key and for 1,000 keys, each system in turn
 * (`quick`: 2,000 orders per shape, else 20,000), 4 instance processes, and the serial round-trip ceiling
 * around the hot-key FIFO row. Returns one row per system and shape, the ceiling first.
 */
export async function benchMailbox({ quick }: { readonly quick: boolean }): Promise<MailboxBenchRow[]> {
  const orders = quick ? 2_000 : 20_000;
  const redis = await startRedis();
  const rows: MailboxBenchRow[] = [];
  try {
    let run = 0;
    for (const keys of [1, 1_000]) {
      for (const system of SYSTEMS) {
        if (keys === 1 && system[0] === "ours-fifo") {
          const before = await serialCeiling(redis, orders, run++);
          const fifo = await runOne(redis, system, keys, orders, run++);
          const after = await serialCeiling(redis, orders, run++);
          rows.push(before["orders/s"] >= after["orders/s"] ? before : after, fifo);
        } else {
          rows.push(await runOne(redis, system, keys, orders, run++));
        }
      }
    }
  } finally {
    await redis.stop();
  }
  return rows;
}

/** The hot-key FIFO row alone between two ceilings (`bench/redis-mailbox.ts --hot-key [--quick]`, for profiling). */
async function hotKeyOnly(orders: number): Promise<MailboxBenchRow[]> {
  const redis = await startRedis();
  try {
    return [
      await serialCeiling(redis, orders, 0),
      await runOne(redis, SYSTEMS[0], 1, orders, 1),
      await serialCeiling(redis, orders, 2),
    ];
  } finally {
    await redis.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--hot-key")) {
  console.table(await hotKeyOnly(process.argv.includes("--quick") ? 2_000 : 20_000));
  process.exit(0);
}
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchMailbox({ quick: process.argv.includes("--quick") });
  console.table(rows);
  console.log(`1 key: interleave FIFO / serial round-trip ceiling = ${mailboxCeilingRatio(rows).toFixed(2)}`);
  for (const keys of [1, 1_000]) {
    const bull = rows.find((r) => r.system.startsWith("BullMQ") && r.keys === keys)!;
    for (const r of rows.filter((x) => x.system.startsWith("interleave") && x.keys === keys)) {
      console.log(`${keys} key(s): ${r.system} / BullMQ = ${(r["orders/s"] / bull["orders/s"]).toFixed(2)}`);
    }
  }
  process.exit(0);
}
