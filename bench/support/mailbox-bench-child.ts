// One instance of the mailbox benchmark (bench/redis-mailbox.ts), a separate Node process
// (`node --import tsx --conditions=source bench/support/mailbox-bench-child.ts <spec JSON>`): it runs a consumer
// with a trivial handler — interleave's KeyedMailbox dispatcher loop, or a BullMQ Worker — and, on the parent's
// "go", submits its share of the orders (`orders` orders, order i on key `k-${(offset + i) % keys}`, at most
// `window` submissions outstanding; ours with `submitWhenRoom`, which backs off at the per-key bound). IPC: child → parent `ready`, `submitted` {rejected}, `closed` {handled};
// parent → child `go`, `close`.

import { fileURLToPath } from "node:url";
import { Mailbox as Core } from "@interleave/core";
import { KeyedMailbox } from "@interleave/runtime-redis";
import { connect } from "@interleave/runtime-redis/testing";
import { Worker as BullWorker, Queue } from "bullmq";

/** The spec of one bench instance (argv[2], JSON). */
export interface MailboxBenchSpec {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `ours-fifo`: every order runs, FIFO per key; `ours-coalesce`: keep in flight, coalesce pending;
   * `bull-dedup`: BullMQ job per key with `deduplication: { id: key, keepLastIfActive: true }`. */
  readonly system: "ours-fifo" | "ours-coalesce" | "bull-dedup";
  readonly name: string;
  readonly instance: string;
  readonly keys: number;
  readonly orders: number;
  readonly offset: number;
  readonly concurrency: number;
  readonly window: number;
}

/** The mailbox config of the `ours-*` systems (`policy` per system); `pendingPerKeyMax` 1,000. */
export function mailboxBenchConfig(system: MailboxBenchSpec["system"], instances: number): Core.Config {
  return {
    policy:
      system === "ours-coalesce"
        ? Core.policy({
            name: "latest",
            kinds: ["Set"],
            neverCancel: [],
            matrix: { Set: { Set: "coalesce" } },
          })
        : Core.fifoPolicy(["Set"]),
    inFlightMax: 16 * instances,
    pendingPerKeyMax: 1_000,
    keylessPendingMax: 1,
    keyCountMax: 2_000,
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "") as MailboxBenchSpec;
  let handled = 0;
  let rejected = 0;
  const clients: ReturnType<typeof connect>[] = [];
  let submitOne: (i: number) => Promise<void>;
  let close: () => Promise<void>;
  if (spec.system === "bull-dedup") {
    const connection = { host: spec.host, port: spec.port, maxRetriesPerRequest: null };
    const queue = new Queue(spec.name, { connection });
    const worker = new BullWorker(
      spec.name,
      async () => {
        handled += 1;
      },
      { connection, concurrency: spec.concurrency },
    );
    await worker.waitUntilReady();
    submitOne = async (i) => {
      const key = `k-${(spec.offset + i) % spec.keys}`;
      await queue.add(
        "Set",
        { seq: spec.offset + i },
        {
          deduplication: { id: key, keepLastIfActive: true },
          removeOnComplete: true,
          removeOnFail: true,
        },
      );
    };
    close = async () => {
      await worker.close();
      await queue.close();
    };
  } else {
    const client = connect(spec.url);
    const subscriber = connect(spec.url);
    clients.push(client, subscriber);
    // On a loaded machine the first connect can take longer than `open`'s 1.5 s wait: wait for it here
    // (ioredis queues the PING until the connection is up).
    await Promise.all([client.ping(), subscriber.ping()]);
    const mailbox = await KeyedMailbox.open(client, {
      name: spec.name,
      config: mailboxBenchConfig(spec.system, 4),
      instance: spec.instance,
      inFlightMax: spec.concurrency,
    });
    await mailbox.start(
      async () => {
        handled += 1;
      },
      { subscriber, pollIntervalMs: 25 },
    );
    submitOne = async (i) => {
      const order = { id: `${spec.instance}-${i}`, key: `k-${(spec.offset + i) % spec.keys}`, kind: "Set" };
      // At the per-key bound the submitter waits for room (capped exponential backoff with jitter, the
      // runtime's defaults) instead of retrying hot.
      const step = await mailbox.submitWhenRoom({ ...order, payload: { seq: spec.offset + i } });
      rejected += step.rejected;
      if (step.result._tag === "Rejected")
        throw new Error(`order ${order.id} rejected: ${step.result.reason}`);
    };
    close = async () => {
      await mailbox.stop();
      for (const c of clients) c.disconnect();
    };
  }
  process.on("message", (msg: { readonly type?: string }) => {
    if (msg.type === "go") {
      void (async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: spec.window }, async () => {
            while (next < spec.orders) await submitOne(next++);
          }),
        );
        process.send?.({ type: "submitted", rejected });
      })();
    } else if (msg.type === "close") {
      void close().finally(() => {
        process.send?.({ type: "closed", handled }, () => process.exit(0));
      });
    }
  });
  process.send?.({ type: "ready" });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
