/**
 * An ioredis-compatible client over a {@link RedisTransport}, so that code written against ioredis's `Redis` —
 * `@interleave/runtime-redis`'s classes, a user's handlers — runs unchanged on the simulated Redis (pass it as
 * `client as unknown as Redis`). It follows ioredis's own code (redis/ioredis `Redis.ts`,
 * `redis/event_handler.ts`, `DataHandler.ts`, `Script.ts`) where the behaviour is observable: the status
 * machine and its events, the offline queue, re-sending unanswered commands on a new connection (so a command
 * applied before its reply was lost is applied twice), the retry strategy and `maxRetriesPerRequest`,
 * `commandTimeout`, subscriber mode and resubscription. Timers are the global `setTimeout`/`clearTimeout`,
 * which inside a simulated run are the world's virtual timers. See docs/real-code.md for what differs.
 */

import { EventEmitter } from "node:events";
import { type ClientCommands, installCommands } from "./client-commands.js";
import {
  type ResolvedSimRedisOptions,
  resolveOptions,
  type SimRedisOptions,
  type SimRedisStatus,
  subscriptionReply,
} from "./client-options.js";
import {
  AbortError,
  type Callback,
  CONNECTION_CLOSED_ERROR_MSG,
  MaxRetriesPerRequestError,
  replyError,
  SimCommand,
  SimScript,
  splitCallback,
  VALID_IN_SUBSCRIBER_MODE,
} from "./command.js";
import { SimPipeline } from "./pipeline.js";
import { isErrorReply, type RedisConnection, type RedisReply, type RedisTransport } from "./protocol.js";

export type { ResolvedSimRedisOptions, SimRedisOptions, SimRedisStatus };

interface QueueItem {
  readonly command: SimCommand;
  /** The connection it was written to (unset in the offline queue). */
  conn?: RedisConnection;
}

/** The connection's pub/sub state: the channels subscribed (ioredis's `condition.subscriber`). */
interface Condition {
  subscriber: Set<string> | false;
}

const noop = (): void => {};

/**
 * An ioredis `Redis` over a {@link RedisTransport}. Construct with the transport and ioredis-style options
 * ({@link SimRedisOptions}); use it as ioredis: named commands (`get`, `hset`, …, see {@link CommandReplies}),
 * `call(name, ...args)`, `defineCommand`, `subscribe`/`unsubscribe` with `message` events, `pipeline()`,
 * `duplicate()`, `quit()`, `disconnect()`, `connect()`, `status` and the events `connecting`, `connect`,
 * `ready`, `error`, `close`, `reconnecting` (with the delay), `end`. Status events are emitted from a microtask
 * (ioredis: `process.nextTick`); `error` and `message` synchronously.
 *
 * @example
 * ```ts
 * const client = new SimRedis(directTransport(redisServer, initialRedisState()));
 * await client.set("k", "v");
 * const lease = new LeaseManager(client as unknown as Redis, options);
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the named commands are installed on the prototype (see the end of the file)
export class SimRedis extends EventEmitter {
  status: SimRedisStatus = "wait";
  /** The options with defaults, like ioredis's `options` (`host` and `port` for addresses). */
  readonly options: ResolvedSimRedisOptions;
  /** Always false: not a cluster. */
  readonly isCluster = false;
  private conn: RedisConnection | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimeout: ReturnType<typeof setTimeout> | null = null;
  private closing = false;
  /** QUIT was written on the current connection: Redis reads nothing after it, so nothing more is written. */
  private quitSent = false;
  private retryAttempts = 0;
  private manuallyClosing = false;
  private commandQueue: QueueItem[] = [];
  private offlineQueue: QueueItem[] = [];
  private prevCommandQueue: QueueItem[] | null = null;
  private condition: Condition = { subscriber: false };
  private prevCondition: Condition | null = null;
  /** The scripts defined with {@link SimRedis.defineCommand}, by name (pipelines get them too). */
  readonly scripts = new Map<string, SimScript>();

  constructor(
    readonly transport: RedisTransport,
    options: SimRedisOptions = {},
  ) {
    super();
    this.options = resolveOptions(transport, options);
    if (this.options.lazyConnect) this.setStatus("wait");
    else this.connect().catch(noop);
  }

  /**
   * Connect (ioredis `connect`): resolves when ready; rejects with `Redis is already connecting/connected`, or
   * with `Connection is closed.` when the attempt closes first.
   */
  connect(callback?: Callback<void>): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => {
      if (this.status === "connecting" || this.status === "connect" || this.status === "ready") {
        reject(new Error("Redis is already connecting/connected"));
        return;
      }
      this.setStatus("connecting");
      this.condition = { subscriber: false };
      const onReady = (): void => {
        this.off("close", onClose);
        resolve();
      };
      const onClose = (): void => {
        this.off("ready", onReady);
        reject(new Error(CONNECTION_CLOSED_ERROR_MSG));
      };
      this.once("ready", onReady);
      this.once("close", onClose);
      this.open();
    });
    if (callback !== undefined) promise.then(() => callback(null), callback);
    return promise;
  }

  /**
   * Close at once (ioredis `disconnect`): no reconnect; commands waiting are rejected with `Connection is
   * closed.`; status `close` then `end`. `reconnect: true` drops the connection and reconnects instead.
   */
  disconnect(reconnect = false): void {
    if (!reconnect) this.manuallyClosing = true;
    if (this.reconnectTimeout !== null && !reconnect) {
      clearTimeout(this.reconnectTimeout);
      this.reconnectTimeout = null;
    }
    if (this.status === "wait") {
      this.closeHandler();
      return;
    }
    if (this.conn !== null) {
      this.dropConnection();
      return;
    }
    // ioredis leaves a client disconnected while reconnecting in `reconnecting` for good; this one ends.
    if (!reconnect && this.status !== "end" && !this.closing) this.closeHandler();
  }

  /** ioredis's deprecated `end`: {@link SimRedis.disconnect}. */
  end(): void {
    this.disconnect();
  }

  /** A new client over the same transport with these options and `override`'s (scripts are not copied). */
  duplicate(override: SimRedisOptions = {}): SimRedis {
    return new SimRedis(this.transport, { ...this.options, ...override });
  }

  /** `"subscriber"` while the connection is subscribed to a channel (protocol 2), else `"normal"`. */
  get mode(): "normal" | "subscriber" {
    return this.condition.subscriber === false || this.options.protocol === 3 ? "normal" : "subscriber";
  }

  /** Send command `name` with `args` (ioredis `call`; a trailing callback is honoured). Also `call([name, ...args])`. */
  call(name: string | readonly unknown[], ...rest: unknown[]): Promise<unknown> {
    const all = Array.isArray(name) ? [...name, ...rest] : [name, ...rest];
    const { args, callback } = splitCallback(all.slice(1));
    return this.sendCommand(new SimCommand(String(all[0]), args).withCallback(callback));
  }

  /** Subscribe to `channels`; resolves with the number of channels subscribed (ioredis). */
  subscribe(...channels: (string | readonly string[] | Callback<unknown>)[]): Promise<number> {
    return this.call("subscribe", ...channels) as Promise<number>;
  }

  /** Unsubscribe from `channels` (all when none); resolves with the number still subscribed. */
  unsubscribe(...channels: (string | readonly string[] | Callback<unknown>)[]): Promise<number> {
    return this.call("unsubscribe", ...channels) as Promise<number>;
  }

  /**
   * Define method `name(...keysThenArgs)` running the Lua script `lua` (ioredis `defineCommand`): EVAL the
   * first time on a connection, EVALSHA after, EVAL again on NOSCRIPT (see {@link SimScript}).
   */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number | null }): void {
    const script = new SimScript(definition.lua, definition.numberOfKeys ?? null);
    this.scripts.set(name, script);
    Object.defineProperty(this, name, {
      value: (...all: unknown[]) => {
        const { args, callback } = splitCallback(all);
        const command = script.command(args, (c) => this.sendCommand(c)).withCallback(callback);
        return this.sendCommand(command);
      },
      writable: true,
      configurable: true,
    });
  }

  /** A pipeline (ioredis `pipeline`): commands queued, sent in order by `exec()` without waiting. */
  pipeline(): SimPipeline {
    return new SimPipeline(this);
  }

  /** Not supported by the simulated client: throws. (MULTI/EXEC can still be sent with `call`.) */
  multi(): never {
    throw new Error("multi() is not supported by the simulated Redis client");
  }

  /**
   * Send `command` (ioredis `sendCommand`) and return its promise: written when ready, else queued offline
   * (or rejected: `Stream isn't writeable and enableOfflineQueue options is false`); rejected with
   * `Connection is closed.` once ended, and with `Connection in subscriber mode, only subscriber commands may
   * be used` in subscriber mode (protocol 2).
   */
  sendCommand(command: SimCommand): Promise<unknown> {
    if (this.status === "wait") this.connect().catch(noop);
    if (this.status === "end") {
      command.reject(new Error(CONNECTION_CLOSED_ERROR_MSG));
      return command.promise;
    }
    const name = command.lowerName;
    const subscribed = this.condition.subscriber !== false && this.options.protocol !== 3;
    if (subscribed && !VALID_IN_SUBSCRIBER_MODE.has(name)) {
      command.reject(new Error("Connection in subscriber mode, only subscriber commands may be used"));
      return command.promise;
    }
    if (typeof this.options.commandTimeout === "number") command.setTimeout(this.options.commandTimeout);
    if (this.status !== "ready" || this.conn === null || this.quitSent) {
      if (!this.options.enableOfflineQueue) {
        command.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
        return command.promise;
      }
      if (name === "quit" && this.offlineQueue.length === 0) {
        this.disconnect();
        command.resolveWith("OK");
        return command.promise;
      }
      this.offlineQueue.push({ command });
    } else {
      this.write(command, this.conn);
      if (name === "quit") {
        this.manuallyClosing = true;
        this.quitSent = true;
      }
    }
    return command.promise;
  }

  private write(command: SimCommand, conn: RedisConnection): void {
    command.script?.prepare(command, conn);
    const item: QueueItem = { command, conn };
    this.commandQueue.push(item);
    conn.send([command.name, ...command.args], (reply) => this.onReply(conn, item, reply));
  }

  private open(): void {
    let conn: RedisConnection | null = null;
    // A handler called inside `open` (before `conn` is known) runs from a microtask instead.
    const whenCurrent = (run: () => void): void => {
      if (conn === null) queueMicrotask(() => whenCurrent(run));
      else if (this.conn === conn) run();
    };
    conn = this.transport.open({
      ready: () => whenCurrent(() => this.onConnected()),
      closed: (reason) => whenCurrent(() => this.onLost(reason)),
      push: (channel, message) => whenCurrent(() => this.onPush(channel, message)),
    });
    this.conn = conn;
    this.quitSent = false;
    if (this.options.connectTimeout > 0) {
      const opened = conn;
      this.connectTimer = setTimeout(() => {
        this.connectTimer = undefined;
        if (this.conn !== opened || this.status !== "connecting") return;
        opened.close();
        const err = Object.assign(new Error("connect ETIMEDOUT"), {
          errorno: "ETIMEDOUT",
          code: "ETIMEDOUT",
          syscall: "connect",
        });
        this.onLost(err);
      }, this.options.connectTimeout);
    }
  }

  /** ioredis's connectHandler then readyHandler (no handshake, no ready check). */
  private onConnected(): void {
    this.clearConnectTimer();
    this.commandQueue = [];
    this.setStatus("connect");
    this.setStatus("ready");
    this.retryAttempts = 0;
    if (this.prevCondition !== null) {
      const condition = this.prevCondition;
      this.prevCondition = null;
      if (condition.subscriber !== false && this.options.autoResubscribe) {
        const channels = [...condition.subscriber];
        if (channels.length > 0) this.subscribe(channels).catch(noop);
      }
    }
    if (this.prevCommandQueue !== null) {
      const prev = this.prevCommandQueue;
      this.prevCommandQueue = null;
      if (this.options.autoResendUnfulfilledCommands) {
        for (const item of prev.splice(0)) this.sendCommand(item.command);
      }
    }
    if (this.offlineQueue.length > 0) {
      const offline = this.offlineQueue;
      this.offlineQueue = [];
      for (const item of offline) this.sendCommand(item.command);
    }
  }

  /** The connection went away under us (a fault, a restart, a connect timeout): `error`, then close. */
  private onLost(reason: Error): void {
    this.conn = null;
    this.clearConnectTimer();
    this.silentEmit("error", reason);
    this.closeHandler();
  }

  /** Close our side (disconnect, quit): nothing more is delivered; the close is handled in a microtask. */
  private dropConnection(): void {
    const conn = this.conn;
    if (conn === null) return;
    this.conn = null;
    this.clearConnectTimer();
    conn.close();
    this.closing = true;
    queueMicrotask(() => {
      this.closing = false;
      this.closeHandler();
    });
  }

  private onReply(conn: RedisConnection, item: QueueItem, reply: RedisReply): void {
    if (this.conn !== conn) return;
    const at = this.commandQueue.indexOf(item);
    if (at < 0) return; // flushed (rejected) while in flight
    this.commandQueue.splice(at, 1);
    const { command } = item;
    const name = command.lowerName;
    if (isErrorReply(reply)) {
      if (reply.error.includes("NOSCRIPT")) command.script?.forget(conn);
      command.reject(replyError(reply.error, command.name, command.args));
    } else if (name === "subscribe" || name === "psubscribe" || name === "ssubscribe") {
      const { count, channels } = subscriptionReply(reply);
      if (this.condition.subscriber === false) this.condition.subscriber = new Set();
      for (const channel of channels.length > 0 ? channels : command.args)
        this.condition.subscriber.add(channel);
      command.resolveWith(count ?? this.condition.subscriber.size);
    } else if (name === "unsubscribe" || name === "punsubscribe" || name === "sunsubscribe") {
      const { count, channels } = subscriptionReply(reply);
      const subscribed = this.condition.subscriber;
      if (subscribed !== false) {
        const gone =
          channels.length > 0 ? channels : command.args.length > 0 ? command.args : [...subscribed];
        for (const channel of gone) subscribed.delete(channel);
      }
      const left = count ?? (subscribed === false ? 0 : subscribed.size);
      if (left === 0) this.condition.subscriber = false;
      command.resolveWith(left);
    } else {
      command.resolve(reply);
    }
    if (name === "quit") this.dropConnection();
  }

  private onPush(channel: string, message: string): void {
    if (this.listenerCount("message") > 0) this.emit("message", channel, message);
    this.emit("messageBuffer", Buffer.from(channel), Buffer.from(message));
  }

  /** ioredis's closeHandler: the connection is gone; reconnect per `retryStrategy`, or end. */
  private closeHandler(): void {
    const prevStatus = this.status;
    this.setStatus("close");
    if (this.commandQueue.length > 0) this.abortIncompletePipelines();
    if (prevStatus === "ready") {
      if (this.prevCondition === null) this.prevCondition = this.condition;
      if (this.commandQueue.length > 0) this.prevCommandQueue = this.commandQueue;
    }
    if (this.manuallyClosing) {
      this.manuallyClosing = false;
      this.close();
      return;
    }
    const { retryStrategy, maxRetriesPerRequest } = this.options;
    if (typeof retryStrategy !== "function") {
      this.close();
      return;
    }
    const delay = retryStrategy(++this.retryAttempts);
    if (typeof delay !== "number") {
      this.close();
      return;
    }
    this.setStatus("reconnecting", delay);
    this.reconnectTimeout = setTimeout(() => {
      this.reconnectTimeout = null;
      this.connect().catch(noop);
    }, delay);
    if (typeof maxRetriesPerRequest === "number" && maxRetriesPerRequest >= 0) {
      if (this.retryAttempts % (maxRetriesPerRequest + 1) === 0) {
        this.flushQueue(new MaxRetriesPerRequestError(maxRetriesPerRequest));
      }
    }
  }

  private close(): void {
    this.setStatus("end");
    this.flushQueue(new Error(CONNECTION_CLOSED_ERROR_MSG));
  }

  /** Reject every queued command (offline and in flight — the latter is also the re-send queue) with `error`. */
  private flushQueue(error: Error): void {
    for (const item of this.offlineQueue.splice(0)) item.command.reject(error);
    for (const item of this.commandQueue.splice(0)) item.command.reject(error);
  }

  /** A pipeline whose first replies came before the close cannot be re-sent whole: its rest is aborted. */
  private abortIncompletePipelines(): void {
    let expected = 0;
    for (let i = 0; i < this.commandQueue.length; ) {
      const command = (this.commandQueue[i] as QueueItem).command;
      const index = command.pipelineIndex;
      if (index === undefined || index === 0) expected = 0;
      if (index !== undefined && index !== expected++) {
        this.commandQueue.splice(i, 1);
        const err = new AbortError("Command aborted due to connection close");
        command.reject(Object.assign(err, { command: { name: command.name, args: command.args } }));
        continue;
      }
      i++;
    }
  }

  private setStatus(status: SimRedisStatus, arg?: unknown): void {
    this.status = status;
    queueMicrotask(() => this.emit(status, arg));
  }

  /** ioredis's silentEmit: `error` only to listeners (none: dropped, where ioredis logs), not once ended. */
  private silentEmit(event: "error", error: Error): void {
    if (this.status === "end" || this.manuallyClosing) return;
    if (this.listenerCount(event) > 0) this.emit(event, error);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }
}

export interface SimRedis extends ClientCommands {}

installCommands<SimRedis>(SimRedis.prototype, (self, name, all) => self.call(name, ...all));
