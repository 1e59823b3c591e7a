/**
 * `pnpm chaos`: a Jepsen-style run of the runtime (issue 23). N worker processes × M workers on one claim queue
 * behind a TCP proxy, against a private redis-server, while a producer enqueues ≥ 10,000 items (some twice) and a
 * seeded nemesis overlaps faults (SIGKILL + restart, SIGSTOP past the lease, Redis restart, dropped connections,
 * latency, client clock skew). Every call is recorded; at the end the history is checked (bench/chaos/check.ts),
 * a summary table is printed, and the history and summary are written to the output folder. Exit code 0 when
 * every check passes, 1 when one fails (the smallest failing window is printed), 2 on bad input.
 * docs/chaos.md explains the nemesis, the checks and the output.
 *
 * Usage: pnpm chaos [--machine claim-queue|lease|mailbox] [--leases 32] [--keys 200] [--processes 4] [--workers 16] [--items 10000] [--reenqueue 0.3] [--duration 60]
 *                   [--seed N] [--aof on|off] [--faults kill,stop,redis-restart,drop,latency,skew|none]
 *                   [--inject none|skip-token-check|skip-fence-check] [--out DIR]
 */
import { accessSync, appendFileSync, constants, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ClaimQueue, KeyedMailbox } from "@interleave/runtime-redis";
import { hasRedisServer, startRedis } from "@interleave/runtime-redis/testing";
import { Redis } from "ioredis";
import {
  type CallRecord,
  CLAIM_QUEUE_CALLS,
  recordCalls,
  recordReconnects,
  wallMs,
} from "../../packages/runtime-redis/test/support/calls.js";
import { KINDS } from "../../packages/runtime-redis/test/support/mailbox-policy.js";
import { type FaultEvent, runNemesis } from "./nemesis.js";
import { type ChaosChild, ChaosProcesses, closeChaosChild, readRecordLines } from "./processes.js";
import { startProxy } from "./proxy.js";
import { checkAndReport, type RunMeta, readHistory, writeHistory } from "./report.js";
import { clockSkewMs, enqueuePlan, nemesisSchedule, orderPlan } from "./schedule.js";
import {
  CHAOS_LEASE_CONFIG,
  CHAOS_MAILBOX_CONFIG,
  MAILBOX_NAME,
  parseRunOptions,
  type RunOptions,
} from "./spec.js";

const fail = (message: string): never => {
  console.error(`pnpm chaos: ${message}`);
  process.exit(2);
};

/** The options, or a one-line error and exit code 2. */
function options(): RunOptions {
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({
      options: Object.fromEntries(
        [
          "machine",
          "leases",
          "keys",
          "processes",
          "workers",
          "items",
          "reenqueue",
          "duration",
          "seed",
          "aof",
          "faults",
          "inject",
          "out",
        ].map((f) => [f, { type: "string" as const }]),
      ),
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    return fail((error as Error).message.split("\n")[0]!);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  try {
    return parseRunOptions(
      flags,
      Math.floor(Math.random() * 2 ** 32),
      join(tmpdir(), `interleave-chaos-${stamp}`),
    );
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** Creates the output folder, or a one-line error: it must be writable and hold no earlier run. */
function prepareOut(out: string): string {
  const dir = resolve(out);
  try {
    // folder by folder, not `recursive: true` (which never returns for a path under /proc on Node 20)
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of [...missing, join(dir, "records")]) if (!existsSync(d)) mkdirSync(d);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    return fail(
      `--out ${out}: cannot write there (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  if (existsSync(join(dir, "history.jsonl")))
    fail(`--out ${out}: holds an earlier run's history.jsonl; choose another folder`);
  return dir;
}

/** What to undo when the run throws: the worker processes and redis-server it started. */
const cleanups: (() => Promise<void>)[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUEUE = "chaos";

/**
 * The mailbox mode's producer: submits the planned orders (`submitWhenRoom`, each at its planned time, at most 64
 * in flight; one attempt — a submit whose reply is lost stays pending in the history, since a resubmit of a
 * finished order would run it again), recorded as `producer`. Returns how many were accepted.
 */
async function submitOrders(
  opts: RunOptions,
  startMs: number,
  client: Redis,
  sink: (r: CallRecord) => void,
): Promise<number> {
  let mailbox: KeyedMailbox | undefined;
  for (let attempt = 1; mailbox === undefined; attempt++) {
    mailbox = await KeyedMailbox.open(client, {
      name: MAILBOX_NAME,
      config: CHAOS_MAILBOX_CONFIG,
      ...CHAOS_LEASE_CONFIG,
    }).catch((error: unknown) => {
      if (attempt >= 50) throw error;
      return sleep(200).then(() => undefined);
    });
  }
  const producer = recordCalls(mailbox, ["submitWhenRoom"], "producer", sink);
  let accepted = 0;
  const inFlight = new Set<Promise<void>>();
  for (const { atMs, order } of orderPlan(opts.seed, opts.items, opts.keys, opts.durationMs, KINDS)) {
    const wait = startMs + atMs - wallMs();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= 64) await Promise.race(inFlight);
    const p = producer
      .submitWhenRoom(order, { timeoutMs: 10_000 })
      .then((step) => {
        if (step.result._tag === "Accepted") accepted++;
      })
      .catch(() => {})
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return accepted;
}

/** The ids of the orders still in the mailbox (pending or in flight), read on a direct connection. */
async function mailboxLeft(admin: Redis): Promise<string[]> {
  const state = await (
    await KeyedMailbox.open(admin, {
      name: MAILBOX_NAME,
      config: CHAOS_MAILBOX_CONFIG,
      ...CHAOS_LEASE_CONFIG,
    })
  ).snapshot();
  return [
    ...Object.values(state.keys).flatMap((k) => [
      ...(k.inFlight === null ? [] : [k.inFlight.order.id]),
      ...k.pending.map((o) => o.id),
    ]),
    ...Object.keys(state.keyless),
  ];
}

async function main(): Promise<number> {
  const checkAt = process.argv.indexOf("--check");
  if (checkAt >= 0) {
    // `pnpm chaos --check <history.jsonl>`: the checks and the summary of a recorded run, again
    const path = process.argv[checkAt + 1];
    if (path === undefined || process.argv.length !== 4)
      return fail("--check takes one history.jsonl and no other flag");
    let history: ReturnType<typeof readHistory>;
    try {
      history = readHistory(path);
    } catch (error) {
      return fail(`--check ${path}: ${(error as Error).message}`);
    }
    return checkAndReport(history.meta, history.faults, history.records, null) ? 0 : 1;
  }
  const opts = options();
  if (process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== "") {
    fail(
      "REDIS_URL is set, but the chaos run restarts Redis: it starts its own redis-server; unset REDIS_URL",
    );
  }
  if (!hasRedisServer()) fail("no redis-server on PATH (install Redis 7, e.g. apt-get install redis-server)");
  const out = prepareOut(opts.out);
  const command = `pnpm chaos ${process.argv.slice(2).join(" ")}`.trim();
  const runStartMs = wallMs();
  console.log(
    `chaos: ${opts.machine === "lease" ? `lease (${opts.leases} names)` : opts.machine === "mailbox" ? `mailbox (${opts.keys} keys)` : "claim queue"}, ${opts.processes} processes × ${opts.workers} workers, ${opts.machine === "lease" ? "" : `${opts.items} ${opts.machine === "mailbox" ? "orders" : "items"}, `}${opts.durationMs / 1_000} s, ` +
      `seed ${opts.seed}, AOF ${opts.aof ? "on" : "off"}, faults ${opts.faults.join(",") || "none"}, inject ${opts.inject}; output ${out}`,
  );

  const redis = await startRedis({ appendonly: opts.aof });
  cleanups.push(() => redis.stop());
  const proxy = await startProxy(redis.port);
  const proxyUrl = `redis://127.0.0.1:${proxy.port}`;
  const admin = new Redis(redis.port, "127.0.0.1", { maxRetriesPerRequest: null });
  admin.on("error", () => {});
  // the producer's records go to a file like every process's (nothing is lost if the run dies before its report)
  const producerRecords = join(out, "records", "producer.jsonl");
  const sink = (r: CallRecord) => appendFileSync(producerRecords, `${JSON.stringify(r)}\n`);
  const producerClient = new Redis(proxyUrl, {
    maxRetriesPerRequest: null,
    retryStrategy: (t) => Math.min(t * 20, 200),
  });
  producerClient.on("error", () => {});
  const openProducer = () => ClaimQueue.open(producerClient, { name: QUEUE, config: opts.config });
  const producer = recordCalls(await openProducer(), CLAIM_QUEUE_CALLS, "producer", sink);
  recordReconnects(producerClient, "producer", sink);

  // worker processes
  const faults = nemesisSchedule(
    opts.seed,
    opts.durationMs,
    opts.processes,
    opts.faults,
    opts.config.leaseTtlMs,
  );
  // one loaded spare per start the run makes: the first starts and one per scheduled kill
  const kills = faults.filter((f) => f.kind === "kill").length;
  const pool = new ChaosProcesses(join(out, "records"), opts.processes + kills);
  cleanups.push(async () => pool.killAll());
  const starts: number[] = Array.from({ length: opts.processes }, () => 0);
  const live: (ChaosChild | undefined)[] = [];
  const allChildren: ChaosChild[] = [];
  const skews: string[] = [];
  const startProcess = async (i: number) => {
    const start = starts[i]!++;
    const skew = clockSkewMs(opts.seed, i, start, opts.faults.includes("skew"));
    const name = `p${i}.${start}`;
    if (skew !== 0) skews.push(`${name} ${skew > 0 ? "+" : ""}${(skew / 1_000).toFixed(0)} s`);
    const child = await pool.start({
      name,
      machine: opts.machine,
      leases: opts.leases,
      keys: opts.keys,
      lease: CHAOS_LEASE_CONFIG,
      url: proxyUrl,
      queue: QUEUE,
      config: opts.config,
      workers: opts.workers,
      pollIntervalMs: 200, // an idle worker's poll; a busy one claims its next item with its ack
      handlerMs: [2, 40],
      longEvery: 5,
      longHandlerMs: [300, 2_000],
      failEvery: 97,
      retryOnceEvery: 13,
      clockSkewMs: skew,
      inject: opts.inject,
    });
    live[i] = child;
    allChildren.push(child);
  };
  await Promise.all(Array.from({ length: opts.processes }, (_, i) => startProcess(i)));
  await pool.sparesLoaded();

  // producer and nemesis, from now
  const startMs = wallMs();
  // the lease mode has no producer: its loops run for the duration; the mailbox mode submits orders instead
  const plan =
    opts.machine === "claim-queue"
      ? enqueuePlan(opts.seed, opts.items, opts.reenqueueShare, opts.durationMs)
      : [];
  const faultLog: FaultEvent[] = [];
  const nemesis = runNemesis(
    faults,
    startMs,
    {
      redis,
      admin,
      proxy,
      aof: opts.aof,
      itemPrefix: `${producer.base}:item:`,
      child: (i) => live[i],
      restart: startProcess,
    },
    (e) => {
      faultLog.push(e);
      console.log(
        `  nemesis: ${e.kind} ${e.target} at +${((e.startMs - startMs) / 1_000).toFixed(1)} s, ${e.detail}`,
      );
    },
  );
  // Each enqueue is sent at its planned time without waiting for the earlier ones (at most 64 in flight), as
  // many producers would: a slow reply (latency, a restart) delays no other enqueue.
  let enqueued = 0;
  const inFlight = new Set<Promise<void>>();
  const enqueueOne = async (scope: string) => {
    for (;;) {
      try {
        const r = await producer.enqueue(scope);
        if (r.result._tag === "Enqueued") enqueued++;
        return;
      } catch (error) {
        if (String(error).includes("NotInitializedError")) await openProducer().catch(() => {});
        await sleep(50);
      }
    }
  };
  for (const { atMs, scope } of plan) {
    const wait = startMs + atMs - wallMs();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= 64) await Promise.race(inFlight);
    const p = enqueueOne(scope).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  if (opts.machine === "mailbox") enqueued = await submitOrders(opts, startMs, producerClient, sink);
  if (opts.machine !== "claim-queue") await sleep(startMs + opts.durationMs - wallMs());
  const { lossyRestarts } = await nemesis;

  // drain: every item acked or dead-lettered (mailbox: every order out of the mailbox), then the workers close
  const left = async () =>
    opts.machine === "mailbox"
      ? mailboxLeft(admin)
      : (await admin.keys(`${producer.base}:item:*`)).map((k) => k.slice(`${producer.base}:item:`.length));
  const drainDeadlineMs = wallMs() + 120_000;
  for (;;) {
    const items = await left();
    if (items.length === 0 || wallMs() > drainDeadlineMs) break;
    await sleep(200);
  }
  await Promise.all(allChildren.map((c) => closeChaosChild(c)));
  await pool.closeSpares();
  const endMs = wallMs();
  const finalItems = await left();
  admin.disconnect();
  producerClient.disconnect();
  await proxy.close();
  await redis.stop();

  // the history, then the checks
  const records: CallRecord[] = [];
  for (const r of readRecordLines(producerRecords)) records.push(r as CallRecord);
  for (const child of allChildren) {
    for (const r of readRecordLines(child.recordsPath)) if (r.kind !== "ready") records.push(r as CallRecord);
  }
  const meta: RunMeta = {
    kind: "meta",
    command,
    seed: opts.seed,
    options: opts,
    runStartMs,
    startMs,
    endMs,
    enqueued,
    skews,
    lossyRestarts,
    finalItems,
  };
  writeHistory(out, meta, faultLog, records);
  const ok = checkAndReport(meta, faultLog, records, out);
  return ok ? 0 : 1;
}

process.on("unhandledRejection", async (error: unknown) => {
  console.error(`pnpm chaos: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  for (const undo of cleanups.reverse()) await undo().catch(() => {});
  process.exit(2);
});

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(`pnpm chaos: ${error instanceof Error ? error.message : String(error)}`);
    for (const undo of cleanups.reverse()) await undo().catch(() => {});
    process.exit(2);
  },
);
