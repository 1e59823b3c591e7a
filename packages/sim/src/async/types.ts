/**
 * The shapes of async tasks: a task's body and context, the protocol that makes a store entry a server tasks
 * connect to, and the network fault decision.
 */

import type { StoreRef } from "../model/ops.js";
import type { FaultPlan } from "../model/world/faults.js";
import type { DecisionRequest } from "../strategy/chooser.js";

/**
 * What a task's body receives: its name, virtual time, `call` (a request to a store entry over the task's own
 * channel to it) and `note` (a line in the trace).
 */
export interface TaskContext {
  readonly name: string;
  /** Virtual ms since the run started (the same clock `performance.now()` gives the task). */
  now(): number;
  /**
   * Send `event` (or `event(atMs)`, built at the instant it executes) to store entry `ref`: it executes
   * atomically at an instant the world picks, and the promise resolves with the machine's result when the
   * world delivers the reply (a network fault may delay it, never lose it). Each call is its own request, like
   * one HTTP request from a connection pool: two calls not awaited in turn may execute in either order.
   */
  call<S, E, R>(ref: StoreRef<S, E, R>, event: E | ((atMs: number) => E)): Promise<R>;
  /**
   * Open a connection to a store entry declared as a server (`StoreOptions.server`): `handlers.ready` is called
   * when the world delivers the connect, then each `send` reaches the server in order, executes as a `tx`, and
   * its reply comes back in order; `handlers.closed` hears a fault or a server restart, `handlers.push` the
   * server's messages. The simulated Redis's client is built on this.
   */
  connect(ref: StoreRef<unknown, never, unknown>, handlers: ServerHandlers): ServerConnection;
  /** A line in the trace (`note`), as a generator process's `note`. */
  note(text: string, data?: unknown): void;
}

/** What a task's connection to a server tells it (see {@link TaskContext.connect}). */
export interface ServerHandlers {
  ready(): void;
  closed(reason: Error): void;
  push(payload: unknown): void;
}

/** A task's connection to a server entry: `send` queues a request, `reply` hears its result (never if it closes first). */
export interface ServerConnection {
  readonly id: number;
  send(payload: unknown, reply: (reply: unknown) => void): void;
  /** Close from the task's side: nothing more is delivered, the server is told after the requests already sent. */
  close(): void;
}

/** A task's body: unmodified async code. It runs again from the start when its task restarts after a crash. */
export type TaskBody = (ctx: TaskContext) => Promise<void>;

/**
 * What makes a store entry a server tasks open connections to (see `StoreOptions.server`): how a request
 * becomes the machine's event, and optionally how a disconnect and a restart are told to it and which effects
 * are messages pushed to a connection.
 */
export interface ServerProtocol<E = unknown, F = unknown> {
  /** The event that executes `payload` sent on connection `conn` at virtual time `atMs`. */
  request(payload: unknown, conn: number, atMs: number): E;
  /** The event telling the server connection `conn` closed. */
  disconnect?(conn: number, atMs: number): E;
  /** The event of a server restart (present: the server may restart under the fault plan's `restart`). */
  restart?(atMs: number): E;
  /** An effect as a message for one connection, or null when it is not one. */
  push?(effect: F): { readonly conn: number; readonly payload: unknown } | null;
}

/**
 * A network fault on one command: its reply delayed (`delay`), the command itself held in the network before it
 * reaches the server (`delay-request`: later commands on its connection wait behind it, other connections'
 * overtake it), the connection reset before it was sent (`drop`), or after it was applied (`lose-reply`), or the
 * command lost in a half-open connection that passes nothing until it times out and resets (`stall`).
 */
export type NetworkFault = "delay" | "delay-request" | "drop" | "lose-reply" | "stall";

/**
 * Decision `net <task>` on a command of a faultable task, while the plan's `network` budget lasts: none or one
 * of the plan's kinds (default all five), weighted by `network.probability`. A `ctx.call` channel only delays.
 */
export function chooseNetworkFault(
  node: { readonly name: string; readonly netCount: number },
  plan: FaultPlan,
  implicit: boolean,
  decide: (request: DecisionRequest) => number,
): NetworkFault | null {
  const net = plan.network;
  if (net === undefined || net.probability === 0 || node.netCount >= net.countMax) return null;
  const kinds = (net.kinds ?? ["delay", "delay-request", "drop", "lose-reply", "stall"]).filter(
    (k) => !implicit || k === "delay" || k === "delay-request",
  );
  if (kinds.length === 0) return null;
  const options = ["none", ...kinds];
  const weights = [1 - net.probability, ...kinds.map(() => net.probability / kinds.length)];
  const i = decide({ label: `net ${node.name}`, count: options.length, weights, options });
  return i === 0 ? null : kinds[i - 1]!;
}
