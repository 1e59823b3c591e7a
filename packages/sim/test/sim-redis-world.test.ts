/**
 * The simulated Redis in a world (simRedis): the ioredis-compatible client from a task, TIME on the world's
 * clock, a restart that loses exactly what the persistence mode does not keep, and swarm testing drawing the
 * network and restart faults.
 */
import { describe, expect, it } from "vitest";
import { constant, type WorldBuilder } from "../src/index.js";
import { runAsync } from "../src/model/world/drive.js";
import { runWorldGen } from "../src/model/world/world.js";
import { REDIS_EPOCH_MS, type RedisPersistence, simRedis } from "../src/redis/index.js";
import type { Chooser, DecisionRequest } from "../src/strategy/index.js";
import { RandomChooser } from "../src/strategy/index.js";

/** Index 0 everywhere, except the n-th `restart redis` decision, which restarts. */
function restartAt(n: number): Chooser {
  let seen = 0;
  return {
    choose: (r: DecisionRequest) => (r.label === "restart redis" && ++seen === n ? 1 : 0),
  };
}

function setThenGet(persistence: RedisPersistence, seen: unknown[]) {
  return (w: WorldBuilder) => {
    const redis = simRedis(w, { persistence });
    w.task("t", async () => {
      const client = redis.client();
      seen.push(await client.set("k", "v1"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen.push(await client.get("k"), await client.time());
    });
    w.faults({ restart: { probability: 0.5, downMs: constant(50), countMax: 1 } });
  };
}

describe("the simulated Redis in a world", () => {
  it.each([
    ["aof", "v1"],
    ["none", null],
  ] as const)("persistence %s: a restart after the SET leaves the GET %s", async (persistence, expected) => {
    const seen: unknown[] = [];
    // Decision 1 is the SET's (no restart), decision 2 the GET's: the server restarts instead, the client
    // reconnects after the 50 ms down time and sends the GET again.
    await runAsync(runWorldGen(setThenGet(persistence, seen), restartAt(2), { record: true }));
    expect(seen[0]).toBe("OK");
    expect(seen[1]).toBe(expected);
    // TIME is the world's clock: the GET's retry ran after 100 ms + the down time (and a reconnect back-off).
    const [sec, usec] = seen[2] as [string, string];
    const ms = Number(sec) * 1000 + Number(usec) / 1000 - REDIS_EPOCH_MS;
    expect(ms).toBeGreaterThanOrEqual(150);
  });

  it("stall: the command vanishes in a half-open connection; commandTimeout fires, the reset brings a reconnect", async () => {
    const seen: unknown[] = [];
    await runAsync(
      runWorldGen((w) => {
        const redis = simRedis(w);
        w.task(
          "t",
          async () => {
            const client = redis.client({ commandTimeout: 500 });
            await client.set("k", "v1").then(
              (r) => seen.push(r),
              (e: Error) => seen.push(`${e.message} at ${performance.now()}`),
            );
            await new Promise((resolve) => client.once("ready", resolve));
            seen.push(`ready again at ${performance.now()}`, await client.get("k"));
          },
          { faults: true },
        );
        w.faults({ network: { probability: 1, delayMs: constant(2_000), countMax: 1, kinds: ["stall"] } });
      }, new RandomChooser(1)),
    );
    // The SET was lost in the stalled connection and its caller told "Command timed out" — yet, as with ioredis
    // (autoResendUnfulfilledCommands), the client re-sends it after the reconnect, so it is applied after all.
    expect(seen[0]).toBe("Command timed out at 500");
    expect(seen[1]).toMatch(/^ready again at 20\d\d$/);
    expect(seen[2]).toBe("v1");
  });

  it("swarm testing draws the network and restart faults like the others", async () => {
    const build = (w: WorldBuilder) => {
      const redis = simRedis(w);
      w.task(
        "t",
        async () => {
          const client = redis.client();
          await client.incr("n");
          await client.quit().catch(() => undefined);
        },
        { faults: true },
      );
      w.faults({
        network: { probability: 0.2, delayMs: constant(10), countMax: 1 },
        restart: { probability: 0.2, downMs: constant(10), countMax: 1 },
      });
    };
    const r = await runAsync(runWorldGen(build, new RandomChooser(7), { swarm: true }));
    const labels = r.decisions.map((d) => d.label);
    expect(labels).toContain("swarm network");
    expect(labels).toContain("swarm restart");
  });
});
