/**
 * What a task's code sees of time and chance inside a simulated run, and the determinism guard.
 *
 * While a run with async tasks is in progress the process's globals are replaced by dispatchers: code running in
 * a task — found through an `AsyncLocalStorage` whose store ({@link TaskScope}) every call into a task carries,
 * and which promise continuations inherit — gets the world's clock: `setTimeout`/`setInterval`/`setImmediate`
 * (and their `clear…`) become the task's virtual timers, `Date`/`Date.now()` the world's wall clock (plus the
 * task's clock skew), `performance.now()` and `process.hrtime` the world's monotonic clock. Code outside every
 * task (the explorer itself, the test runner) gets the real ones, so nothing else in the process is disturbed.
 *
 * The guard: `Math.random`, `crypto.randomUUID`/`getRandomValues`/`randomBytes`/`randomInt` called from a task
 * throw a {@link DeterminismError} naming the call site; an `async_hooks` hook notices a real timer, socket, file
 * or child process created from a task (a `setTimeout` captured before the run, `node:timers`, `net.connect`, …)
 * and the world fails the run with a {@link DeterminismError} after the step. Not caught: a clock or a random
 * source captured before the run started (a saved `Date.now`), and native code's own threads.
 *
 * @sinonjs/fake-timers was considered: it replaces the globals for the whole process with one timer queue fired
 * in time order, which cannot express what the world needs — each timer belongs to a task (a pause freezes it,
 * a crash cancels it, its firing is a scheduling decision among others) and code outside the run must keep the
 * real clock.
 */
import { AsyncLocalStorage, createHook } from "node:async_hooks";
import { createRequire, syncBuiltinESMExports } from "node:module";

// The CommonJS module object: writable, unlike an ES namespace; syncBuiltinESMExports carries the changes to
// the named exports `import { randomUUID } from "node:crypto"` sees.
const nodeCrypto = createRequire(import.meta.url)("node:crypto") as Record<string, unknown>;

/** What the globals ask the run a task belongs to (implemented by the run's task table). */
export interface ScopeHost {
  /** Whether `scope` is the live incarnation of its task in the run in progress. */
  live(scope: TaskScope): boolean;
  /** A virtual timer of `scope`'s task: `ms` after now (interval: every `ms`), `immediate`: at this instant. */
  setTimer(scope: TaskScope, callback: () => void, ms: number, repeat: boolean, immediate: boolean): SimTimer;
  clearTimer(timer: SimTimer): void;
  /** A live timer of this run by its numeric id (`clearTimeout(Number(handle))` works as in Node). */
  timerById(id: number): SimTimer | undefined;
  /** Virtual ms since the run started (the monotonic clock). */
  nowMs(): number;
  /** The task's wall clock (ms since the epoch, with its skew). */
  wallMs(scope: TaskScope): number;
  /** Note a real resource created or a random source used by `scope`'s task (the first one fails the run). */
  offence(scope: TaskScope, error: DeterminismError): void;
}

/** The store of the async context: which task (and which incarnation of it, in which run) the code belongs to. */
export interface TaskScope {
  readonly host: ScopeHost;
  readonly task: string;
}

/** A virtual timer handle, shaped like Node's `Timeout` (ref/unref/hasRef/refresh, a numeric primitive). */
export class SimTimer {
  refed = true;
  constructor(
    readonly id: number,
    readonly host: ScopeHost | null,
    readonly restart: (() => void) | null,
  ) {}
  ref(): this {
    this.refed = true;
    return this;
  }
  unref(): this {
    this.refed = false;
    return this;
  }
  hasRef(): boolean {
    return this.refed;
  }
  refresh(): this {
    this.restart?.();
    return this;
  }
  close(): this {
    this.host?.clearTimer(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/**
 * Something a task did that a run cannot replay: a random source, or a real timer, socket or file. `source`
 * names it (`Math.random()`, `a real Timeout`, …), `task` the task, `site` the first stack frame outside the
 * simulator.
 */
export class DeterminismError extends Error {
  override readonly name = "DeterminismError";
  constructor(
    readonly source: string,
    readonly task: string,
    readonly site: string,
  ) {
    super(
      `task "${task}" used ${source} inside a simulated run (${site}): a run must be a function of its decisions — take time from the globals the world replaces, and randomness or ids from the scenario`,
    );
  }
}

/** The async context every call into a task runs in. */
export const scopes = new AsyncLocalStorage<TaskScope>();

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  Date: globalThis.Date,
  hrtime: process.hrtime,
  random: Math.random,
};

function current(): TaskScope | undefined {
  return scopes.getStore();
}

function liveScope(): TaskScope | undefined {
  const s = scopes.getStore();
  return s !== undefined && s.host.live(s) ? s : undefined;
}

/** The first stack frame outside the simulator and Node's internals. */
function site(skip: number): string {
  const lines = (new Error().stack ?? "").split("\n").slice(1 + skip);
  const frame = lines.find(
    (l) => !l.includes("node:") && !l.includes("/sim/src/async/") && !l.includes("/sim/dist/async/"),
  );
  return frame === undefined ? "no stack frame outside the simulator" : frame.trim().replace(/^at /, "at ");
}

function trap(source: string, original: (...args: never[]) => unknown) {
  return function trapped(this: unknown, ...args: never[]): unknown {
    const s = current();
    if (s === undefined || !s.host.live(s)) return original.apply(this, args);
    const error = new DeterminismError(source, s.task, site(1));
    s.host.offence(s, error);
    throw error;
  };
}

function timerFn(repeat: boolean, immediate: boolean, realFn: (...a: never[]) => unknown) {
  return function simTimer(this: unknown, callback: unknown, ...rest: unknown[]): unknown {
    const s = current();
    if (s === undefined) return realFn.apply(this, [callback, ...rest] as never[]);
    if (typeof callback !== "function")
      throw new TypeError('The "callback" argument must be of type function');
    const args = immediate ? rest : rest.slice(1);
    const fn = () => (callback as (...a: unknown[]) => void)(...args);
    const ms = immediate ? 0 : Number(rest[0]);
    return s.host.setTimer(s, fn, ms, repeat, immediate);
  };
}

function clearFn(realFn: (handle: never) => void) {
  return function simClear(handle: unknown): void {
    if (handle instanceof SimTimer) handle.host?.clearTimer(handle);
    else if (typeof handle === "number" && current() !== undefined)
      current()!.host.timerById(handle)?.close();
    else realFn(handle as never);
  };
}

function SimDate(this: unknown, ...args: unknown[]): unknown {
  const s = liveScope();
  const now = s === undefined ? real.Date.now() : s.host.wallMs(s);
  if (new.target === undefined) return new real.Date(now).toString();
  return Reflect.construct(real.Date, args.length === 0 ? [now] : args, new.target);
}
SimDate.prototype = real.Date.prototype;
Object.assign(SimDate, {
  now: () => {
    const s = liveScope();
    return s === undefined ? real.Date.now() : s.host.wallMs(s);
  },
  parse: real.Date.parse,
  UTC: real.Date.UTC,
});

const realPerformanceNow = performance.now.bind(performance);
function simPerformanceNow(): number {
  const s = liveScope();
  return s === undefined ? realPerformanceNow() : s.host.nowMs();
}

function simHrtime(time?: [number, number]): [number, number] {
  const s = liveScope();
  if (s === undefined) return real.hrtime(time);
  const ns = BigInt(s.host.nowMs()) * 1_000_000n;
  let sec = Number(ns / 1_000_000_000n);
  let nsec = Number(ns % 1_000_000_000n);
  if (time !== undefined) {
    sec -= time[0];
    nsec -= time[1];
    if (nsec < 0) {
      sec--;
      nsec += 1_000_000_000;
    }
  }
  return [sec, nsec];
}
simHrtime.bigint = (): bigint => {
  const s = liveScope();
  return s === undefined ? realHrtimeBigint() : BigInt(s.host.nowMs()) * 1_000_000n;
};
const realHrtimeBigint = process.hrtime.bigint;

/** Resource types the guard treats as real time or real I/O when a task creates one. */
const REAL_RESOURCES: Readonly<Record<string, string>> = {
  Timeout: "a real timer (setTimeout/setInterval not through the global the world replaces)",
  Immediate: "a real setImmediate",
  TCPWRAP: "a real TCP socket",
  TCPCONNECTWRAP: "a real TCP connection",
  PIPEWRAP: "a real pipe",
  PIPECONNECTWRAP: "a real pipe connection",
  UDPWRAP: "a real UDP socket",
  GETADDRINFOREQWRAP: "a real DNS lookup",
  QUERYWRAP: "a real DNS query",
  FSREQCALLBACK: "real file I/O",
  FSREQPROMISE: "real file I/O",
  FILEHANDLE: "a real file handle",
  PROCESSWRAP: "a real child process",
  TLSWRAP: "a real TLS socket",
  HTTPCLIENTREQUEST: "a real HTTP request",
};

const hook = createHook({
  init(_id, type) {
    const what = REAL_RESOURCES[type];
    if (what === undefined) return;
    const s = current();
    if (s === undefined || !s.host.live(s)) return;
    s.host.offence(s, new DeterminismError(what, s.task, site(0)));
  },
});

const cryptoNames = ["randomUUID", "getRandomValues", "randomBytes", "randomInt"] as const;
/** How to put back what {@link acquireGlobals} replaced on the crypto objects. */
const restores: (() => void)[] = [];

/** Replace `obj[name]` by a trap when it is a function; remember how to restore it. */
function trapProperty(obj: object | undefined, name: string, label: string): void {
  if (obj === undefined) return;
  const desc = Object.getOwnPropertyDescriptor(obj, name);
  const original = (obj as Record<string, unknown>)[name];
  if (typeof original !== "function" || desc === undefined || desc.configurable !== true) return;
  const fn = original.bind(obj) as (...a: never[]) => unknown;
  Object.defineProperty(obj, name, {
    configurable: true,
    enumerable: desc.enumerable ?? true,
    writable: true,
    value: trap(label, fn),
  });
  restores.push(() => Object.defineProperty(obj, name, desc));
}

let installed = 0;

/**
 * Replace the globals (see the module comment). Counted: each call needs one {@link releaseGlobals}; the real
 * globals come back at the last.
 */
export function acquireGlobals(): void {
  if (installed > 0) {
    installed++;
    return;
  }
  const g = globalThis as unknown as Record<string, unknown>;
  g.setTimeout = timerFn(false, false, real.setTimeout as never);
  g.setInterval = timerFn(true, false, real.setInterval as never);
  g.setImmediate = timerFn(false, true, real.setImmediate as never);
  g.clearTimeout = clearFn(real.clearTimeout as never);
  g.clearInterval = clearFn(real.clearInterval as never);
  g.clearImmediate = clearFn(real.clearImmediate as never);
  g.Date = SimDate;
  (performance as unknown as { now: () => number }).now = simPerformanceNow;
  process.hrtime = simHrtime as typeof process.hrtime;
  Math.random = trap("Math.random()", real.random) as () => number;
  for (const name of cryptoNames) {
    trapProperty(nodeCrypto, name, `crypto.${name}()`);
    trapProperty(globalThis.crypto, name, `crypto.${name}()`);
  }
  syncBuiltinESMExports();
  hook.enable();
  installed = 1;
}

/** Undo one {@link acquireGlobals}. */
export function releaseGlobals(): void {
  if (installed === 0 || --installed > 0) return;
  hook.disable();
  Object.assign(globalThis, {
    setTimeout: real.setTimeout,
    setInterval: real.setInterval,
    setImmediate: real.setImmediate,
    clearTimeout: real.clearTimeout,
    clearInterval: real.clearInterval,
    clearImmediate: real.clearImmediate,
    Date: real.Date,
  });
  delete (performance as unknown as { now?: unknown }).now;
  process.hrtime = real.hrtime;
  Math.random = real.random;
  for (const restore of restores.splice(0)) restore();
  syncBuiltinESMExports();
  scopes.disable();
}
