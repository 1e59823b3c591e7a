/**
 * The connections of a run's tasks to server store entries (the simulated Redis, or any entry a task reaches
 * with `ctx.call`): queues in TCP's order both ways, the step that executes a command on the server (with the
 * network-fault and server-restart decisions), replies and pushed messages, and closing a connection.
 */
import { assert } from "@interleave/core";
import type { StoreRef } from "../model/ops.js";
import type { FaultPlan } from "../model/world/faults.js";
import { scopes, type TaskScope } from "./globals.js";
import type { TaskNode, TaskWorld } from "./tasks.js";
import { chooseNetworkFault, type ServerConnection, type ServerProtocol } from "./types.js";

export interface Server {
  readonly ref: StoreRef<unknown, unknown, unknown>;
  readonly protocol: ServerProtocol;
  downUntilMs: number;
  restartCount: number;
}

export interface Handlers {
  ready(): void;
  closed(reason: Error): void;
  push(payload: unknown): void;
}

interface Outgoing {
  readonly payload: unknown;
  readonly reply: ((reply: unknown) => void) | null;
  /** A `delay-request` fault holds it in the network until then (it is not struck again). */
  heldUntilMs?: number;
}

interface Incoming {
  readonly readyAtMs: number;
  readonly deliver: () => void;
}

/** One connection of a task to a server store entry. */
export interface Conn {
  readonly id: number;
  readonly node: TaskNode;
  readonly scope: TaskScope;
  readonly server: Server;
  /** A `ctx.call` channel: one request, ready at once, never closed by a fault (only delayed). */
  readonly implicit: boolean;
  phase: "connecting" | "ready" | "closing" | "closed";
  /** A `stall` fault: nothing goes through the connection until then, when it resets (a half-open connection). */
  stalledUntilMs: number | null;
  readonly outbox: Outgoing[];
  readonly inbox: Incoming[];
  readonly handlers: Handlers | null;
}

/** What the network asks of the task table. */
export interface NetworkTasks {
  readonly nodes: readonly TaskNode[];
  plan(): FaultPlan;
  live(scope: TaskScope): boolean;
  nodeOf(scope: TaskScope): TaskNode | undefined;
  /** Run task code in `scope` (an exception fails the run, naming `what`). */
  runIn(scope: TaskScope, fn: () => void, what: string): void;
}

export class Network {
  private readonly servers = new Map<string, Server>();
  private nextConn = 1;

  constructor(
    private readonly world: TaskWorld,
    private readonly tasks: NetworkTasks,
  ) {}

  addServer(ref: StoreRef<unknown, unknown, unknown>, protocol: ServerProtocol): void {
    this.servers.set(ref.key, { ref, protocol, downUntilMs: 0, restartCount: 0 });
  }

  /** Close every connection of `node` (a crash): the server forgets them, no handler hears of it. */
  dropAll(node: TaskNode): void {
    for (const c of [...node.conns]) this.drop(c, null);
  }

  // ---- connections (called from task code through a transport) ------------------------------------------

  /** Open a connection from the task running now to server `key`. */
  open(key: string, handlers: Handlers): OpenConnection {
    const scope = scopes.getStore();
    assert(
      scope !== undefined && this.tasks.live(scope),
      `a connection to "${key}" can only be opened by a running task`,
    );
    const conn = this.connect(scope, key, handlers, false);
    return {
      id: conn.id,
      send: (payload, reply) => {
        if (conn.phase === "closed" || conn.phase === "closing" || !this.tasks.live(conn.scope)) return;
        conn.outbox.push({ payload, reply });
      },
      close: () => {
        if (conn.phase === "closed" || conn.phase === "closing") return;
        conn.phase = "closing";
        conn.inbox.length = 0;
        conn.outbox.push({ payload: CLOSE, reply: null });
      },
    };
  }

  /** `ctx.call`: `event` to store `ref` over the task's implicit channel to it; resolves with the result. */
  call(scope: TaskScope, ref: StoreRef<unknown, unknown, unknown>, event: unknown): Promise<unknown> {
    const node = this.tasks.nodeOf(scope);
    assert(
      node !== undefined && this.tasks.live(scope),
      `ctx.call on "${ref.key}" after the task ended or crashed`,
    );
    if (!this.servers.has(ref.key))
      this.addServer(ref, { request: (payload, _conn, atMs) => stamp(payload, atMs) });
    // One request per channel, like an HTTP request from a pool: calls are not ordered among themselves.
    const conn = this.connect(scope, ref.key, null, true);
    return new Promise((resolve) =>
      conn.outbox.push({
        payload: event,
        reply: (result) => {
          forget(node, conn);
          resolve(result);
        },
      }),
    );
  }

  private connect(scope: TaskScope, key: string, handlers: Handlers | null, implicit: boolean): Conn {
    const node = this.tasks.nodeOf(scope)!;
    const server = this.servers.get(key);
    assert(server !== undefined, `no server store "${key}" (declare it with a server protocol)`);
    const conn: Conn = {
      id: this.nextConn++,
      node,
      scope,
      server,
      implicit,
      phase: implicit ? "ready" : "connecting",
      stalledUntilMs: null,
      outbox: [],
      inbox: [],
      handlers,
    };
    node.conns.push(conn);
    return conn;
  }

  send(c: Conn): boolean {
    const node = c.node;
    const server = c.server;
    const out = c.outbox[0]!;
    if (out.payload === CLOSE) {
      c.outbox.shift();
      this.drop(c, null);
      return false;
    }
    if (!c.implicit && server.protocol.restart !== undefined && this.restartStrikes(server, node.name))
      return true;
    const held = out.heldUntilMs !== undefined;
    const fault =
      node.faultable && !held
        ? chooseNetworkFault(node, this.tasks.plan(), c.implicit, (r) => this.world.decide(r))
        : null;
    if (fault !== null) {
      node.netCount++;
      if (this.world.recording)
        this.world.record({ process: node.name, op: "fault", input: { kind: fault, conn: c.id } });
    }
    if (fault === "stall") {
      // The command and everything after it vanish into a half-open connection until it times out and resets.
      const ms = this.world.draw(this.tasks.plan().network!.delayMs, `stall ${node.name} ms`);
      c.stalledUntilMs = this.world.now + ms;
      return false;
    }
    if (fault === "delay-request") {
      out.heldUntilMs =
        this.world.now + this.world.draw(this.tasks.plan().network!.delayMs, `delay ${node.name} ms`);
      return false;
    }
    if (fault === "drop") {
      this.drop(
        c,
        new Error(
          `connection ${c.id} to ${server.ref.key} reset before the command was sent (simulated fault)`,
        ),
      );
      return true;
    }
    c.outbox.shift();
    const event = server.protocol.request(out.payload, c.id, this.world.now);
    const result = this.world.applyTx(node.name, server.ref, event);
    if (c.phase === "closing") return false;
    if (fault === "lose-reply") {
      this.drop(
        c,
        new Error(`connection ${c.id} to ${server.ref.key} reset before the reply arrived (simulated fault)`),
      );
      return true;
    }
    const delay =
      fault === "delay" ? this.world.draw(this.tasks.plan().network!.delayMs, `delay ${node.name} ms`) : 0;
    const reply = out.reply;
    c.inbox.push({
      readyAtMs: this.world.now + delay,
      deliver: () => {
        if (this.world.recording)
          this.world.record({
            process: node.name,
            op: "deliver",
            input: { conn: c.id, what: "reply" },
            result,
          });
        reply?.(result);
      },
    });
    return false;
  }

  /** Decision `restart <server>`: the server restarts instead of executing the command. */
  private restartStrikes(server: Server, by: string): boolean {
    const plan = this.tasks.plan().restart;
    if (plan === undefined || server.restartCount >= plan.countMax || plan.probability === 0) return false;
    const on =
      this.world.decide({
        label: `restart ${server.ref.key}`,
        count: 2,
        weights: [1 - plan.probability, plan.probability],
        options: ["none", "restart"],
      }) === 1;
    if (!on) return false;
    const downMs = this.world.draw(plan.downMs, `restart ${server.ref.key} ms`);
    server.restartCount++;
    if (this.world.recording)
      this.world.record({
        process: by,
        op: "fault",
        input: { kind: "server-restart", server: server.ref.key, downMs },
      });
    this.world.applyTx(by, server.ref, server.protocol.restart!(this.world.now));
    server.downUntilMs = this.world.now + downMs;
    for (const node of this.tasks.nodes)
      for (const c of [...node.conns])
        if (c.server === server && !c.implicit)
          this.drop(c, new Error(`connection ${c.id}: ${server.ref.key} restarted (simulated fault)`), false);
    return true;
  }

  /** Close `c`: the server forgets it; its task's handler hears `reason` (none for a crash or its own close). */
  drop(c: Conn, reason: Error | null, disconnect = true): void {
    const node = c.node;
    c.phase = "closed";
    c.outbox.length = 0;
    c.inbox.length = 0;
    forget(node, c);
    if (disconnect && c.server.protocol.disconnect !== undefined)
      this.world.applyTx(node.name, c.server.ref, c.server.protocol.disconnect(c.id, this.world.now));
    if (reason !== null && c.handlers !== null && node.scope !== null) {
      const handlers = c.handlers;
      this.tasks.runIn(node.scope, () => handlers.closed(reason), "a close handler");
    }
  }

  /** A message the server pushed to connection `connId` (dropped when that connection is gone). */
  push(connId: number, payload: unknown): void {
    for (const node of this.tasks.nodes)
      for (const c of node.conns) {
        if (c.id !== connId || c.phase !== "ready" || c.handlers === null) continue;
        const handlers = c.handlers;
        c.inbox.push({
          readyAtMs: this.world.now,
          deliver: () => {
            if (this.world.recording)
              this.world.record({
                process: node.name,
                op: "deliver",
                input: { conn: c.id, what: "push" },
                result: payload,
              });
            handlers.push(payload);
          },
        });
      }
  }
}

const CLOSE = Symbol("close");

/** A connection as its client sees it (see `RedisConnection` in redis/protocol.ts). */
export type OpenConnection = ServerConnection;

/** Take `c` off its task's connections (a no-op when it is already gone). */
function forget(node: TaskNode, c: Conn): void {
  const i = node.conns.indexOf(c);
  if (i >= 0) node.conns.splice(i, 1);
}

function stamp(payload: unknown, atMs: number): unknown {
  return typeof payload === "function" ? (payload as (atMs: number) => unknown)(atMs) : payload;
}
