/**
 * The simulated Redis's wire: what a client sends (a command's argv), what the server replies, what it pushes
 * (pub/sub messages), and the transport a client sends through. The server (server.ts) is a pure machine held
 * in the world's store; the world delivers each command to it as a step and each reply back as another step,
 * so every command executes atomically at the instant the world picks. The client (client.ts) speaks ioredis's
 * API over a {@link RedisTransport}.
 */

/**
 * A reply: a bulk or status string, an integer, nil (`null`), an array, or an error. Status replies (`OK`,
 * `PONG`, `QUEUED`) are strings, as ioredis gives them.
 */
export type RedisReply = string | number | null | readonly RedisReply[] | RedisErrorReply;

/** An error reply: its message as Redis writes it, e.g. `WRONGTYPE Operation against a key holding the wrong kind of value`. */
export interface RedisErrorReply {
  readonly error: string;
}

export function isErrorReply(reply: RedisReply): reply is RedisErrorReply {
  return typeof reply === "object" && reply !== null && !Array.isArray(reply);
}

/**
 * What the server machine is stepped with. `Command` executes one command (`argv[0]` its name, any case) of
 * connection `conn` at `atMs` (virtual ms since the run started; `TIME` answers `REDIS_EPOCH_MS + atMs`).
 * `Disconnect` forgets a closed connection (its subscriptions). `Restart` is a server restart: what was not
 * persisted is lost, scripts and subscriptions are gone.
 */
export type RedisEvent =
  | {
      readonly _tag: "Command";
      readonly conn: number;
      readonly argv: readonly string[];
      readonly atMs: number;
    }
  | { readonly _tag: "Disconnect"; readonly conn: number }
  | { readonly _tag: "Restart"; readonly atMs: number };

/** An effect of a step: a pub/sub message for connection `conn` (one per subscribed receiver of a `PUBLISH`). */
export interface RedisPush {
  readonly _tag: "Message";
  readonly conn: number;
  readonly channel: string;
  readonly message: string;
}

/** Wall-clock time of virtual time 0, for `TIME` and for `Date` inside a simulated run: 2026-01-01T00:00:00Z. */
export const REDIS_EPOCH_MS = 1_767_225_600_000;

/** Callbacks of one connection, called by the world when it delivers to the connection. */
export interface ConnectionHandlers {
  /** The connection is established: commands sent from now on reach the server. */
  ready(): void;
  /**
   * The connection is gone (a fault, a server restart, or the client's own `close`): no reply of a command still
   * unanswered will come (the client decides whether to reject or re-send them on a new connection).
   */
  closed(reason: Error): void;
  /** A pub/sub message for a channel this connection subscribed to. */
  push(channel: string, message: string): void;
}

/** One connection from the task that opened it to the server. */
export interface RedisConnection {
  /** Unique within the run, in order of opening. */
  readonly id: number;
  /**
   * Queue a command. It reaches the server in order after the commands sent before it; `reply` is called when
   * the world delivers its reply (in order), and never if the connection closes first. Sending before `ready`
   * queues the command until the connection is established.
   */
  send(argv: readonly string[], reply: (reply: RedisReply) => void): void;
  /** Close from the client's side: nothing more is delivered to it (no `closed` call). */
  close(): void;
}

/** How a client reaches the simulated server: it opens connections for the task that runs it. */
export interface RedisTransport {
  /** An address for messages, like `sim://redis`. */
  readonly address: string;
  /** Open a connection for the running task; `handlers.ready` is called when the world delivers the connect. */
  open(handlers: ConnectionHandlers): RedisConnection;
}
