// RedisFencedResource on a private Redis: random Write/Fence sequences give the core's results and state
// (conformance), a stale holder's late write is rejected, and bad input gets typed errors.

import { AssertionError, FencedResource } from "@interleave/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { FENCED_VALUE_BYTES_MAX, InvalidValueError, RedisFencedResource } from "../src/fenced/fenced.js";
import { LeaseManager } from "../src/lease/lease.js";
import { CorruptValueError } from "../src/shared/errors.js";
import { useRedis } from "./support/redis.js";

type Command =
  | { readonly op: "Write"; readonly token: number; readonly value: string }
  | { readonly op: "Fence"; readonly token: number };

const token = fc.integer({ min: -2, max: 6 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("Write" as const), token, value: fc.string({ maxLength: 8 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("Fence" as const), token }) },
);

describe("RedisFencedResource", () => {
  const redis = useRedis();
  let store: RedisFencedResource;
  let run = 0;
  beforeAll(async () => {
    store = new RedisFencedResource(redis.client());
  });

  it("gives the core's result and state for every random Write/Fence sequence (property, 300 runs)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
        const resource = `conformance-${run++}`;
        let model = FencedResource.initial<string>();
        expect(await store.state(resource)).toEqual(model);
        for (const c of commands) {
          const result =
            c.op === "Write"
              ? await store.fencedWrite(resource, c.token, c.value)
              : await store.fence(resource, c.token);
          const expected = FencedResource.transition(
            model,
            c.op === "Write"
              ? { _tag: "Write", token: c.token, value: c.value }
              : { _tag: "Fence", token: c.token },
          );
          model = expected.state;
          expect(result).toEqual(expected.result);
          expect(await store.state(resource)).toEqual(model);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("rejects the late write of a holder whose lease was taken over (Kleppmann's scenario)", async () => {
    const leases = new LeaseManager(redis.client(), { leaseTtlMs: 40, heartbeatIntervalMs: 10 });
    const a = await leases.acquire("job", "worker-a");
    if (a._tag !== "Granted") throw new Error("expected Granted");
    await new Promise((r) => setTimeout(r, 60)); // worker-a pauses past its lease
    const b = await leases.acquire("job", "worker-b");
    if (b._tag !== "Granted") throw new Error("expected Granted");
    expect(b).toMatchObject({ reclaimed: true, token: a.token + 1 });
    expect(await store.fence("job-output", b.token)).toEqual({ _tag: "Fenced", token: b.token });
    expect(await store.fencedWrite("job-output", a.token, "stale")).toEqual({
      _tag: "StaleToken",
      token: a.token,
      highestToken: b.token,
    });
    expect(await store.fencedWrite("job-output", b.token, "fresh")).toEqual({
      _tag: "Accepted",
      token: b.token,
    });
    expect(await store.state("job-output")).toEqual({ highestToken: b.token, value: "fresh", writeCount: 1 });
  });

  it("rejects bad input with typed errors and overwrites no value it did not write", async () => {
    await expect(store.fencedWrite("r", 1.5, "v")).rejects.toBeInstanceOf(AssertionError);
    await expect(store.fencedWrite("r", 1, 7 as unknown as string)).rejects.toBeInstanceOf(InvalidValueError);
    await expect(store.fencedWrite("r", 1, "x".repeat(FENCED_VALUE_BYTES_MAX + 1))).rejects.toThrow(
      /above the 1048576-byte limit/,
    );
    await expect(store.fencedWrite("", 1, "v")).rejects.toMatchObject({ name: "InvalidNameError" });
    const other = redis.client();
    const key = store.key("corrupt");
    await other.hset(key, "highestToken", "seven", "value", "v", "writeCount", "1");
    await expect(store.fencedWrite("corrupt", 9, "w")).rejects.toBeInstanceOf(CorruptValueError);
    await expect(store.fence("corrupt", 9)).rejects.toThrow(/highestToken is not an integer/);
    await expect(store.state("corrupt")).rejects.toBeInstanceOf(CorruptValueError);
    expect(await other.hgetall(key)).toEqual({ highestToken: "seven", value: "v", writeCount: "1" });
    await other.rpush(store.key("list"), "x");
    await expect(store.fencedWrite("list", 1, "w")).rejects.toThrow(/holds a list, expected a hash/);
  });
});
