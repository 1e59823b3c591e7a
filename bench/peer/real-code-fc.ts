/**
 * fast-check's scheduler driving the real code of `heartbeat-vs-ack-real` (scenarios/heartbeat-vs-ack/worker-real.ts):
 * the runtime's own `ClaimQueue` and `Worker` (@interleave/runtime-redis) on `SimRedis` (@interleave/sim/redis),
 * their commands executed by the same simulated server machine as in interleave's world (`redisServer`, the
 * runtime's Lua in fengari), and virtual time from @sinonjs/fake-timers — so that the per-schedule cost of the two
 * harnesses can be compared on the same code (bench/real-code.ts).
 *
 * How one run goes (`fcRealRun`): fake timers are installed on the process's globals (`setTimeout`,
 * `setInterval`, `setImmediate`, their `clear…`, `Date`, `performance`; microtasks stay real) at the simulated
 * Redis's epoch; the producer and the two workers start as plain async functions; then the driver loops:
 * `await s.waitIdle()` (fast-check releases the scheduled tasks one at a time, in the order its seeded
 * `TaskSelector` picks, flushing microtasks between them, until none is left), one real macrotask turn (so no
 * continuation is still on its way to schedule something), and only when nothing is scheduled, `clock.next()`:
 * virtual time jumps to the earliest timer and fires it. Every I/O is a scheduled task, one per interleave event:
 * - `<owner>/c<n> connect`: a connection is established (its `ready` handler runs);
 * - `<owner>/c<n> →`: the next command sent on the connection executes on the server machine, atomically, at
 *   the fake clock's time (`atMs`, which `TIME` and key expiry read); a close is one such step too;
 * - `<owner>/c<n> ←`: the next reply is delivered to the client (connections keep TCP's order both ways);
 * - `<owner> call →` / `call ←`: the handler's write to the target store and its result (the world's `ctx.call`).
 * What differs from interleave's world: a timer fires only when no I/O is pending (in the world, a timer due
 * now competes with the deliveries due now), and there are no faults unless `pauses` are given (see
 * {@link FcPause}); properties are checked at the end of the run (both are monotone, so this finds what
 * checking after every step finds). The handler is the scenario's, copied with `ctx.call` replaced by this
 * harness's call.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ClaimQueue, RedisUnreachableError, Worker } from "@interleave/runtime-redis";
import {
  initialRedisState,
  REDIS_EPOCH_MS,
  type RedisReply,
  type RedisState,
  type RedisTransport,
  redisServer,
  SimRedis,
} from "@interleave/sim/redis";
import FakeTimers from "@sinonjs/fake-timers";
import type fc from "fast-check";
import {
  params,
  type TargetEvent,
  type TargetResult,
  type TargetState,
  target,
} from "../../scenarios/heartbeat-vs-ack/worker-real.js";

/** The ioredis client type the runtime takes (root has no ioredis of its own to import it from). */
type Redis = Parameters<typeof ClaimQueue.open>[0];
/** A clock that fake-timers installed on the globals. */
type InstalledClock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]>;

/** Whose code runs (the task that set a timer), in runs with pauses: one instance, disabled after each run. */
const ownerOf = new AsyncLocalStorage<string>();

/** Captured before any run installs fake timers: the driver's real macrotask turn. */
const realSetImmediate = globalThis.setImmediate;
const macrotask = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/** The globals fake-timers replaces during a run (as interleave's world does for its tasks). */
const TO_FAKE: FakeTimers.FakeMethod[] = [
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "setImmediate",
  "clearImmediate",
  "Date",
  "performance",
];

/** A bound on the driver's loop: a run that needs more timer firings than this is a harness bug. */
const TIMER_FIRINGS_MAX = 100_000;

/**
 * A stall of one worker, the fault interleave draws as `pause`: at its `atEvent`-th event (0-based, counting
 * connects, command executions, deliveries, target calls and timer firings of that worker) the worker freezes for
 * `durationMs` of virtual time — its I/O events and its timers that come due wait until the pause ends (an
 * interval fires once then). fast-check draws it (see `pauseArbitrary` in real-code.ts); fc.scheduler itself
 * has no such fault.
 */
export interface FcPause {
  readonly worker: "worker-1" | "worker-2";
  readonly atEvent: number;
  readonly durationMs: number;
}

/** What one run saw. */
export interface FcRunResult {
  /** The target's final state: `staleWrites > 0` breaks the `always` property. */
  readonly target: TargetState;
  /** Virtual ms at which the handler's last step first landed (null: never). */
  readonly lastStepAtMs: number | null;
  /** Scheduled tasks released plus timers fired: the run's steps (interleave counts its events the same way). */
  readonly steps: number;
  /** Virtual ms at the end. */
  readonly endMs: number;
  /** The properties of the scenario, checked at the end: null when both hold, else the first that failed. */
  readonly violation: string | null;
}

/** A task released by the scheduler that acts for `owner` (frozen while that owner is paused). */
type Action = () => void;

/** A paused worker's events, held until its pause ends: released tasks in order, and due timers (once each). */
interface Frozen {
  readonly gates: Action[];
  readonly timers: Set<Action>;
}

class FcWorld {
  state: RedisState = initialRedisState({ persistence: "aof" });
  target: TargetState = { highestToken: 0, writes: 0, staleWrites: 0, last: null };
  lastStepAtMs: number | null = null;
  steps = 0;
  private nextConn = 1;
  private readonly events = new Map<string, number>();
  private readonly frozen = new Map<string, Frozen>();

  constructor(
    private readonly s: fc.Scheduler,
    private readonly clock: InstalledClock,
    private readonly pauses: readonly FcPause[],
  ) {}

  nowMs(): number {
    return this.clock.now - REDIS_EPOCH_MS;
  }

  /** A scheduled task: `action` runs when fast-check releases it, or when `owner`'s pause ends. */
  gate(owner: string, label: string, action: Action): void {
    void this.s.schedule(Promise.resolve(label), label).then(() => this.act(owner, action));
  }

  private act(owner: string, action: Action): void {
    this.steps++;
    const paused = this.frozen.get(owner) ?? this.strike(owner);
    if (paused !== undefined) paused.gates.push(action);
    else this.runAs(owner, action);
  }

  /**
   * Run `fn` as `owner`'s code. Only a run with pauses needs to know whose code runs (to freeze a worker's
   * timers), so only such a run enables the async context: an enabled `AsyncLocalStorage` costs every promise
   * created while it is on (fast-check's `waitIdle` creates ~50 per released task).
   */
  runAs(owner: string, fn: Action): void {
    if (this.pauses.length === 0) fn();
    else ownerOf.run(owner, fn);
  }

  /** A timer callback of `owner` fires: deferred to the end of its pause when it comes due during one. */
  timer(owner: string | undefined, callback: Action): void {
    if (owner === undefined) {
      callback();
      return;
    }
    const paused = this.frozen.get(owner) ?? this.strike(owner);
    if (paused !== undefined) paused.timers.add(callback);
    else this.runAs(owner, callback);
  }

  /**
   * Count an event of `owner` that is not paused (a released task or a timer firing); when its pause is due at
   * this event, the pause strikes instead of the event (as interleave's `fault` decision does): returns it.
   */
  private strike(owner: string): Frozen | undefined {
    const n = this.events.get(owner) ?? 0;
    this.events.set(owner, n + 1);
    const pause = this.pauses.find((p) => p.worker === owner && p.atEvent === n);
    if (pause === undefined) return undefined;
    const frozen: Frozen = { gates: [], timers: new Set() };
    this.frozen.set(owner, frozen);
    // The harness's own timer, not the worker's: it thaws the worker when the pause ends.
    this.clock.setTimeout(() => this.thaw(owner), pause.durationMs);
    return frozen;
  }

  private thaw(owner: string): void {
    const paused = this.frozen.get(owner)!;
    this.frozen.delete(owner);
    for (const t of paused.timers) this.runAs(owner, t);
    for (const g of paused.gates) this.gate(owner, `${owner} thawed`, g);
  }

  /** The world's `ctx.call` on the target store: one step executes the write, another delivers its result. */
  call(owner: string, event: TargetEvent): Promise<TargetResult> {
    return new Promise((resolve) =>
      this.gate(owner, `${owner} call →`, () => {
        const t = target.transition(this.target, event);
        this.target = t.state;
        if (t.state.last?.step === params.steps && this.lastStepAtMs === null)
          this.lastStepAtMs = this.nowMs();
        this.gate(owner, `${owner} call ←`, () => resolve(t.result));
      }),
    );
  }

  /** Connections of `owner` to the simulated server, each step of them a scheduled task. */
  transport(owner: string): RedisTransport {
    return {
      address: "sim://redis",
      open: (handlers) => {
        const id = this.nextConn++;
        const name = `${owner}/c${id}`;
        let phase: "connecting" | "ready" | "closing" | "closed" = "connecting";
        const CLOSE = null;
        const outbox: ({ argv: readonly string[]; reply: (r: RedisReply) => void } | typeof CLOSE)[] = [];
        // Replies wait here in order; each `←` task delivers the oldest (tasks may be released in any order).
        const inbox: Action[] = [];
        const deliver = () => {
          const next = inbox.shift();
          if (next !== undefined && phase === "ready") next();
        };
        const execute = () => {
          const out = outbox.shift();
          if (out === undefined || phase === "closed") return;
          if (out === CLOSE) {
            phase = "closed";
            this.state = redisServer.transition(this.state, { _tag: "Disconnect", conn: id }).state;
            return;
          }
          const t = redisServer.transition(this.state, {
            _tag: "Command",
            conn: id,
            argv: out.argv,
            atMs: this.nowMs(),
          });
          this.state = t.state;
          if (phase !== "ready") return;
          inbox.push(() => out.reply(t.result));
          this.gate(owner, `${name} ←`, deliver);
        };
        const send = (item: (typeof outbox)[number]) => {
          outbox.push(item);
          if (phase !== "connecting") this.gate(owner, `${name} →`, execute);
        };
        this.gate(owner, `${name} connect`, () => {
          if (phase !== "connecting") return;
          phase = "ready";
          handlers.ready();
          for (let i = 0; i < outbox.length; i++) this.gate(owner, `${name} →`, execute);
        });
        return {
          id,
          send: (argv, reply) => {
            if (phase === "ready" || phase === "connecting") send({ argv, reply });
          },
          close: () => {
            if (phase === "closing" || phase === "closed") return;
            phase = phase === "connecting" ? "closed" : "closing";
            inbox.length = 0;
            if (phase === "closing") send(CLOSE);
          },
        };
      },
    };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Close a client; as with ioredis, QUIT rejects when the connection drops first (as in the scenario). */
const quit = (client: unknown) => (client as { quit(): Promise<unknown> }).quit().catch(() => undefined);

/**
 * One run of the real code under `s`: the scenario's producer and two workers, `fenced` choosing its variant
 * (`fenced-handler` or `unfenced-handler`), `pauses` the stalls to inject (at most one per worker). Throws if a task throws or the run
 * neither finishes nor goes quiet within the scenario's horizon.
 */
export async function fcRealRun(
  s: fc.Scheduler,
  fenced: boolean,
  pauses: readonly FcPause[] = [],
): Promise<FcRunResult> {
  const clock = FakeTimers.withGlobal(globalThis).install({
    now: REDIS_EPOCH_MS,
    toFake: TO_FAKE,
    loopLimit: TIMER_FIRINGS_MAX,
  });
  try {
    const world = new FcWorld(s, clock, pauses);
    if (pauses.length > 0) wrapTimers(world);
    const failures: unknown[] = [];
    // The scenario's start-up, as written there: retry when a stall outlasts the runtime's 1.5 s connect wait.
    const open = async (owner: string) => {
      for (;;) {
        try {
          return await ClaimQueue.open(new SimRedis(world.transport(owner)) as unknown as Redis, {
            name: "reconcile",
            config: params.queue,
          });
        } catch (error) {
          if (!(error instanceof RedisUnreachableError)) throw error;
          await sleep(params.pollIntervalMs);
        }
      }
    };
    const start = (owner: string, body: () => Promise<void>) => {
      let done = false;
      world.runAs(owner, () =>
        body().then(
          () => {
            done = true;
          },
          (error: unknown) => failures.push(new Error(`${owner}: ${(error as Error).message}`)),
        ),
      );
      return () => done;
    };
    start("producer", async () => {
      const queue = await open("producer");
      await queue.enqueue("deployment-42", { reason: "push" });
      await quit(queue.redis);
    });
    const workers = (["worker-1", "worker-2"] as const).map((name) =>
      start(name, async () => {
        const queue = await open(name);
        const worker = new Worker(
          queue,
          async (item, signal) => {
            for (let step = 1; step <= params.steps; step++) {
              await sleep(params.stepMs);
              if (fenced && signal.aborted) return { retry: "claim lost" };
              const r = await world.call(name, {
                _tag: "Write",
                holder: name,
                token: item.token,
                step,
                fenced,
              });
              if (r._tag === "Stale") return { retry: "a newer claim wrote first" };
            }
            return "ok";
          },
          { holder: name, pollIntervalMs: params.pollIntervalMs },
        );
        await sleep(params.runForMs);
        await worker.close(0);
        await quit(queue.redis);
      }),
    );
    for (let fired = 0; ; fired++) {
      await s.waitIdle();
      await macrotask();
      if (s.count() > 0) continue;
      if (failures.length > 0) throw failures[0];
      if (workers.every((done) => done()) || world.nowMs() > params.horizonMs) break;
      if (clock.countTimers() === 0) break;
      if (fired >= TIMER_FIRINGS_MAX) throw new Error(`fc harness: more than ${TIMER_FIRINGS_MAX} timers`);
      clock.next();
      world.steps++;
    }
    const last = world.lastStepAtMs;
    const violation =
      world.target.staleWrites > 0
        ? "the target never accepts a write from a claim older than one whose write it already took"
        : last === null || last > params.livenessWithinMs
          ? "the target gets the handler's last step"
          : null;
    return { target: world.target, lastStepAtMs: last, steps: world.steps, endMs: world.nowMs(), violation };
  } finally {
    clock.uninstall();
    ownerOf.disable();
  }
}

/**
 * Route the faked timers' callbacks through `world.timer`, remembering which task set each timer (the async
 * context's owner) so a paused worker's timers wait for its pause to end, and run in its context.
 */
function wrapTimers(world: FcWorld): void {
  const g = globalThis as unknown as Record<string, (cb: Action, ms?: number, ...a: unknown[]) => unknown>;
  for (const name of ["setTimeout", "setInterval"] as const) {
    const faked = g[name]!;
    g[name] = (cb: Action, ms?: number, ...args: unknown[]) => {
      const owner = ownerOf.getStore();
      const run = () => cb(...(args as [])); // one closure per timer: an interval deferred by a pause fires once
      return faked(() => world.timer(owner, run), ms);
    };
  }
}
