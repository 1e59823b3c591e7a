// A Redis that is not there fails fast, in one line naming its address (issue 20, "bad input"): the tests'
// `startRedis` with REDIS_URL pointing nowhere, and the machines' `open` on a client that cannot connect. Port 1
// on the loopback is closed. The measured times are printed, not asserted (the bound is configuration: one
// connection attempt, no retries, a 1.5 s wait).

import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { KeyedMailbox } from "../src/mailbox/mailbox.js";
import { awaitReady, RedisUnreachableError } from "../src/shared/connection.js";
import { startRedis } from "../src/testing/index.js";
import { FIFO } from "./support/mailbox-policy.js";
import { queueConfig } from "./support/queue-config.js";

const NOWHERE = "redis://127.0.0.1:1";

/** Runs `f`, prints how long it took under `what`, and returns what it threw. */
async function failure(what: string, f: () => Promise<unknown>): Promise<Error> {
  const startedMs = performance.now();
  const error = await f().then(
    () => new Error("expected a failure"),
    (e: unknown) => e as Error,
  );
  console.log(`${what}: failed after ${Math.round(performance.now() - startedMs)} ms: ${error.message}`);
  return error;
}

describe("a Redis that is not there", () => {
  const clients: Redis[] = [];
  const client = (options: { lazyConnect?: boolean } = {}) => {
    const c = new Redis(NOWHERE, options);
    c.on("error", () => {});
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  it("startRedis with REDIS_URL to nowhere fails with one line naming the URL", async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = NOWHERE;
    try {
      const error = await failure("startRedis (REDIS_URL=redis://127.0.0.1:1)", () => startRedis());
      expect(error.message.split("\n")).toHaveLength(1);
      expect(error.message).toMatch(
        /^REDIS_URL=redis:\/\/127\.0\.0\.1:1: no Redis answered \(.*ECONNREFUSED/,
      );
      expect(error.message).toMatch(/unset REDIS_URL/);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it("ClaimQueue.open on a client that cannot connect throws RedisUnreachableError naming the address", async () => {
    const config = queueConfig({
      leaseTtlMs: 30_000,
      heartbeatIntervalMs: 10_000,
      retryBackoffBaseMs: 60_000,
      retryBackoffCapMs: 120_000,
      claimBatchSizeMax: 10,
      itemCountMax: 100,
    });
    const error = await failure("ClaimQueue.open (ioredis defaults)", () =>
      ClaimQueue.open(client(), { name: "q", config }),
    );
    expect(error).toBeInstanceOf(RedisUnreachableError);
    expect(error.message).toMatch(
      /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: no connection within 1500 ms \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/,
    );
    expect((error as RedisUnreachableError).address).toBe(NOWHERE);
  });

  it("KeyedMailbox.open on a lazy client too, and a closed client is named at once", async () => {
    const error = await failure("KeyedMailbox.open (lazyConnect)", () =>
      KeyedMailbox.open(client({ lazyConnect: true }), { name: "m", config: FIFO }),
    );
    expect(error).toBeInstanceOf(RedisUnreachableError);
    expect(error.message).toMatch(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: /);
    const closed = client({ lazyConnect: true });
    closed.disconnect();
    await new Promise((r) => setTimeout(r, 10));
    const e = await failure("awaitReady (closed client)", () => awaitReady(closed));
    expect(e.message).toMatch(
      /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: the client (is closed|closed)/,
    );
  });
});
