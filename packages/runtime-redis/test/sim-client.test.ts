// The runtime's classes, unchanged, on the simulator's ioredis-compatible client (`SimRedis` of
// @interleave/sim/redis) instead of ioredis, against a private real Redis: the transport here sends each
// command through a plain ioredis connection, so the scripts run as the real Lua. It checks that SimRedis is
// ioredis enough for the runtime (awaitReady, defineCommand with EVAL/EVALSHA/NOSCRIPT, hmget/type, pub/sub
// on a duplicate), independently of the simulated server.

import {
  type ConnectionHandlers,
  type RedisConnection,
  type RedisReply,
  type RedisTransport,
  SimRedis,
} from "@interleave/sim/redis";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { LeaseManager } from "../src/lease/lease.js";
import { KeyedMailbox } from "../src/mailbox/mailbox.js";
import { RICH, until } from "./support/mailbox-policy.js";
import { useRedis } from "./support/redis.js";

/** A reply as the simulated wire carries it. */
function toReply(value: unknown): RedisReply {
  if (value instanceof Error) return { error: value.message };
  if (Array.isArray(value)) return value.map(toReply);
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return value as RedisReply;
}

/** A transport whose connections are ioredis connections to `port` (no retries: a lost one is closed). */
function ioredisTransport(port: number): RedisTransport {
  return {
    address: `redis://127.0.0.1:${port}`,
    open(handlers: ConnectionHandlers): RedisConnection {
      const redis = new Redis(port, "127.0.0.1", { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      let open = true;
      let lastError: Error | null = null;
      redis.on("ready", () => open && handlers.ready());
      redis.on("error", (e: Error) => {
        lastError = e;
      });
      redis.on("end", () => {
        if (open) handlers.closed(lastError ?? new Error("Connection is closed."));
        open = false;
      });
      redis.on("message", (channel: string, message: string) => open && handlers.push(channel, message));
      return {
        id: 0,
        send(argv, reply) {
          const [name = "", ...args] = argv;
          redis.call(name, ...args).then(
            (value) => open && reply(toReply(value)),
            (e: Error) => open && reply({ error: e.message }),
          );
        },
        close() {
          open = false;
          redis.disconnect();
        },
      };
    },
  };
}

describe("the runtime on SimRedis (a real Redis behind it)", () => {
  const redis = useRedis();
  const clients: SimRedis[] = [];
  const sim = (): SimRedis => {
    const client = new SimRedis(ioredisTransport(redis.port));
    clients.push(client);
    return client;
  };
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });

  it("LeaseManager grants, reads back (type, hmget) and releases; a script still runs after SCRIPT FLUSH", async () => {
    const client = sim();
    const leases = new LeaseManager(client as unknown as Redis, {
      leaseTtlMs: 5_000,
      heartbeatIntervalMs: 500,
    });
    const granted = await leases.acquire("sim-lease", "worker-a");
    expect(granted).toMatchObject({ _tag: "Granted", token: 1 });
    expect((await leases.state("sim-lease")).holder).toBe("worker-a");
    expect(await leases.acquire("sim-lease", "worker-b")).toMatchObject({ _tag: "Busy" });
    await client.call("script", "flush");
    const token = granted._tag === "Granted" ? granted.token : 0;
    expect(await leases.release("sim-lease", "worker-a", token)).toMatchObject({ _tag: "Released" });
    expect((await leases.state("sim-lease")).holder).toBeNull();
  });

  it("RedisFencedResource rejects a stale token's write", async () => {
    const store = new RedisFencedResource(sim() as unknown as Redis);
    expect(await store.fencedWrite("sim-fenced", 2, "new")).toMatchObject({ _tag: "Accepted" });
    expect(await store.fencedWrite("sim-fenced", 1, "old")).toMatchObject({ _tag: "StaleToken" });
    expect((await store.state("sim-fenced")).value).toBe("new");
  });

  it("KeyedMailbox delivers a supersession Cancel through pub/sub on a duplicate() subscriber", async () => {
    const options = { config: RICH, leaseTtlMs: 60_000, heartbeatIntervalMs: 30_000 };
    const client = sim();
    const submitter = await KeyedMailbox.open(client as unknown as Redis, {
      ...options,
      name: "sim-cancel",
      instance: "submitter",
    });
    const runner = await KeyedMailbox.open(sim() as unknown as Redis, {
      ...options,
      name: "sim-cancel",
      instance: "runner",
    });
    const subscriber = client.duplicate();
    clients.push(subscriber);
    const outcomes: string[] = [];
    await runner.start(
      async (order, signal) => {
        if (order.id === "o1") {
          outcomes.push("o1:started");
          await new Promise<void>((resolve) => {
            if (signal.aborted) resolve();
            signal.addEventListener("abort", () => resolve());
          });
          outcomes.push(`${order.id}:aborted`);
          return;
        }
        outcomes.push(`${order.id}:ran`);
      },
      { subscriber: subscriber as unknown as Redis },
    );
    expect(subscriber.mode).toBe("subscriber");
    await submitter.submit({ id: "o1", key: "stack", kind: "Replace" });
    // The handler running (not only the order taken in Redis): a Cancel published before the runner has the
    // order in hand is not seen by pub/sub (the heartbeat, slowed down here, would deliver it later).
    await until("o1 to start", () => outcomes.length === 1);
    await submitter.submit({ id: "o2", key: "stack", kind: "Replace" });
    await until("o2 to run", () => outcomes.length === 3);
    expect(outcomes).toEqual(["o1:started", "o1:aborted", "o2:ran"]);
    await runner.stop();
    expect(subscriber.mode).toBe("normal");
  });
});
