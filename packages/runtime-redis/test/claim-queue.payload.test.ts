// Claim-queue payloads on Redis (issue 20): any JSON value round-trips to the handler, a string stays a string
// and is stored as before (so items an older release wrote read back unchanged), the size bound counts the
// stored form, and a payload that is not JSON is an InvalidPayloadError naming where and what, storing nothing.

import { describe, expect, it } from "vitest";
import {
  ClaimQueue,
  InvalidPayloadError,
  type JsonValue,
  PAYLOAD_DEPTH_MAX,
  PayloadTooLargeError,
} from "../src/claim-queue/claim-queue.js";
import { CorruptValueError } from "../src/shared/errors.js";
import { queueConfig } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

describe("ClaimQueue payloads on Redis", () => {
  const redis = useRedis();
  let n = 0;
  const open = (payloadBytesMax?: number) =>
    ClaimQueue.open(redis.client(), {
      name: `p${++n}`,
      config: queueConfig({ claimBatchSizeMax: 10 }),
      ...(payloadBytesMax === undefined ? {} : { payloadBytesMax }),
    });
  const claimOne = async (q: ClaimQueue) => {
    const { items } = await q.claim("w", 1);
    expect(items).toHaveLength(1);
    return items[0]!;
  };

  it.each<[string, JsonValue]>([
    ["an object", { reason: "push", sha: "4f1c2e", retries: [1, 2], nested: { ok: true, none: null } }],
    ["an array", ["a", 1, false, null, { b: "ü€😀" }]],
    ["a number", 42.5],
    ["a boolean", false],
    ["an empty object", {}],
    ["a string that looks like JSON (stays a string)", '{"a":1}'],
    ["an empty string", ""],
  ])("hands %s back to the claim equal to what was enqueued", async (_, payload) => {
    const q = await open();
    await q.enqueue("s", payload);
    expect((await claimOne(q)).payload).toEqual(payload);
    expect((await q.snapshot()).payloads).toEqual({ s: payload });
  });

  it("stores a string as itself (no kind field) and JSON as its text with k = j", async () => {
    const q = await open();
    await q.enqueue("s", "plain");
    expect(await q.redis.hmget(q.itemKey("s"), "p", "k")).toEqual(["plain", null]);
    await q.enqueue("s", { a: 1 });
    expect(await q.redis.hmget(q.itemKey("s"), "p", "k")).toEqual(['{"a":1}', "j"]);
    // The latest payload wins, its kind with it.
    await q.enqueue("s", "again a string");
    expect(await q.redis.hmget(q.itemKey("s"), "p", "k")).toEqual(["again a string", null]);
    expect((await claimOne(q)).payload).toBe("again a string");
  });

  it("reads a string payload an older release stored (field p, no k) unchanged, even when it is JSON text", async () => {
    const q = await open();
    await q.enqueue("old");
    await q.redis.hset(q.itemKey("old"), "p", '{"written":"before JSON payloads"}');
    expect((await claimOne(q)).payload).toBe('{"written":"before JSON payloads"}');
  });

  it("keeps the stored payload when the argument is left out, and a successor keeps it after the ack", async () => {
    const q = await open();
    await q.enqueue("s", { v: 1 });
    await q.enqueue("s");
    const first = await claimOne(q);
    expect(first.payload).toEqual({ v: 1 });
    await q.enqueue("s", { v: 2 });
    await q.ack("s", first.token);
    expect((await claimOne(q)).payload).toEqual({ v: 2 });
  });

  it("bounds the stored form: a JSON payload above payloadBytesMax is a PayloadTooLargeError naming its size", async () => {
    const q = await open(16);
    const payload = { text: "ü".repeat(6) }; // {"text":"üüüüüü"}: 11 ASCII bytes + 12 = 23 bytes
    const err = await q.enqueue("s", payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err).toMatchObject({ scope: "s", bytes: 23, payloadBytesMax: 16 });
    expect((err as Error).message).toBe('payload of scope "s" is 23 bytes, above payloadBytesMax 16');
    expect((await q.snapshot()).state.items).toEqual({});
    await q.enqueue("s", { t: "12345" }); // {"t":"12345"}: 13 bytes
    expect((await claimOne(q)).payload).toEqual({ t: "12345" });
  });

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const shared = { x: 1 };
  const holey: unknown[] = [1];
  holey[2] = 3;
  let deep: unknown = "leaf";
  for (let i = 0; i <= PAYLOAD_DEPTH_MAX; i++) deep = [deep];

  it.each<[string, unknown, string, string]>([
    ["a function", () => 1, "payload", "a function is not JSON"],
    ["a bigint", 10n, "payload", "a bigint is not JSON"],
    ["a symbol", Symbol("s"), "payload", "a symbol is not JSON"],
    [
      "undefined",
      undefined,
      "payload",
      "undefined is not JSON (leave the payload argument out to keep the stored payload)",
    ],
    ["a cyclic object", cyclic, "payload.self", "a cycle: it contains itself"],
    ["NaN", { n: Number.NaN }, "payload.n", "NaN is not JSON (JSON.stringify would write null)"],
    [
      "a nested undefined",
      { a: [1, { b: undefined }] },
      "payload.a[1].b",
      "undefined is not JSON (JSON.stringify would drop it)",
    ],
    ["a nested function", { "on-done": () => 1 }, 'payload["on-done"]', "a function is not JSON"],
    [
      "a Date",
      { at: new Date(0) },
      "payload.at",
      "a Date is not JSON; pass a plain object, an array or a string",
    ],
    ["a Map", new Map(), "payload", "a Map is not JSON; pass a plain object, an array or a string"],
    ["an array hole", holey, "payload[1]", "an array hole is not JSON"],
    [
      "nesting too deep",
      deep,
      `payload${"[0]".repeat(PAYLOAD_DEPTH_MAX)}`,
      `nested deeper than PAYLOAD_DEPTH_MAX (${PAYLOAD_DEPTH_MAX})`,
    ],
  ])(
    "refuses %s with an InvalidPayloadError naming it, storing nothing",
    async (_, payload, path, problem) => {
      const q = await open();
      const err = await q.enqueue("s", payload as JsonValue).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidPayloadError);
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ scope: "s", path, problem });
      expect((err as Error).message).toBe(`payload of scope "s" is not JSON: ${path}: ${problem}`);
      expect(await q.redis.exists(q.itemKey("s"))).toBe(0);
    },
  );

  it("accepts an object shared twice (not a cycle)", async () => {
    const q = await open();
    await q.enqueue("s", { a: shared, b: shared });
    expect((await claimOne(q)).payload).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it("moves aside at claim an item whose JSON payload does not parse or whose kind is unknown", async () => {
    const q = await open();
    await q.enqueue("bad-json", { a: 1 });
    await q.enqueue("bad-kind", "x");
    await q.enqueue("good", { ok: true });
    await q.redis.hset(q.itemKey("bad-json"), "p", "{not json");
    await q.redis.hset(q.itemKey("bad-kind"), "k", "yaml");
    const outcome = await q.claim("w", 3);
    expect(outcome.items.map((i) => [i.scope, i.payload])).toEqual([["good", { ok: true }]]);
    expect(outcome.corrupt.map((e) => e.key).sort()).toEqual([q.itemKey("bad-json"), q.itemKey("bad-kind")]);
    expect(outcome.corrupt.every((e) => e instanceof CorruptValueError)).toBe(true);
    expect(outcome.corrupt.map((e) => e.message).join("\n")).toContain(
      "field p (JSON payload) does not parse",
    );
    expect(outcome.corrupt.map((e) => e.message).join("\n")).toContain(
      "field k (payload kind) is not j: yaml",
    );
  });
});
