// The keyed mailbox on Redis (issue 8): the core Mailbox's transitions (packages/core/src/mailbox.ts, seed
// 003) applied atomically, one Lua script per event (src/lua/mailbox-*.lua), shared by many service instances.
// Dispatch effects go to a shared dispatch list; each instance's dispatcher loop takes orders from it under a
// lease (expiry + heartbeat, fencing token), runs the handler and completes the order; an expired lease is
// completed as "failed" by any instance, so the next order of that key proceeds. Cancel effects reach the
// running handler's AbortSignal through pub/sub (`<base>:cancel`), with the heartbeat as polling fallback.

import { Mailbox as Core, InvalidConfigError } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { initConfig } from "../shared/config.js";
import { checkReply, type Machine } from "../shared/errors.js";
import { taggedKey, validateName, validatePrefix } from "../shared/keys.js";
import { renamedOption } from "../shared/options.js";
import { decodeEffects, decodeOrder, decodeResult, decodeState, encodeOrder } from "./mailbox-codec.js";
import { type MailboxScript, mailboxScripts as scripts } from "./mailbox-scripts.js";

/** A transition's outcome on Redis: the server time of the script (ms, Redis `TIME`), result and effects. */
export interface MailboxStep {
  readonly atMs: number;
  readonly result: Core.Result;
  readonly effects: readonly Core.Effect[];
}

/**
 * Options of {@link KeyedMailbox.open}.
 *
 * - `name`: the mailbox's name, inside the hash tag (no `{` `}`).
 * - `config`: the core's `Mailbox.Config` (validated by the core's `initial`; stored on first open; every
 *   later open must give the same values). `config.inFlightMax` is the GLOBAL in-flight bound.
 * - `leaseTtlMs`: lease of a taken order, ms (default 10,000; stored with the config, so every instance uses
 *   the same, and sent with every take and heartbeat); `heartbeatIntervalMs` (default ttl / 3) must be below it.
 * - `instance`: this instance's name (default a random one), recorded as the lease holder.
 * - `inFlightMax`: orders this instance runs at once (default `config.inFlightMax`).
 * - `prefix`: key prefix, default `"interleave"`.
 */
export interface KeyedMailboxOptions {
  readonly name: string;
  readonly config: Core.Config;
  readonly prefix?: string;
  readonly leaseTtlMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly instance?: string;
  readonly inFlightMax?: number;
}

/**
 * Options of {@link KeyedMailbox.start}: `subscriber` a dedicated ioredis connection for pub/sub (Cancel
 * and wake-ups; without it the loop relies on polling and the heartbeat) — on a Redis Cluster a `Cluster`
 * client or a plain connection to any node (the scripts' `PUBLISH` reaches every node) —, `pollIntervalMs` the polling period
 * (default 25 ms; `pollMs` is its deprecated old name, still accepted), `onError` called with every error of
 * the loop (default: ignored; the loop keeps running).
 */
export interface DispatcherOptions {
  readonly subscriber?: Redis | Cluster;
  readonly pollIntervalMs?: number;
  /** @deprecated use `pollIntervalMs` (docs/deprecations.md). */
  readonly pollMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Options of {@link KeyedMailbox.submitWhenRoom}: `initialDelayMs` the first backoff's bound (default 1 ms),
 * `maxDelayMs` the cap of the bound (default 100 ms), `timeoutMs` how long to keep trying (default no limit),
 * `signal` aborts the wait, `random` the jitter source in [0, 1) (default `Math.random`).
 */
export interface SubmitWhenRoomOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
}

/** The step of the accepted (or last) submit of {@link KeyedMailbox.submitWhenRoom}, and how many were rejected. */
export interface SubmitWhenRoomStep extends MailboxStep {
  readonly rejected: number;
}

/** Whether `step` is a rejection that room can lift (`pending-full`, `key-limit`; not `shutting-down`). */
function waitsForRoom(step: MailboxStep): boolean {
  return step.result._tag === "Rejected" && step.result.reason !== "shutting-down";
}

/** Resolves when `previous` settles or `deadline` (epoch ms) passes; rejects when `signal` aborts first. */
function waitTurn(previous: Promise<void>, deadline: number, signal: AbortSignal | undefined): Promise<void> {
  if (deadline === Number.POSITIVE_INFINITY && signal === undefined) return previous;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal?.reason);
    };
    const timer =
      deadline === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(
            () => {
              done();
              resolve();
            },
            Math.max(0, deadline - Date.now()),
          );
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    void previous.then(() => {
      done();
      resolve();
    });
  });
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A handler of dispatched orders: resolves when done (outcome "done"), rejects ("failed"). */
export type MailboxHandler = (order: Core.Order, signal: AbortSignal) => Promise<void>;

const MACHINE: Machine = "keyed mailbox";

const CONFIG_FIELDS = ["inFlightMax", "pendingPerKeyMax", "keylessPendingMax", "keyCountMax"] as const;

/** The state hash of an empty mailbox (layout in src/lua/includes/mailbox.lua). */
const EMPTY_STATE = ["n", "sd", "wk", "seq"] as const;

function positiveInt(field: string, value: unknown, fallback: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new InvalidConfigError(field, `KeyedMailbox: ${field} (${String(v)}) must be a positive integer`);
  }
  return v;
}

/**
 * A keyed mailbox on Redis. `submit`/`complete`/`shutdown` are the core's events; `start(handler)` runs this
 * instance's dispatcher loop.
 */
export class KeyedMailbox {
  readonly config: Core.Config;
  readonly base: string;
  readonly instance: string;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs: number;
  readonly localInFlightMax: number;
  private readonly keys: readonly [string, string];
  private loop: Dispatcher | undefined;
  /** Per key ("k:" + key, "" for bypass orders): the tail of this object's queue of `submitWhenRoom` calls. */
  private readonly waiting = new Map<string, Promise<void>>();

  private constructor(
    readonly redis: Redis | Cluster,
    options: KeyedMailboxOptions,
  ) {
    const prefix = validatePrefix("KeyedMailbox", options.prefix);
    this.config = Core.initial(options.config).config;
    this.base = taggedKey(prefix, "mailbox name", options.name, "mb");
    this.keys = [`${this.base}:config`, `${this.base}:state`];
    this.leaseTtlMs = positiveInt("leaseTtlMs", options.leaseTtlMs, 10_000);
    this.heartbeatIntervalMs = positiveInt(
      "heartbeatIntervalMs",
      options.heartbeatIntervalMs,
      Math.max(1, Math.floor(this.leaseTtlMs / 3)),
    );
    if (this.heartbeatIntervalMs >= this.leaseTtlMs) {
      throw new InvalidConfigError(
        "heartbeatIntervalMs",
        `KeyedMailbox: heartbeatIntervalMs (${this.heartbeatIntervalMs}) must be below leaseTtlMs (${this.leaseTtlMs})`,
      );
    }
    this.localInFlightMax = positiveInt("inFlightMax", options.inFlightMax, this.config.inFlightMax);
    this.instance = validateName(
      "instance",
      options.instance ?? `i-${process.pid}-${Math.random().toString(36).slice(2)}`,
      false,
    );
  }

  /**
   * Opens (and on first use creates) mailbox `name`: validates `config` with the core's `initial`, writes it
   * to Redis once, and checks it against the stored one later.
   *
   * @throws core `InvalidConfigError` for a bad config or option; `InvalidNameError` for a bad name;
   *   `ConfigMismatchError` (machine `"keyed mailbox"`) when the stored config differs.
   */
  static async open(redis: Redis | Cluster, options: KeyedMailboxOptions): Promise<KeyedMailbox> {
    const mailbox = new KeyedMailbox(redis, options);
    scripts.define(redis);
    const config = [
      ...CONFIG_FIELDS.map((field) => [field, String(mailbox.config[field])] as const),
      ["policy", JSON.stringify(mailbox.config.policy)] as const,
      ["leaseTtlMs", String(mailbox.leaseTtlMs)] as const,
    ];
    const [configKey, stateKey] = mailbox.keys;
    const empty = EMPTY_STATE.map((field) => [field, "0"] as const);
    await initConfig(redis, MACHINE, configKey, config, { key: stateKey, empty });
    return mailbox;
  }

  /**
   * A core event: the script's result and effects at the server time.
   *
   * @throws `NotInitializedError` (machine `"keyed mailbox"`) when the config is gone; `CorruptValueError`.
   */
  private async step(script: MailboxScript, args: readonly (string | number)[]): Promise<MailboxStep> {
    const reply = await this.run(script, args);
    checkReply(reply, { machine: MACHINE, configKey: this.keys[0], corruptKey: this.keys[1] });
    const where = `${this.base}:orders`;
    return {
      atMs: reply[0] as number,
      result: decodeResult(where, reply[1], reply[2] as unknown[]),
      effects: decodeEffects(where, reply[3]),
    };
  }

  /**
   * The core's Submit of `order` (`payload` must be JSON data). Dispatch effects are also queued for the
   * instances' dispatcher loops; Cancel effects are published to the running handler.
   *
   * @throws core `AssertionError` for a malformed order (as the core's `transition`), `CorruptValueError`.
   */
  async submit(order: Core.Order): Promise<MailboxStep> {
    // The core checks the order's shape; run it on an empty mailbox so bad input fails as it does there.
    Core.transition(Core.initial(this.config), { _tag: "Submit", order });
    return this.step("mailbox-submit-2", [
      order.id,
      order.key === null ? "0" : "1",
      order.key ?? "",
      order.kind,
      encodeOrder(order),
    ]);
  }

  /**
   * {@link submit}, waiting for room instead of failing at a bound. While the result is `Rejected` for
   * `pending-full` or `key-limit`, it waits and submits again, until another result, `timeoutMs` elapsed (then
   * the last attempt's step is returned, `Rejected`), or `signal` aborts (rejects with its reason). Waiting is
   * per key and per `KeyedMailbox` object: once a submit of key `k` was rejected, this object's later
   * `submitWhenRoom` calls for `k` queue behind it (FIFO, not submitting), and only the queue's head retries,
   * with capped exponential backoff and full jitter — its retry `k` (from 1) waits a uniformly random delay in
   * `[0, min(maxDelayMs, initialDelayMs · 2^(k-1)))` ms; when the head is accepted the next one submits at once.
   * So a process's submitters do not spin on a full key, and a full key costs each process about one
   * rejected submit per backoff period. `rejected` counts this call's `Rejected` answers. A rejected submit
   * changes nothing in Redis, so retrying is safe; the order's place in its key's FIFO is the accepted attempt.
   * (Bypass orders, key `null`, share one queue.)
   *
   * @throws as {@link submit}; `RangeError` for a non-positive `initialDelayMs`/`maxDelayMs` or a negative
   *   `timeoutMs`.
   */
  async submitWhenRoom(order: Core.Order, options: SubmitWhenRoomOptions = {}): Promise<SubmitWhenRoomStep> {
    const initial = options.initialDelayMs ?? 1;
    const cap = options.maxDelayMs ?? 100;
    const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
    if (!(initial > 0) || !(cap > 0)) {
      throw new RangeError(`submitWhenRoom: initialDelayMs (${initial}) and maxDelayMs (${cap}) must be > 0`);
    }
    if (!(timeoutMs >= 0)) throw new RangeError(`submitWhenRoom: timeoutMs (${timeoutMs}) must be >= 0`);
    const random = options.random ?? Math.random;
    const deadline = Date.now() + timeoutMs;
    const { signal } = options;
    const lane = order.key === null ? "" : `k:${order.key}`;
    let rejected = 0;
    let last: MailboxStep | undefined;
    if (!this.waiting.has(lane)) {
      signal?.throwIfAborted();
      last = await this.submit(order);
      if (!waitsForRoom(last)) return { ...last, rejected };
      rejected += 1;
      if (Date.now() >= deadline) return { ...last, rejected };
    }
    // Queue behind this object's other submitters waiting for room on the key.
    const previous = this.waiting.get(lane) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.waiting.set(lane, tail);
    try {
      await waitTurn(previous, deadline, signal);
      for (let retry = 0; ; retry += 1) {
        // At its turn a queued call submits at once (the one before it was just accepted); a rejected one waits.
        if (last !== undefined) {
          const delayMs = random() * Math.min(cap, initial * 2 ** Math.min(retry, 30));
          await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())), signal);
        }
        signal?.throwIfAborted();
        last = await this.submit(order);
        if (!waitsForRoom(last)) return { ...last, rejected };
        rejected += 1;
        if (Date.now() >= deadline) return { ...last, rejected };
      }
    } finally {
      release();
      if (this.waiting.get(lane) === tail) this.waiting.delete(lane);
    }
  }

  /** The core's Complete, unfenced (use the dispatcher loop in services; this is for operators and tests). */
  async complete(
    key: string | null,
    orderId: string,
    outcome: "done" | "failed" | "cancelled",
  ): Promise<MailboxStep> {
    Core.transition(Core.initial(this.config), { _tag: "Complete", key, orderId, outcome });
    return this.step("mailbox-complete-2", [key === null ? "0" : "1", key ?? "", orderId, outcome]);
  }

  /** The core's Shutdown: cancels every in-flight order, hands back every pending one. */
  shutdown(): Promise<MailboxStep> {
    return this.step("mailbox-shutdown-2", []);
  }

  /** The core `State`, read in one script. @throws `CorruptValueError` for malformed stored values. */
  async snapshot(): Promise<Core.State> {
    const reply = await this.run("mailbox-snapshot-2", []);
    return decodeState(this.base, this.config, reply);
  }

  /**
   * Starts this instance's dispatcher loop: takes dispatched orders (at most this instance's `inFlightMax` at
   * once) under leases with fencing tokens, runs `handler(order, signal)`, heartbeats every
   * `heartbeatIntervalMs`, and completes the order when the handler settles: "done", "failed" when it
   * rejects, "cancelled" when its signal was aborted. It also completes orders whose lease expired (an
   * instance died) as "failed", so their key's next order proceeds. The signal aborts on a Cancel effect
   * (pub/sub on `<base>:cancel` when `subscriber` is given — a dedicated connection, put in subscriber
   * mode — and in any case through the heartbeat's "cancelled" answer) and when the lease is lost.
   * Errors of the loop (connection lost, `CorruptValueError`) go to `onError` and the loop keeps running.
   * Resolves once the loop runs.
   *
   * @throws `Error` when the loop already runs.
   */
  async start(handler: MailboxHandler, options: DispatcherOptions = {}): Promise<void> {
    if (this.loop !== undefined) throw new Error("the dispatcher loop of this KeyedMailbox already runs");
    this.loop = new Dispatcher(this, handler, options);
    await this.loop.start(options.subscriber);
  }

  /**
   * Stops the loop. `abandon: true` stops without completing running orders (as a crashed instance: their
   * leases expire); otherwise waits for the running handlers and completes them.
   */
  async stop(options: { readonly abandon?: boolean } = {}): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop(options.abandon === true);
  }

  /** @internal runs a runtime script with this mailbox's keys; only a `CORRUPT` reply throws. */
  run(script: MailboxScript, args: readonly (string | number)[]): Promise<unknown[]> {
    return scripts.run(this.redis, script, this.keys, [this.base, ...args]);
  }
}

interface Running {
  readonly id: string;
  readonly token: number;
  readonly controller: AbortController;
  beat?: NodeJS.Timeout;
  done: Promise<void>;
}

/** One instance's dispatcher loop. */
class Dispatcher {
  private readonly running = new Map<string, Running>();
  private readonly undecodable = new Set<string>();
  /** Running orders whose handler settled and whose finish script is under way (their slot is free). */
  private finishing = 0;
  /** Slots promised to a take under way (its orders not launched yet). */
  private reserved = 0;
  /** When the last `mailbox-held` ran (epoch ms). */
  private heldAtMs = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private abandoned = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private subscriber: Redis | Cluster | undefined;

  constructor(
    private readonly mailbox: KeyedMailbox,
    private readonly handler: MailboxHandler,
    private readonly options: DispatcherOptions,
  ) {}

  private report(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A throwing onError must not stop the loop.
    }
  }

  async start(subscriber: Redis | Cluster | undefined): Promise<void> {
    if (subscriber !== undefined) {
      this.subscriber = subscriber;
      const cancel = `${this.mailbox.base}:cancel`;
      const wake = `${this.mailbox.base}:wake`;
      subscriber.on("message", (channel: string, id: string) => {
        if (channel === cancel) this.running.get(id)?.controller.abort(new Error("order cancelled"));
        else if (channel === wake) this.kick();
      });
      await subscriber.subscribe(cancel, wake);
    }
    this.timer = setInterval(
      () => this.kick(),
      renamedOption(this.options, "pollIntervalMs", "pollMs").value ?? 25,
    );
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async tick(): Promise<void> {
    // Take back what an earlier take handed this instance if its reply was lost (a dropped connection makes
    // ioredis resend the command; the first run's orders are leased to us with no handler running): at most
    // once per heartbeat interval, well before such an order's lease (> one interval) lapses.
    const now = Date.now();
    if (now - this.heldAtMs >= this.mailbox.heartbeatIntervalMs) {
      this.heldAtMs = now;
      const held = await this.mailbox.run("mailbox-held-2", [this.mailbox.instance]);
      if (Array.isArray(held[1])) this.launchAll(held[1] as unknown[][], true);
    }
    if (this.stopped) return;
    // Complete the orders whose lease expired ("failed") and take dispatched orders into the free slots, in
    // one script.
    const room = this.room();
    this.reserved += room;
    let reply: unknown[];
    try {
      reply = await this.mailbox.run("mailbox-finish-2", [
        "",
        this.mailbox.instance,
        0,
        "failed",
        room,
        this.mailbox.leaseTtlMs,
      ]);
    } finally {
      this.reserved -= room;
    }
    if (Array.isArray(reply[4])) this.launchAll(reply[4] as unknown[][], false); // else NoConfig: keep polling
  }

  /** Free slots of this instance (`inFlightMax` minus the running, not finishing, orders and reservations). */
  private room(): number {
    if (this.stopped) return 0;
    const busy = this.running.size - this.finishing + this.reserved;
    return Math.max(0, this.mailbox.localInFlightMax - busy);
  }

  /** Launch handlers for taken (or taken-back) orders; `onlyNew` skips those already running or undecodable. */
  private launchAll(orders: readonly unknown[][], onlyNew: boolean): void {
    for (const [id, , rawOrder, token, cancelled] of orders) {
      const orderId = String(id);
      if (onlyNew && (this.running.has(orderId) || this.undecodable.has(orderId))) continue;
      try {
        const order = decodeOrder(`${this.mailbox.base}:orders`, rawOrder);
        this.launch(orderId, order, token as number, cancelled === 1);
      } catch (error) {
        // A malformed stored order is reported once; its lease expires and the reaper completes it as failed.
        this.undecodable.add(orderId);
        this.report(error);
      }
    }
  }

  private launch(id: string, order: Core.Order, token: number, cancelled: boolean): void {
    const controller = new AbortController();
    if (cancelled) controller.abort(new Error("order cancelled"));
    const entry: Running = { id, token, controller, done: Promise.resolve() };
    this.running.set(id, entry);
    const beat = setInterval(() => {
      void this.mailbox
        .run("mailbox-heartbeat-2", [id, this.mailbox.instance, token, this.mailbox.leaseTtlMs])
        .then((reply) => {
          if (reply[1] === "Lost" || reply[2] === 1)
            controller.abort(new Error(`order ${reply[1] === "Lost" ? "lease lost" : "cancelled"}`));
        })
        .catch((error: unknown) => this.report(error));
    }, this.mailbox.heartbeatIntervalMs);
    entry.beat = beat;
    entry.done = (async () => {
      let outcome: "done" | "failed" | "cancelled" = "done";
      try {
        await this.handler(order, controller.signal);
        if (controller.signal.aborted) outcome = "cancelled";
      } catch {
        outcome = controller.signal.aborted ? "cancelled" : "failed";
      } finally {
        clearInterval(beat);
      }
      if (this.abandoned) return;
      // The freed slot takes the next dispatched order in the same script (often the one this Complete
      // dispatched: a hot key's next order runs without a wake-up or another round trip).
      this.finishing += 1;
      const room = this.room();
      this.reserved += room;
      let taken: unknown[][] = [];
      try {
        const reply = await this.mailbox.run("mailbox-finish-2", [
          id,
          this.mailbox.instance,
          token,
          outcome,
          room,
          this.mailbox.leaseTtlMs,
        ]);
        if (Array.isArray(reply[4])) taken = reply[4] as unknown[][];
      } catch (error) {
        this.report(error);
      }
      this.finishing -= 1;
      this.reserved -= room;
      this.running.delete(id);
      this.launchAll(taken, false);
    })();
  }

  async stop(abandon: boolean): Promise<void> {
    this.stopped = true;
    this.abandoned = abandon;
    clearInterval(this.timer);
    if (this.subscriber !== undefined) {
      await this.subscriber.unsubscribe(`${this.mailbox.base}:cancel`, `${this.mailbox.base}:wake`);
    }
    if (abandon) {
      for (const r of this.running.values()) {
        clearInterval(r.beat);
        r.controller.abort(new Error("instance stopped"));
      }
      return;
    }
    // A finish under way may launch the orders it took just before the stop: wait for those too.
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
