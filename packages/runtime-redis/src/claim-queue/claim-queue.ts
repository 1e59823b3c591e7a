// The claim queue on Redis (issue 7): the core's ClaimQueue transitions (packages/core/src/claim-queue.ts,
// modelled on seed 002) applied atomically, one Lua script per event, with the Redis server's clock. The
// conformance tests (test/claim-queue.conformance.test.ts) prove every result and the full state equal to
// the core's. Promise API; `Worker` (worker.ts) runs handlers over it.

import { type ConfigProblem, ClaimQueue as Core, InvalidConfigError } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { initConfig } from "../shared/config.js";
import { CorruptValueError, checkReply, type Machine } from "../shared/errors.js";
import { taggedKey, validateName, validatePrefix } from "../shared/keys.js";
import { replyInt, replyString } from "../shared/redis-script.js";
import { decodeDeadLetter, decodeItem, decodeOwnerResult, type StoredItem } from "./claim-queue-codec.js";
import { claimQueueScripts as scripts } from "./claim-queue-scripts.js";
import { decodePayload, encodePayload, type JsonValue, PAYLOAD_BYTES_MAX_DEFAULT } from "./payload.js";

export {
  InvalidPayloadError,
  type JsonValue,
  PAYLOAD_BYTES_MAX_DEFAULT,
  PAYLOAD_DEPTH_MAX,
  PayloadTooLargeError,
} from "./payload.js";

/**
 * Options of {@link ClaimQueue.open}.
 *
 * - `name`: the queue's name, inside the hash tag (no `{` `}`).
 * - `config`: the core's `ClaimQueue.Config`, optional, and so is each of its fields: a field left out takes
 *   its default, `ClaimQueue.CONFIG_DEFAULTS` of `@interleave/core` (lease 30 s, heartbeat 15 s or half a
 *   given lease, 3 attempts, backoff 1 s doubling to a 60 s cap, 100 items per claim, 100 000 items). It is
 *   validated by the core's `initial` (which still accepts the deprecated `maxAttempts` for `attemptsMax`),
 *   stored in Redis on first open, and every later open must resolve to the same values (so a process that
 *   relies on a default and one that spells out another value get a `ConfigMismatchError`). Its `leaseTtlMs`
 *   goes to Redis with every call that grants or renews a claim, as for every machine of this runtime. A queue
 *   whose config the release before the rename stored (with `maxAttempts`) is refused with a
 *   `ConfigMismatchError` naming `attemptsMax`.
 * - `prefix`: key prefix for tenant isolation, default `"interleave"`.
 * - `payloadBytesMax`: largest payload `enqueue` accepts, in UTF-8 bytes of its stored form (the string, or
 *   the JSON text); default 512 KiB (`PAYLOAD_BYTES_MAX_DEFAULT`).
 */
export interface ClaimQueueOptions {
  readonly name: string;
  readonly config?: Core.Config;
  readonly prefix?: string;
  readonly payloadBytesMax?: number;
}

/** A result with the server time (ms since the epoch, from Redis `TIME`) at which the script applied it. */
export interface Timed<R> {
  readonly atMs: number;
  readonly result: R;
}

/**
 * A claim handed to a holder: the core's `Granted` plus the item's latest payload as enqueued — a string as
 * given, any other JSON value parsed back from its JSON text — or `null` when none was given (or it was JSON
 * `null`).
 */
export interface ClaimedItem extends Core.Granted {
  readonly payload: JsonValue | null;
}

/**
 * What `claim` returns: the core's result (`Claimed`, grants in claim order), the same grants with their
 * payloads, and the malformed items the claim found and moved aside (each a {@link CorruptValueError}).
 */
export interface ClaimOutcome extends Timed<Extract<Core.Result, { _tag: "Claimed" }>> {
  readonly items: readonly ClaimedItem[];
  readonly corrupt: readonly CorruptValueError[];
}

/**
 * Item counts per state at the server time `atMs`: `ready` (claimable now, including expired claims),
 * `delayed` (in retry backoff), `claimed` (live claims), `expired` (claims past their validity still indexed
 * as claimed; also counted in `ready`), `deadLettered`, `corrupt` (moved aside).
 */
export interface Counts {
  readonly atMs: number;
  readonly ready: number;
  readonly delayed: number;
  readonly claimed: number;
  readonly expired: number;
  readonly deadLettered: number;
  readonly corrupt: number;
}

const MACHINE: Machine = "claim queue";

const CONFIG_FIELDS = [
  "leaseTtlMs",
  "heartbeatIntervalMs",
  "attemptsMax",
  "retryBackoffBaseMs",
  "retryBackoffCapMs",
  "claimBatchSizeMax",
  "itemCountMax",
] as const;

type OwnerEvent = "Heartbeat" | "Ack" | "Retry" | "Fail" | "Release";

/**
 * A claim queue stored in Redis under `${prefix}:{${name}}:…`. Every method is one script call applying the
 * core's transition atomically with the server's time, and returns the core's `Result` with that `atMs`.
 * Operating outcomes (`NotOwner`, `QueueFull`, `Acked{owned:false}`) are results; errors are thrown only for
 * bad arguments, corrupt stored values, a missing config, or a failed connection.
 *
 * @example
 * const queue = await ClaimQueue.open(redis, { name: "reconcile" }); // every config field at its default
 * await queue.enqueue("deployment-42", JSON.stringify({ reason: "push" }));
 * const { items } = await queue.claim("worker-a", 10);
 * for (const item of items) await queue.ack(item.scope, item.token);
 */
export class ClaimQueue<R extends Redis | Cluster = Redis> {
  /** The validated core config (deprecated field names resolved: `attemptsMax`, never `maxAttempts`). */
  readonly config: Core.ResolvedConfig;
  /** The key prefix. */
  readonly prefix: string;
  /** The queue name. */
  readonly name: string;
  /** The largest accepted payload, in UTF-8 bytes. */
  readonly payloadBytesMax: number;
  /** `${prefix}:{${name}}` — every key of this queue starts with it. */
  readonly base: string;
  private readonly keys: {
    readonly config: string;
    readonly ready: string;
    readonly claimed: string;
    readonly token: string;
    readonly dead: string;
    readonly corrupt: string;
  };

  private constructor(
    /** The client the scripts run on. */
    readonly redis: R,
    options: ClaimQueueOptions,
  ) {
    this.name = validateName("queue name", options.name, true);
    // Every invalid field is reported at once: the core's config fields, then prefix and payloadBytesMax.
    const problems: ConfigProblem[] = [];
    const collect = <T>(check: () => T, fallback: T): T => {
      try {
        return check();
      } catch (error) {
        if (!(error instanceof InvalidConfigError)) throw error;
        problems.push(...error.problems);
        return fallback;
      }
    };
    this.config = collect(() => Core.initial(options.config ?? {}).config, Core.CONFIG_DEFAULTS);
    this.prefix = collect(() => validatePrefix("ClaimQueue", options.prefix), "");
    const max = options.payloadBytesMax ?? PAYLOAD_BYTES_MAX_DEFAULT;
    if (!Number.isSafeInteger(max) || max < 0) {
      problems.push({
        field: "payloadBytesMax",
        message: `ClaimQueue config: payloadBytesMax (${String(max)}) must be an integer >= 0`,
      });
    }
    if (problems.length > 0) throw InvalidConfigError.of("ClaimQueue", problems);
    this.payloadBytesMax = max;
    this.base = taggedKey(this.prefix, "queue name", this.name, "").slice(0, -1);
    this.keys = {
      config: `${this.base}:config`,
      ready: `${this.base}:ready`,
      claimed: `${this.base}:claimed`,
      token: `${this.base}:token`,
      dead: `${this.base}:dead`,
      corrupt: `${this.base}:corrupt`,
    };
    scripts.define(redis);
  }

  /**
   * Opens the queue `options.name` on `redis`: validates the config (the core's `initial`), stores it in Redis
   * when the queue is new, or checks it against the stored one.
   *
   * @throws core `InvalidConfigError` for a bad config, `prefix` or `payloadBytesMax`, listing every invalid
   *   field at once (`problems`; `field` is the first); `InvalidNameError` for a bad name;
   *   `ConfigMismatchError` (machine `"claim queue"`) when Redis holds a different config for this queue.
   */
  static async open<R extends Redis | Cluster = Redis>(
    redis: R,
    options: ClaimQueueOptions,
  ): Promise<ClaimQueue<R>> {
    const queue = new ClaimQueue(redis, options);
    const fields = CONFIG_FIELDS.map((field) => [field, String(queue.config[field])] as const);
    await initConfig(redis, MACHINE, queue.keys.config, fields);
    return queue;
  }

  /** The Redis key of the item hash of `scope`. */
  itemKey(scope: string): string {
    return `${this.base}:item:${scope}`;
  }

  /**
   * The core's Enqueue for `scope`, storing `payload` (the latest enqueue's payload wins; leaving the argument
   * out keeps the stored one). Result `Enqueued{merged}` or `QueueFull`.
   *
   * A payload is any JSON value. A string is stored as itself and handed back as that string; any other value
   * is stored as its `JSON.stringify` text (item field `k = "j"` marks it) and handed back parsed, so a handler
   * gets an equal value (`{ reason: "push" }` in, `{ reason: "push" }` out). Items an older release stored
   * have string payloads and no `k`, so they read back as before. A runtime before JSON payloads hands a JSON
   * payload to its handler as the JSON text.
   *
   * @throws {@link PayloadTooLargeError} naming the size when the stored form (the string, or the JSON text) is
   *   above `payloadBytesMax` bytes of UTF-8; {@link InvalidPayloadError} naming the path and the problem for a
   *   payload that is not JSON (`undefined` given explicitly, a function, a symbol, a bigint, `NaN`, a `Date`
   *   or other class instance, a cycle, an array hole, nesting deeper than `PAYLOAD_DEPTH_MAX`); nothing is
   *   stored in either case. `InvalidNameError` for a bad scope; {@link CorruptValueError} when the stored
   *   item is malformed.
   * @example
   * await queue.enqueue("deployment-42", { reason: "push", sha: "4f1c2e" });
   * const [item] = (await queue.claim("worker-a", 1)).items; // item.payload: { reason: "push", sha: "4f1c2e" }
   */
  enqueue(scope: string): Promise<Timed<Core.Result>>;
  enqueue(scope: string, payload: JsonValue): Promise<Timed<Core.Result>>;
  async enqueue(scope: string, ...rest: readonly unknown[]): Promise<Timed<Core.Result>> {
    validateName("scope", scope, false);
    const payload = rest.length === 0 ? null : encodePayload(scope, rest[0], this.payloadBytesMax);
    const script = "claimQueue-enqueue-4";
    const reply = await this.run(
      script,
      [this.keys.config, this.keys.ready, this.keys.claimed, this.itemKey(scope)],
      [this.base, scope, payload === null ? "0" : payload.kind, payload === null ? "" : payload.text],
      scope,
    );
    const atMs = replyInt(reply, 0, script);
    const tag = replyString(reply, 1, script);
    if (tag === "QueueFull") {
      return { atMs, result: { _tag: "QueueFull", scope, itemCountMax: replyInt(reply, 2, script) } };
    }
    if (tag !== "Enqueued") throw new Error(`${script}: unknown reply tag ${tag}`);
    return { atMs, result: { _tag: "Enqueued", scope, merged: replyInt(reply, 2, script) === 1 } };
  }

  /**
   * The core's Claim: `holder` takes up to `batchSize` claimable items (order `notBeforeMs`, `enqueuedAtMs`,
   * `scope`), each with a fresh fencing token and a claim valid until `expiresAtMs` (server ms). Malformed
   * items met on the way are moved aside (to `${base}:corrupt:<scope>`, never deleted) and returned in
   * `corrupt`.
   *
   * @throws `InvalidNameError` for a bad holder; `RangeError` when `batchSize` is not an integer in
   *   `[1, claimBatchSizeMax]`.
   */
  async claim(holder: string, batchSize: number): Promise<ClaimOutcome> {
    this.checkClaimArgs(holder, batchSize);
    const script = "claimQueue-claim-4";
    const reply = await this.run(
      script,
      [this.keys.config, this.keys.ready, this.keys.claimed, this.keys.token],
      [this.base, holder, batchSize, this.config.leaseTtlMs],
      "",
    );
    return this.decodeClaimed(reply, 1, replyInt(reply, 0, script), script);
  }

  /**
   * The core's Ack of `scope` by `token`, then the core's Claim of up to `batchSize` items for `holder`, applied
   * in sequence atomically at one server time `atMs` (one script call). `ack` equals what {@link ack} would
   * return and `claim` what {@link claim} would return if called right after it at the same `atMs`; the claim
   * may grant `scope` again when the ack requeued it. {@link ackManyAndClaim} with one ack.
   *
   * @throws as {@link ack} and {@link claim}; when it throws (bad arguments, a corrupt item at `scope`, a
   *   missing config) neither the Ack nor the Claim was applied.
   */
  async ackAndClaim(
    scope: string,
    token: number,
    holder: string,
    batchSize: number,
  ): Promise<{ readonly ack: Timed<Core.Result>; readonly claim: ClaimOutcome }> {
    const { acks, claim } = await this.acksThenClaim([{ scope, token }], holder, batchSize);
    return { ack: acks[0]!, claim };
  }

  /**
   * The core's Ack of each of `acks` in order, then the core's Claim of up to `batchSize` items for `holder`,
   * applied in sequence atomically at one server time `atMs` (one script call, `claimQueue-ackAndClaim-4.lua`:
   * the Worker's "ack what finished, take the next items" path). `acks[i]` equals what {@link ack} would return
   * for `acks[i]` after the acks before it, and `claim` what {@link claim} would return right after the last one,
   * all at the same `atMs`. A scope acked twice is finished by its first owning ack only (the second answers
   * `owned: false`), as in the core.
   *
   * @throws `RangeError` when `acks` is empty; as {@link ack} and {@link claim}; when it throws (bad arguments, a
   *   corrupt acked item — the error names its key —, a missing config) no Ack and no Claim was applied.
   */
  ackManyAndClaim(
    acks: readonly { readonly scope: string; readonly token: number }[],
    holder: string,
    batchSize: number,
  ): Promise<{ readonly acks: readonly Timed<Core.Result>[]; readonly claim: ClaimOutcome }> {
    return this.acksThenClaim(acks, holder, batchSize);
  }

  /** {@link ackManyAndClaim}, apart so that wrapping one public method never records a call twice. */
  private async acksThenClaim(
    acks: readonly { readonly scope: string; readonly token: number }[],
    holder: string,
    batchSize: number,
  ): Promise<{ readonly acks: readonly Timed<Core.Result>[]; readonly claim: ClaimOutcome }> {
    if (!Array.isArray(acks) || acks.length === 0) {
      throw new RangeError("acks must be a non-empty array of { scope, token }");
    }
    this.checkClaimArgs(holder, batchSize);
    const args: (string | number)[] = [this.base, holder, batchSize, this.config.leaseTtlMs];
    for (const { scope, token } of acks) {
      checkOwnerArgs(scope, token);
      args.push(scope, token);
    }
    const script = "claimQueue-ackAndClaim-4";
    const keys = [this.keys.config, this.keys.ready, this.keys.claimed, this.keys.token];
    const reply = await scripts.run(this.redis, script, keys, args);
    // A malformed acked item is named by its 1-based index in the acks.
    const corruptAt = reply[1] === "Corrupt" && typeof reply[3] === "number" ? reply[3] - 1 : 0;
    checkReply(reply, {
      machine: MACHINE,
      configKey: this.keys.config,
      corruptKey: this.itemKey(acks[corruptAt]?.scope ?? acks[0]!.scope),
    });
    const atMs = replyInt(reply, 0, script);
    if (reply[1] !== "Acked" || replyInt(reply, 2, script) !== acks.length) {
      throw new Error(`${script}: reply does not start with "Acked", ${acks.length}`);
    }
    const results: Timed<Core.Result>[] = [];
    for (let i = 0, at = 3; i < acks.length; i++, at += 3) {
      results.push({
        atMs,
        result: {
          _tag: "Acked",
          owned: replyInt(reply, at, script) === 1,
          deleted: replyInt(reply, at + 1, script) === 1,
          requeued: replyInt(reply, at + 2, script) === 1,
        },
      });
    }
    return { acks: results, claim: this.decodeClaimed(reply, 3 + 3 * acks.length, atMs, script) };
  }

  private checkClaimArgs(holder: string, batchSize: number): void {
    validateName("holder", holder, false);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > this.config.claimBatchSizeMax) {
      throw new RangeError(
        `batchSize must be an integer in [1, ${this.config.claimBatchSizeMax}], got ${String(batchSize)}`,
      );
    }
  }

  /** Decodes the `"Claimed", n, grants…, m, corrupt…` part of a reply starting at `reply[at]`. */
  private decodeClaimed(reply: readonly unknown[], at: number, atMs: number, script: string): ClaimOutcome {
    if (reply[at] !== "Claimed") {
      throw new Error(`${script}: reply[${at}] is ${JSON.stringify(reply[at])}, expected "Claimed"`);
    }
    const n = replyInt(reply, at + 1, script);
    const items: ClaimedItem[] = [];
    const claims: Core.Granted[] = [];
    let i = at + 2;
    for (let k = 0; k < n; k++, i += 8) {
      const granted: Core.Granted = {
        scope: replyString(reply, i, script),
        token: replyInt(reply, i + 1, script),
        expiresAtMs: replyInt(reply, i + 2, script),
        attemptCount: replyInt(reply, i + 3, script),
        updatedAtMs: replyInt(reply, i + 4, script),
        reclaimed: replyInt(reply, i + 5, script) === 1,
      };
      claims.push(granted);
      items.push({ ...granted, payload: this.replyPayload(granted.scope, reply[i + 6], reply[i + 7]) });
    }
    const m = replyInt(reply, i, script);
    const corrupt: CorruptValueError[] = [];
    for (let k = 0, j = i + 1; k < m; k++, j += 2) {
      const scope = replyString(reply, j, script);
      corrupt.push(
        new CorruptValueError(
          this.itemKey(scope),
          `${replyString(reply, j + 1, script)} (moved aside to ${this.base}:corrupt:${scope})`,
        ),
      );
    }
    return { atMs, result: { _tag: "Claimed", claims }, items, corrupt };
  }

  /**
   * A payload from a claim reply: its text (or `nil`) and kind (`"j"` or `nil`), decoded. The script checked
   * the kind; JSON text that does not parse is a {@link CorruptValueError} naming the item.
   */
  private replyPayload(scope: string, text: unknown, kind: unknown): JsonValue | null {
    try {
      return decodePayload(typeof text === "string" ? text : null, typeof kind === "string" ? kind : null);
    } catch (error) {
      throw new CorruptValueError(
        this.itemKey(scope),
        `field p (JSON payload) does not parse: ${String(error)}`,
      );
    }
  }

  /** The core's Heartbeat: `Renewed{expiresAtMs}` for the owner of `token`, else `NotOwner`. */
  heartbeat(scope: string, token: number): Promise<Timed<Core.Result>> {
    return this.owner("Heartbeat", scope, token, "");
  }

  /**
   * The core's Ack: deletes the item when `token` owns it (`{owned: true, deleted: true, requeued}`; requeued
   * when an Enqueue arrived during the claim), else `{owned: false, deleted: false}`.
   */
  ack(scope: string, token: number): Promise<Timed<Core.Result>> {
    return this.owner("Ack", scope, token, "");
  }

  /**
   * The core's Retry: `Retried{attemptCount, notBeforeMs}` (capped exponential backoff, the core's
   * `backoffMs`), `DeadLettered` at `attemptsMax`, or `NotOwner`.
   */
  retry(scope: string, token: number, error: string): Promise<Timed<Core.Result>> {
    return this.owner("Retry", scope, token, error);
  }

  /** The core's Fail: `DeadLettered` for the owner, else `NotOwner`. */
  fail(scope: string, token: number, error: string): Promise<Timed<Core.Result>> {
    return this.owner("Fail", scope, token, error);
  }

  /** The core's Release (graceful shutdown, no attempt counted): `Released` for the owner, else `NotOwner`. */
  release(scope: string, token: number): Promise<Timed<Core.Result>> {
    return this.owner("Release", scope, token, "");
  }

  /** Item counts per state at the server's time (see {@link Counts}). */
  async counts(): Promise<Counts> {
    const script = "claimQueue-counts-4";
    const keys = [this.keys.ready, this.keys.claimed, this.keys.dead, this.keys.corrupt];
    const reply = await scripts.run(this.redis, script, keys, []);
    const at = (i: number) => replyInt(reply, i, script);
    return {
      atMs: at(0),
      ready: at(1),
      delayed: at(2),
      claimed: at(3),
      expired: at(4),
      deadLettered: at(5),
      corrupt: at(6),
    };
  }

  /**
   * The whole queue read back as the core's `State` (plus each item's payload), for tests and debugging. Not
   * atomic with concurrent writers (it reads the indexes, then each item); O(items + dead letters).
   *
   * @throws {@link CorruptValueError} for a malformed item, dead letter or token, or an index entry without
   *   its item hash.
   */
  async snapshot(): Promise<{
    readonly state: Core.State;
    readonly payloads: Readonly<Record<string, JsonValue>>;
  }> {
    // One script reads everything, so a snapshot taken while workers run is a consistent state.
    const keys = [this.keys.ready, this.keys.claimed, this.keys.token, this.keys.dead];
    const reply = await scripts.run(this.redis, "claimQueue-snapshot-4", keys, [this.base]);
    const [ready, claimed, rawToken, rawDead, rawItems] = reply as [
      string[],
      string[],
      string | null,
      string[],
      string[][],
    ];
    const token = typeof rawToken === "string" ? rawToken : null;
    const dead = pairs(rawDead);
    const scopes = [...ready.map((member) => member.slice(17)), ...claimed];
    const stored = scopes.map((scope, i): StoredItem => {
      const key = this.itemKey(scope);
      const fields = pairs(rawItems[i] ?? []);
      if (Object.keys(fields).length === 0) throw new CorruptValueError(key, "indexed but missing");
      return decodeItem(key, scope, fields);
    });
    const items: Record<string, Core.Item> = {};
    const payloads: Record<string, JsonValue> = {};
    for (const { item, payload } of stored) {
      Object.defineProperty(items, item.scope, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (payload !== null) payloads[item.scope] = payload;
    }
    const deadLetters: Record<string, Core.DeadLetter> = {};
    for (const [scope, raw] of Object.entries(dead)) {
      deadLetters[scope] = decodeDeadLetter(this.keys.dead, scope, raw);
    }
    if (token !== null && !/^\d{1,16}$/.test(token)) {
      throw new CorruptValueError(this.keys.token, `not an integer: ${JSON.stringify(token)}`);
    }
    return {
      state: { config: this.config, items, deadLetters, nextToken: token === null ? 1 : Number(token) + 1 },
      payloads,
    };
  }

  private async owner(
    event: OwnerEvent,
    scope: string,
    token: number,
    error: string,
  ): Promise<Timed<Core.Result>> {
    checkOwnerArgs(scope, token);
    if (typeof error !== "string") throw new TypeError(`error must be a string, got ${typeof error}`);
    const script = "claimQueue-owner-5";
    const args = [event, scope, token, error, this.config.leaseTtlMs];
    const reply = await this.runOnItem(script, this.keys.dead, scope, args);
    return { atMs: replyInt(reply, 0, script), result: decodeOwnerResult(reply, scope) };
  }

  /** Runs a script on `scope`'s item: KEYS config, ready, claimed, `fourth`, the item; ARGV base, `args`. */
  private runOnItem(
    script: "claimQueue-owner-5",
    fourth: string,
    scope: string,
    args: readonly (string | number)[],
  ): Promise<unknown[]> {
    const keys = [this.keys.config, this.keys.ready, this.keys.claimed, fourth, this.itemKey(scope)];
    return this.run(script, keys, [this.base, ...args], scope);
  }

  /** Runs an event script; its error replies (`NoConfig`, `Corrupt` about `scope`'s item) become errors. */
  private async run(
    script: "claimQueue-enqueue-4" | "claimQueue-claim-4" | "claimQueue-owner-5",
    keys: readonly string[],
    args: readonly (string | number)[],
    scope: string,
  ): Promise<unknown[]> {
    const reply = await scripts.run(this.redis, script, keys, args);
    return checkReply(reply, {
      machine: MACHINE,
      configKey: this.keys.config,
      corruptKey: this.itemKey(scope),
    });
  }
}

/** The scope and claim token of an owner event. @throws `InvalidNameError`, `RangeError`. */
function checkOwnerArgs(scope: string, token: number): void {
  validateName("scope", scope, false);
  if (!Number.isSafeInteger(token)) throw new RangeError(`token must be an integer, got ${String(token)}`);
}

/** A flat `[field, value, …]` reply as an object (no prototype keys: fields are data). */
function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
