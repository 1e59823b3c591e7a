// FencedResource on Redis: storage that refuses a write carrying a fencing token older than the highest it has
// seen, so a holder paused past its lease cannot overwrite the work of the holder that took over (Kleppmann,
// "How to do distributed locking", 2016). One Lua script (src/lua/fenced-write-1.lua) applies the core's
// `FencedResource.transition` atomically; test/fenced.test.ts proves it equal to the core.

import { AssertionError, type FencedResource } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { CorruptValueError } from "../shared/errors.js";
import { taggedKey, validatePrefix } from "../shared/keys.js";
import { parseStoredInt, scriptSet } from "../shared/redis-script.js";
import { decodeFencedReply } from "./fenced-codec.js";

/** Largest value accepted by {@link RedisFencedResource.fencedWrite}, in bytes of UTF-8: a bound on what one write stores. */
export const FENCED_VALUE_BYTES_MAX = 1024 * 1024;

/** A value passed to {@link RedisFencedResource.fencedWrite} that is not a string or is larger than {@link FENCED_VALUE_BYTES_MAX}. */
export class InvalidValueError extends Error {
  override readonly name = "InvalidValueError";
}

const scripts = scriptSet(["fenced-write-1"]);

/**
 * Fenced string values on Redis, one per resource name at `${prefix}:{${resource}}:fenced` (a hash with
 * `highestToken`, `value`, `writeCount`). Values are strings: serialise structured data yourself (JSON).
 *
 * @example
 * const store = new RedisFencedResource(redis);
 * await leases.withLease("report", "worker-a", async (_signal, grant) => {
 *   const r = await store.fencedWrite("report-output", grant.token, JSON.stringify(report));
 *   if (r._tag === "StaleToken") throw new Error("a newer holder took over");
 * });
 */
export class RedisFencedResource<R extends Redis | Cluster = Redis> {
  /** The client: an ioredis `Redis`, or a `Cluster` (each resource lives in one slot). */
  readonly redis: R;
  readonly prefix: string;

  /** @throws core `InvalidConfigError` (field `"prefix"`) for a bad prefix. */
  constructor(redis: R, config: { readonly prefix?: string } = {}) {
    this.prefix = validatePrefix("FencedResource", config.prefix);
    this.redis = redis;
    scripts.define(redis);
  }

  /** The Redis key of `resource`. @throws `InvalidNameError`. */
  key(resource: string): string {
    return taggedKey(this.prefix, "resource name", resource, "fenced");
  }

  /**
   * The core's Write: stores `value` iff `token >= highestToken` (`Accepted`; `token` becomes the highest),
   * else `StaleToken` with the highest token and nothing changes.
   *
   * @throws `AssertionError` when `token` is not a safe integer; {@link InvalidValueError} when `value` is not a
   *   string or exceeds {@link FENCED_VALUE_BYTES_MAX}; `InvalidNameError`; `CorruptValueError` when the key
   *   holds something the runtime did not write (nothing is changed); the ioredis error when Redis fails.
   */
  async fencedWrite(resource: string, token: number, value: string): Promise<FencedResource.Result> {
    if (typeof value !== "string") {
      throw new InvalidValueError(`fenced value must be a string, got ${typeof value}`);
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > FENCED_VALUE_BYTES_MAX) {
      throw new InvalidValueError(
        `fenced value is ${bytes} bytes, above the ${FENCED_VALUE_BYTES_MAX}-byte limit`,
      );
    }
    return this.run(resource, "Write", token, value);
  }

  /**
   * The core's Fence: a new holder announces `token` before reading, so an older holder's late write is
   * refused. `Fenced` iff `token >= highestToken`, else `StaleToken`. Throws as {@link fencedWrite}.
   */
  async fence(resource: string, token: number): Promise<FencedResource.Result> {
    return this.run(resource, "Fence", token, "");
  }

  /**
   * Reads `resource` back as the core's `FencedResource.State<string>` (the initial state when absent).
   *
   * @throws `CorruptValueError` when the key holds something the runtime did not write.
   */
  async state(resource: string): Promise<FencedResource.State<string>> {
    const key = this.key(resource);
    const type = await this.redis.type(key);
    if (type === "none") return { highestToken: 0, value: null, writeCount: 0 };
    if (type !== "hash") throw new CorruptValueError(key, `the key holds a ${type}, expected a hash`);
    const [highest, value, writeCount] = await this.redis.hmget(key, "highestToken", "value", "writeCount");
    return {
      highestToken: parseStoredInt(key, "highestToken", highest ?? null),
      value: value ?? null,
      writeCount: parseStoredInt(key, "writeCount", writeCount ?? null),
    };
  }

  private async run(
    resource: string,
    op: "Write" | "Fence",
    token: number,
    value: string,
  ): Promise<FencedResource.Result> {
    const key = this.key(resource);
    if (typeof token !== "number" || !Number.isSafeInteger(token)) {
      throw new AssertionError(`token must be an integer, got ${JSON.stringify(token) ?? String(token)}`);
    }
    return decodeFencedReply(await scripts.run(this.redis, "fenced-write-1", [key], [op, token, value]));
  }
}
