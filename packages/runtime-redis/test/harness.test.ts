import { describe, expect, it } from "vitest";
import { freePort, useRedis } from "./support/redis.js";

describe("the test Redis", () => {
  const redis = useRedis();

  it("is a private server on a loopback port (or REDIS_URL), never the shared 6379 unless asked", async () => {
    const c = redis.client();
    expect(await c.ping()).toBe("PONG");
    if (redis.owned) {
      expect(redis.port).not.toBe(6379);
      expect(await c.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
    }
  });

  it("restarts on the same port; without the append-only file the data is gone", async () => {
    if (!redis.owned) return;
    const c = redis.client();
    await c.set("k", "v");
    await redis.restart();
    const d = redis.client();
    expect(await d.get("k")).toBeNull();
  });

  it("hands out free ports", async () => {
    const a = await freePort();
    expect(a).toBeGreaterThan(0);
  });
});
