// LeaseManager: the core `Lease` machine on Redis. Each Acquire / Renew / Release is one Lua script
// (src/lua/lease-<command>-1.lua) that applies the core's transition atomically at the Redis server's time and is
// proven equal to `Lease.transition` by test/lease.conformance.test.ts; `withLease` runs a handler under an
// auto-renewed lease and aborts its `AbortSignal` when the lease is lost. Fencing tokens come from the lease
// hash (Kleppmann, "How to do distributed locking", 2016): pair them with `FencedResource` (fenced.ts).

import { performance } from "node:perf_hooks";
import { AssertionError, InvalidConfigError, Lease } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { CorruptValueError } from "../shared/errors.js";
import { taggedKey, validateName, validatePrefix } from "../shared/keys.js";
import { renamedOption } from "../shared/options.js";
import { parseStoredInt, scriptSet } from "../shared/redis-script.js";
import { decodeLeaseReply, type TimedLeaseResult } from "./lease-codec.js";

export type { TimedLeaseResult };

/**
 * LeaseManager configuration.
 *
 * - `prefix`: key prefix (tenant isolation), default `"interleave"`; the lease `name` lives at
 *   `${prefix}:{${name}}:lease`.
 * - `leaseTtlMs`: how long a grant or renewal stays valid, ms; positive integer.
 * - `heartbeatIntervalMs`: `withLease`'s heartbeat (renew) interval, ms; positive integer below `leaseTtlMs`;
 *   default `floor(leaseTtlMs / 3)`. `renewEveryMs` is its deprecated old name, still accepted.
 * - `safetyMarginMs`: `withLease` treats the lease as lost this long before the server's expiry (clock drift
 *   and network delay), ms; integer >= 0 with `heartbeatIntervalMs + safetyMarginMs < leaseTtlMs`; default
 *   `min(floor(leaseTtlMs / 10), leaseTtlMs - heartbeatIntervalMs - 1)`.
 *
 * The TTL goes to Redis with every Acquire and Renew (ARGV of the script), as for every machine of this runtime.
 */
export interface LeaseManagerConfig {
  readonly prefix?: string;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs?: number;
  /** @deprecated use `heartbeatIntervalMs` (docs/deprecations.md). */
  readonly renewEveryMs?: number;
  readonly safetyMarginMs?: number;
}

/** A lease event as the runtime takes it: the core's `Lease.Event` without `atMs` (the server supplies it). */
export type LeaseCommand =
  | { readonly _tag: "Acquire"; readonly holder: string }
  | { readonly _tag: "Renew"; readonly holder: string; readonly token: number }
  | { readonly _tag: "Release"; readonly holder: string; readonly token: number };

/** What `withLease` hands its handler: the lease name, the holder and the grant's fencing token and expiry. */
export interface LeaseGrant {
  readonly name: string;
  readonly holder: string;
  /** The fencing token: present it to fenced storage (`FencedResource.write`). */
  readonly token: number;
  /** Server time (ms) at which the grant expires unless renewed; updated as renewals succeed. */
  readonly expiresAtMs: number;
}

/** `withLease` could not start: another holder has a valid lease (the core's `Busy` result). */
export class LeaseBusyError extends Error {
  override readonly name = "LeaseBusyError";
  readonly lease: string;
  /** The current holder. */
  readonly holder: string;
  /** When the current grant expires (server time, ms). */
  readonly expiresAtMs: number;

  constructor(lease: string, holder: string, expiresAtMs: number) {
    super(`lease ${JSON.stringify(lease)} is busy: held by ${JSON.stringify(holder)} until ${expiresAtMs}`);
    this.lease = lease;
    this.holder = holder;
    this.expiresAtMs = expiresAtMs;
  }
}

/**
 * The lease was lost while `withLease`'s handler ran: the signal's `reason`, and what `withLease` rejects with
 * when the handler returned after the loss. `cause` says how: a renew answered `NotOwner` or `Expired`
 * (`result` set), or the local expiry deadline passed with no successful renew (`result` undefined).
 */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  readonly lease: string;
  readonly token: number;
  readonly result: Lease.Result | undefined;

  constructor(lease: string, token: number, why: string, result?: Lease.Result) {
    super(`lease ${JSON.stringify(lease)} (token ${token}) was lost: ${why}`);
    this.lease = lease;
    this.token = token;
    this.result = result;
  }
}

const scripts = scriptSet(["lease-acquire-1", "lease-renew-1", "lease-release-1"]);

/**
 * Leases with fencing tokens on one Redis (or one cluster slot per lease name). Every operation is one
 * EVALSHA of a script equal to the core's `Lease.transition`, at the Redis server's time (`TIME`), so client
 * clocks play no part. The lease hash is never expired by Redis, so tokens strictly increase per lease name
 * for as long as the data survives (see {@link LeaseManager.acquire} for a restart without persistence).
 *
 * @example
 * const leases = new LeaseManager(redis, { leaseTtlMs: 15_000 });
 * const total = await leases.withLease("nightly-report", "worker-a", async (signal, grant) => {
 *   return buildReport({ signal, fencingToken: grant.token });
 * });
 */
export class LeaseManager<R extends Redis | Cluster = Redis> {
  /** The client the scripts run on: an ioredis `Redis`, or a `Cluster` (each lease name lives in one slot). */
  readonly redis: R;
  readonly prefix: string;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs: number;
  readonly safetyMarginMs: number;
  /** The core state for the configured TTL; its `config` is what the scripts receive. */
  private readonly initialState: Lease.State;

  /**
   * @throws core `InvalidConfigError` naming the field when `leaseTtlMs` is not a positive integer,
   *   `heartbeatIntervalMs` is not a positive integer below `leaseTtlMs`, `safetyMarginMs` is not an integer
   *   >= 0 with `heartbeatIntervalMs + safetyMarginMs < leaseTtlMs`, or `prefix` is not a valid prefix.
   */
  constructor(redis: R, config: LeaseManagerConfig) {
    this.initialState = Lease.initial({ leaseTtlMs: config?.leaseTtlMs });
    this.leaseTtlMs = this.initialState.config.leaseTtlMs;
    this.prefix = validatePrefix("LeaseManager", config.prefix);
    const heartbeat = renamedOption(config, "heartbeatIntervalMs", "renewEveryMs");
    const field = heartbeat.field;
    const interval = heartbeat.value ?? Math.floor(this.leaseTtlMs / 3);
    if (!Number.isSafeInteger(interval) || interval < 1 || interval >= this.leaseTtlMs) {
      throw new InvalidConfigError(
        field,
        `LeaseManager config: ${field} (${String(interval)}) must be a positive integer below leaseTtlMs (${this.leaseTtlMs})`,
      );
    }
    this.heartbeatIntervalMs = interval;
    const safetyMarginMs =
      config.safetyMarginMs ?? Math.min(Math.floor(this.leaseTtlMs / 10), this.leaseTtlMs - interval - 1);
    if (
      !Number.isSafeInteger(safetyMarginMs) ||
      safetyMarginMs < 0 ||
      interval + safetyMarginMs >= this.leaseTtlMs
    ) {
      throw new InvalidConfigError(
        "safetyMarginMs",
        `LeaseManager config: safetyMarginMs (${String(safetyMarginMs)}) must be an integer >= 0 with ${field} + safetyMarginMs (${interval} + ${String(safetyMarginMs)}) below leaseTtlMs (${this.leaseTtlMs})`,
      );
    }
    this.safetyMarginMs = safetyMarginMs;
    this.redis = redis;
    scripts.define(redis);
  }

  /** @deprecated use {@link LeaseManager.heartbeatIntervalMs} (docs/deprecations.md). */
  get renewEveryMs(): number {
    return this.heartbeatIntervalMs;
  }

  /** The Redis key of lease `name`: `${prefix}:{${name}}:lease`. @throws `InvalidNameError`. */
  key(name: string): string {
    return taggedKey(this.prefix, "lease name", name, "lease");
  }

  /**
   * Acquires lease `name` for `holder` (the core's Acquire). Results: `Granted` (with the fencing token and
   * server expiry; `reclaimed` when a different holder's expired grant was taken over; a same-holder
   * re-acquire keeps its token) or `Busy`.
   *
   * Persistence: the token lives in the lease hash. With AOF (or RDB) persistence the grant and the token
   * survive a Redis restart. Without persistence a restart loses them: the lease is free and the next
   * acquire gets token 1 again, so a `FencedResource` that saw a higher token rejects the new holder's
   * writes (safe but stuck) until the resource is reset; run fenced leases on a persistent Redis.
   *
   * @throws `InvalidNameError` for a bad `name`/`holder`; `CorruptValueError` when the lease key holds a value
   *   the runtime did not write (nothing is changed); the ioredis error when Redis is unreachable.
   */
  async acquire(name: string, holder: string): Promise<Lease.Result> {
    return (await this.apply(name, { _tag: "Acquire", holder })).result;
  }

  /**
   * Renews (heartbeats) `holder`'s grant `token` of lease `name` (the core's Renew): `Renewed` with the new
   * server expiry, `NotOwner` (another holder or a stale token; carries the current holder and token) or
   * `Expired` (the grant ended at `expiredAtMs`; acquire again for a new token). Throws as {@link acquire},
   * and an `AssertionError` when `token` is not a safe integer.
   */
  async renew(name: string, holder: string, token: number): Promise<Lease.Result> {
    return (await this.apply(name, { _tag: "Renew", holder, token })).result;
  }

  /**
   * Releases `holder`'s grant `token` of lease `name`, expired or not (the core's Release): `Released`, or
   * `NotOwner` when someone else holds it or the token is stale (nothing changes). Throws as {@link renew}.
   */
  async release(name: string, holder: string, token: number): Promise<Lease.Result> {
    return (await this.apply(name, { _tag: "Release", holder, token })).result;
  }

  /**
   * Applies one lease command with one script call and returns the core result with the server time `atMs`
   * the script used (feed that `atMs` to `Lease.transition` to get the very same result and state). Throws
   * as {@link renew}.
   */
  async apply(name: string, command: LeaseCommand): Promise<TimedLeaseResult> {
    const key = this.key(name);
    const holder = validateName("holder", command.holder, false);
    switch (command._tag) {
      case "Acquire":
        return decodeLeaseReply(
          await scripts.run(this.redis, "lease-acquire-1", [key], [this.leaseTtlMs, holder]),
        );
      case "Renew":
        assertToken(command.token);
        return decodeLeaseReply(
          await scripts.run(this.redis, "lease-renew-1", [key], [this.leaseTtlMs, holder, command.token]),
        );
      case "Release":
        assertToken(command.token);
        return decodeLeaseReply(
          await scripts.run(this.redis, "lease-release-1", [key], [holder, command.token]),
        );
      default:
        throw new AssertionError(
          `unknown lease command _tag: ${JSON.stringify((command as { _tag?: unknown })._tag)}`,
        );
    }
  }

  /**
   * Reads lease `name` back as the core's `Lease.State` (with this manager's config): free and token 0 when the
   * key does not exist.
   *
   * @throws `CorruptValueError` when the key holds something the runtime did not write.
   */
  async state(name: string): Promise<Lease.State> {
    const key = this.key(name);
    const type = await this.redis.type(key);
    if (type === "none") return this.initialState;
    if (type !== "hash") throw new CorruptValueError(key, `the key holds a ${type}, expected a hash`);
    const [holder, token, expiresAtMs] = await this.redis.hmget(key, "holder", "token", "expiresAtMs");
    if (holder === "") throw new CorruptValueError(key, "holder is empty");
    return {
      config: this.initialState.config,
      holder: holder ?? null,
      token: parseStoredInt(key, "token", token ?? null),
      expiresAtMs: parseStoredInt(key, "expiresAtMs", expiresAtMs ?? null),
    };
  }

  /**
   * Runs `handler` while holding lease `name` as `holder`: acquires it, renews it every `heartbeatIntervalMs`, and
   * releases it when the handler settles (holder-aware: a lost lease is not released). The handler receives
   * an `AbortSignal` and the grant (with its fencing token). The signal aborts, with a {@link LeaseLostError}
   * as `reason`, when a renew answers `NotOwner` or `Expired`, or when the local deadline passes without a
   * successful renew (renew errors are retried until then). The local deadline is the grant's remaining
   * validity (`expiresAtMs - atMs` from the server) minus `safetyMarginMs`, counted on the monotonic clock
   * (`performance.now()`) from just before the acquire/renew request was sent, so it never outlives the
   * server's grant and no wall clock is read. Nothing stops a handler that ignores its signal: pass the
   * token to fenced storage.
   *
   * @returns the handler's value.
   * @throws {@link LeaseBusyError} when another holder has a valid lease; {@link LeaseLostError} when the
   *   lease was lost and the handler still returned normally; the handler's own error otherwise; as
   *   {@link acquire} for bad names, corrupt values and connection errors.
   */
  async withLease<T>(
    name: string,
    holder: string,
    handler: (signal: AbortSignal, grant: LeaseGrant) => Promise<T>,
  ): Promise<T> {
    const sentAt = performance.now();
    const { atMs, result } = await this.apply(name, { _tag: "Acquire", holder });
    if (result._tag === "Busy") throw new LeaseBusyError(name, result.holder, result.expiresAtMs);
    if (result._tag !== "Granted") throw new AssertionError(`Acquire answered ${result._tag}`);
    const token = result.token;
    const grant = { name, holder, token, expiresAtMs: result.expiresAtMs };
    const controller = new AbortController();
    let deadline = sentAt + (result.expiresAtMs - atMs) - this.safetyMarginMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;

    const lose = (why: string, lost?: Lease.Result) => {
      if (!controller.signal.aborted) controller.abort(new LeaseLostError(name, token, why, lost));
    };
    const tick = async () => {
      timer = undefined;
      if (done || controller.signal.aborted) return;
      if (performance.now() >= deadline) {
        lose("the local deadline passed before a renew succeeded");
        return;
      }
      const renewSentAt = performance.now();
      try {
        const renewed = await this.apply(name, { _tag: "Renew", holder, token });
        const r = renewed.result;
        if (r._tag === "Renewed") {
          deadline = Math.max(deadline, renewSentAt + (r.expiresAtMs - renewed.atMs) - this.safetyMarginMs);
          grant.expiresAtMs = r.expiresAtMs;
        } else {
          lose(`a renew answered ${r._tag}`, r);
          return;
        }
      } catch {
        // A failed renew (connection lost, Redis restarting) is retried until the local deadline.
      }
      schedule();
    };
    const schedule = () => {
      if (done || controller.signal.aborted) return;
      const untilDeadline = deadline - performance.now();
      timer = setTimeout(() => void tick(), Math.max(0, Math.min(this.heartbeatIntervalMs, untilDeadline)));
    };
    schedule();
    try {
      const value = await handler(controller.signal, grant);
      if (controller.signal.aborted) throw controller.signal.reason;
      return value;
    } finally {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      if (!controller.signal.aborted) {
        // Holder-aware: a lease another holder took meanwhile answers NotOwner and stays theirs.
        await this.release(name, holder, token).catch(() => undefined);
      }
    }
  }
}

function assertToken(token: unknown): void {
  if (typeof token !== "number" || !Number.isSafeInteger(token)) {
    throw new AssertionError(`token must be an integer, got ${JSON.stringify(token) ?? String(token)}`);
  }
}
