// Exhaustive conformance of the runtime's Lua to the core (issue 19, part 1): the core states the explicit-state
// checker reaches at a small bound, each written into Redis in the runtime's key layout (the machine's codec),
// every event applied through the runtime's script, and the result, effects and next state compared with the
// core's `transition`. Time: the scripts read the server clock (`TIME`) and report the `atMs` they used, which
// is fed to the core, as in the random conformance tests; each state is kept relative to the model's clock and
// shifted onto the server clock just before it is written (once per batch of pairs when pipelined), with model
// ticks of `TICK_MS` so that the ms between the shift and the script never move a state across an expiry
// boundary (a pair whose script ran half a tick or more after it is run again alone).
//
// Where the time went (SyncCoordinator, 17,478 pairs, one round trip at a time: about 21 s, 840 pairs/s): six
// round trips a pair — TIME, DEL, HSET, SET, the event's script, the snapshot script — about 85 % of it; the
// core's transition about 3 %. Pipelined (a batch of ≤ 256 pairs sent before any reply is awaited; each state
// written and saved once, restored by one COPY script before each of its events) the round trips are gone and
// the rest is the client's CPU: building the commands, decoding replies, comparing (a structural comparison,
// `canonicalKey` only to name a difference). Large spaces are compared on a seeded sample (`sampleStates`).

import {
  type CheckOptions,
  type CheckResult,
  canonicalKey,
  checkStateSpace,
} from "@interleave/sim/statespace";
import fc from "fast-check";
import type { Redis } from "ioredis";

/** One model tick (ms): far above the ms between writing a state and running a script on a local Redis. */
export const TICK_MS = 1_000;

/** The bounds of a core model: its clock runs from 0 to `nowMaxMs` in steps of {@link TICK_MS}. */
export interface CoreModel<S, E> {
  readonly initial: S;
  /** The events to try at `state` (without `atMs`), in a fixed order. */
  events(state: S): readonly E[];
  /** The core's next state for `event` at `atMs`, or `null` when the model does not enable it (a bound). */
  step(state: S, event: E, atMs: number): S | null;
  /** `state` with every time in it moved by `deltaMs` (times that mean "never set" stay as they are). */
  shift(state: S, deltaMs: number): S;
  readonly nowMaxMs: number;
}

/**
 * The distinct core states `model` reaches (by `checkStateSpace` over states `{ state, nowMs }` with the inputs
 * `events(state)` and a tick), each shifted so that its clock reads 0, deduplicated by canonical key, in BFS
 * order; and the checker's result (its figures).
 */
export function reachableStates<S, E>(
  name: string,
  model: CoreModel<S, E>,
  options: CheckOptions = {},
): { readonly states: readonly S[]; readonly check: CheckResult<{ state: S; nowMs: number }> } {
  type W = { readonly state: S; readonly nowMs: number };
  const seen = new Map<string, S>();
  const check = checkStateSpace<W, E | "tick">(
    {
      name,
      initial: { state: model.initial, nowMs: 0 },
      inputs: (w) => [...model.events(w.state), "tick"],
      next: (w, input) => {
        if (input === "tick")
          return w.nowMs + TICK_MS > model.nowMaxMs ? null : { ...w, nowMs: w.nowMs + TICK_MS };
        const state = model.step(w.state, input, w.nowMs);
        if (state === null) return null;
        return state === w.state ? w : { state, nowMs: w.nowMs };
      },
      invariants: [
        {
          name: "collected",
          holds: (w) => {
            const relative = model.shift(w.state, -w.nowMs);
            const key = canonicalKey(relative);
            if (!seen.has(key)) seen.set(key, relative);
            return true;
          },
        },
      ],
    },
    options,
  );
  return { states: [...seen.values()], check };
}

/** A seeded subset of a state space: which states are compared, and how they were chosen. */
export interface Sample<S> {
  /** The states compared, in the BFS order of `states`. */
  readonly states: readonly S[];
  /** How many states the space had (within its depth bound). */
  readonly of: number;
  /** How many of them were kept because they are within the kept depth (all of them are compared). */
  readonly kept: number;
  readonly seed: number;
}

/**
 * `size` states of `states`: every state of `keep` (those within a smaller depth, so the sample never loses
 * what a smaller bound covered), then the rest drawn uniformly without replacement from the others by a
 * partial Fisher-Yates shuffle over fast-check's PRNG seeded with `seed` (the same subset every run with the
 * same fast-check). All of `states` when `size` covers them.
 */
export function sampleStates<S>(
  states: readonly S[],
  keep: readonly S[],
  size: number,
  seed: number,
): Sample<S> {
  const keepKeys = new Set(keep.map((s) => canonicalKey(s)));
  const chosen = new Set<number>();
  const others: number[] = [];
  states.forEach((s, i) => {
    if (keepKeys.has(canonicalKey(s))) chosen.add(i);
    else others.push(i);
  });
  const kept = chosen.size;
  const draw = Math.max(0, Math.min(size - kept, others.length));
  if (draw > 0) {
    const randoms = fc.sample(fc.integer({ min: 0, max: 0x7fffffff }), { seed, numRuns: draw });
    for (let k = 0; k < draw; k++) {
      const j = k + (randoms[k]! % (others.length - k));
      [others[k], others[j]] = [others[j]!, others[k]!];
      chosen.add(others[k]!);
    }
  }
  return { states: states.filter((_, i) => chosen.has(i)), of: states.length, kept, seed };
}

/**
 * What a run over `sample` covers, as the test header and its printed line say it: "bounded: all N states to
 * depth d" when the sample is the whole space within the depth, else "sampled: K of N states to depth d, seed S
 * (all M to depth k)". Never "verified": that is the checker's word for a whole space.
 */
export function coverage(sample: Sample<unknown>, depth: number, keptDepth: number): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return sample.states.length === sample.of
    ? `bounded: all ${n(sample.of)} states to depth ${depth}`
    : `sampled: ${n(sample.states.length)} of ${n(sample.of)} states to depth ${depth}, seed ${sample.seed} (all ${n(sample.kept)} to depth ${keptDepth})`;
}

/** What one script call gave: the server time it used, its result and its effects. */
export interface Step<R> {
  readonly atMs: number;
  readonly result: R;
  readonly effects: readonly unknown[];
}

/**
 * A machine as the exhaustive test drives it on Redis. With `pipelined`, `write`, `apply` and `read` each send
 * all their commands before they return (no `await` before the last one): the comparison then sends a whole
 * batch of write-apply-read triples at once and Redis runs them in that order on the one connection (one round
 * trip per batch instead of six per pair). Without it each call is awaited in turn.
 */
export interface RedisMachine<S, E, R> {
  readonly name: string;
  readonly pipelined?: boolean;
  /** Every key of the layout `write` writes (required with `pipelined`: each state is saved once, then restored before each of its events). */
  keys?(): readonly string[];
  /** Writes `state` (already on the server clock) in the runtime's key layout, replacing what was there. */
  write(redis: Redis, state: S): Promise<unknown>;
  /** Runs `event` through the runtime's script. */
  apply(redis: Redis, event: E): Promise<Step<R>>;
  /** Reads the state back through the codec. */
  read(redis: Redis): Promise<S>;
  /** The core's transition of `state` under `event` at `atMs`. */
  transition(state: S, event: E, atMs: number): { state: S; result: R; effects: readonly unknown[] };
}

/** A difference between the runtime and the core: the machine, the state (JSON, on the server clock), the event. */
export interface Difference {
  readonly machine: string;
  readonly state: string;
  readonly event: string;
  readonly atMs: number;
  readonly what: "result" | "effects" | "state";
  readonly core: string;
  readonly runtime: string;
}

/** The figures of one exhaustive run. */
export interface Summary {
  readonly machine: string;
  readonly states: number;
  readonly pairs: number;
  readonly elapsedMs: number;
  /** `pipelined` (batches of write-apply-read triples) or `sequential` (six round trips a pair). */
  readonly mode: "pipelined" | "sequential";
  /** The largest `atMs` a script used minus the server time its state was shifted onto (ms). */
  readonly driftMaxMs: number;
  /** Pairs of a pipelined batch whose script ran {@link DRIFT_MAX_MS} or more after its state's time, compared again one by one. */
  readonly redone: number;
  readonly differences: readonly Difference[];
}

/** `d` as one paragraph: the machine, the state and the event named, then the core's and the runtime's value. */
export function formatDifference(d: Difference): string {
  return `${d.machine}: ${d.what} differs\n  state: ${d.state}\n  event: ${d.event} at ${d.atMs}\n  core:    ${d.core}\n  runtime: ${d.runtime}`;
}

/** The server clock in ms (`TIME`). */
async function serverNowMs(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** How many NOSCRIPT errors the server has answered (`INFO errorstats`). */
async function noscriptCount(redis: Redis): Promise<number> {
  const info = await redis.info("errorstats");
  return Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0);
}

/**
 * Same data in the sense of {@link canonicalKey} (object key order and `undefined` members ignored, numbers by
 * `String(n)`) without building the strings: the comparison's fast path, confirmed by `canonicalKey` when it
 * answers "different". Anything but plain data is left to `canonicalKey` (which names it).
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "object" || a === null || isPlain(a) || Array.isArray(a);
  if (typeof a === "number" && typeof b === "number") return String(a) === String(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    if (a.length !== bs.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], bs[i])) return false;
    return true;
  }
  if (!isPlain(a) || !isPlain(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const k of Object.keys(ra)) {
    if (ra[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(rb, k) || !sameData(ra[k], rb[k])) return false;
  }
  for (const k of Object.keys(rb)) if (rb[k] !== undefined) defined--;
  return defined === 0;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Copies each of the first half of KEYS to the key of the second half at its index (deleting it when absent). */
const COPY_KEYS_LUA = `local n = #KEYS / 2
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('COPY', KEYS[i], KEYS[n + i], 'REPLACE')
  else redis.call('DEL', KEYS[n + i]) end
end
return 1`;
const SAVED_SUFFIX = ":exhaustive-saved";

/** Runs {@link COPY_KEYS_LUA} (registered on `redis` as `exhaustiveCopyKeys`) from `from` to `to`. */
function copyKeys(redis: Redis, from: readonly string[], to: readonly string[]): Promise<unknown> {
  const commands = redis as unknown as Record<string, ((...a: unknown[]) => Promise<unknown>) | undefined>;
  if (commands.exhaustiveCopyKeys === undefined) {
    redis.defineCommand("exhaustiveCopyKeys", { lua: COPY_KEYS_LUA });
  }
  return commands.exhaustiveCopyKeys!.call(redis, from.length * 2, ...from, ...to);
}

/**
 * How long after the time its state was shifted to a script may run (half a tick): later, a state could have
 * crossed an expiry of the model, so the pair is run again (never failed: a slow machine must not turn a
 * correct runtime red).
 */
export const DRIFT_MAX_MS = TICK_MS / 2;

/** The pairs one pipelined batch sends at most (its states share one `TIME`). */
export const BATCH_PAIRS_MAX = 256;

/** The options of {@link compareExhaustively}. */
export interface CompareOptions {
  /** Stop collecting differences after this many (default 20). */
  readonly differencesMax?: number;
  /** Pipeline (default: the machine's `pipelined`; `EXHAUSTIVE_PIPELINE=0` turns it off, to measure). */
  readonly pipelined?: boolean;
}

/**
 * Writes every state of `states` (relative to clock 0) onto the server clock, applies every event of
 * `events(state)` through `machine`, and compares with the core. Stops collecting after `differencesMax`.
 *
 * Pipelined, the pairs go in batches of at most {@link BATCH_PAIRS_MAX}: one `TIME`, then per state its write
 * (shifted to that time plus the local ms since) and a save, per pair a restore, the event's script and the
 * read-back, all sent before any reply is awaited. A script sent while
 * the server lacks it would be re-sent by ioredis after its NOSCRIPT error, out of order: so the first pair of
 * each event `_tag` runs first, alone (loading its scripts), and the run throws if the server answered any
 * NOSCRIPT during the batches. A script runs some ms after its state's time (the batch queues up on the server): a
 * pair whose script ran {@link DRIFT_MAX_MS} or more after it is compared again alone.
 */
export async function compareExhaustively<S, E, R>(
  redis: Redis,
  machine: RedisMachine<S, E, R>,
  states: readonly S[],
  events: (state: S) => readonly E[],
  shift: (state: S, deltaMs: number) => S,
  options: CompareOptions = {},
): Promise<Summary> {
  const differencesMax = options.differencesMax ?? 20;
  const pipelined =
    (options.pipelined ?? machine.pipelined ?? false) && process.env.EXHAUSTIVE_PIPELINE !== "0";
  const started = performance.now();
  const differences: Difference[] = [];
  let pairs = 0;
  let driftMaxMs = 0;
  const compare = (state: S, event: E, got: Step<R>, read: S, shiftedMs: number) => {
    const want = machine.transition(state, event, got.atMs);
    pairs++;
    driftMaxMs = Math.max(driftMaxMs, got.atMs - shiftedMs);
    const one = (what: Difference["what"], core: unknown, runtime: unknown) => {
      if (sameData(core, runtime)) return;
      const c = canonicalKey(core);
      const r = canonicalKey(runtime);
      if (c !== r && differences.length < differencesMax) {
        differences.push({
          machine: machine.name,
          state: JSON.stringify(state),
          event: JSON.stringify(event),
          atMs: got.atMs,
          what,
          core: c,
          runtime: r,
        });
      }
    };
    one("result", want.result, got.result);
    one("effects", want.effects, got.effects);
    one("state", want.state, read);
  };
  let redone = 0;
  const sequential = async (relative: S, event: E, count: boolean) => {
    for (let attempt = 1; ; attempt++) {
      const nowMs = await serverNowMs(redis);
      const state = shift(relative, nowMs);
      await machine.write(redis, state);
      const got = await machine.apply(redis, event);
      const read = await machine.read(redis);
      if (got.atMs - nowMs < DRIFT_MAX_MS) {
        if (count) compare(state, event, got, read, nowMs);
        return;
      }
      // The machine stalled between TIME and the script: compare it again rather than at another time.
      if (attempt === 5) {
        throw new Error(
          `${machine.name}: the script ran ${got.atMs - nowMs} ms after its state's time, 5 times running`,
        );
      }
    }
  };
  if (!pipelined) {
    for (const relative of states)
      for (const event of events(relative)) await sequential(relative, event, true);
  } else {
    const tags = new Set<string>();
    for (const relative of states) {
      for (const event of events(relative)) {
        const tag = String((event as { _tag?: unknown })._tag ?? JSON.stringify(event));
        if (tags.has(tag)) continue;
        tags.add(tag);
        await sequential(relative, event, false);
      }
    }
    if (machine.keys === undefined) throw new Error(`${machine.name}: a pipelined machine names its keys`);
    const live = machine.keys();
    const saved = live.map((k) => `${k}${SAVED_SUFFIX}`);
    await copyKeys(redis, live, saved);
    const noscriptBefore = await noscriptCount(redis);
    let i = 0;
    while (i < states.length) {
      const batch: S[] = [];
      let size = 0;
      while (
        i < states.length &&
        (batch.length === 0 || size + events(states[i]!).length <= BATCH_PAIRS_MAX)
      ) {
        size += events(states[i]!).length;
        batch.push(states[i++]!);
      }
      const timeMs = await serverNowMs(redis);
      const timeAt = performance.now();
      const sent: {
        relative: S;
        state: S;
        nowMs: number;
        event: E;
        reply: Promise<[unknown, Step<R>, S]>;
      }[] = [];
      for (const relative of batch) {
        // The server's clock now, no later than it is (TIME was read before `timeAt`, the state runs after).
        const nowMs = timeMs + Math.floor(performance.now() - timeAt);
        const state = shift(relative, nowMs);
        const written = Promise.all([machine.write(redis, state), copyKeys(redis, live, saved)]);
        written.catch(() => {});
        for (const event of events(relative)) {
          const w = Promise.all([written, copyKeys(redis, saved, live)]);
          const a = machine.apply(redis, event);
          const r = machine.read(redis);
          sent.push({ relative, state, nowMs, event, reply: Promise.all([w, a, r]) });
        }
      }
      const replies = await Promise.all(sent.map((p) => p.reply));
      const late: number[] = [];
      replies.forEach(([, got, read], k) => {
        const { state, nowMs, event } = sent[k]!;
        if (got.atMs - nowMs < DRIFT_MAX_MS) compare(state, event, got, read, nowMs);
        else late.push(k);
      });
      // A batch whose scripts ran too long after its TIME (a loaded machine): those pairs again, one by one.
      for (const k of late) await sequential(sent[k]!.relative, sent[k]!.event, true);
      redone += late.length;
    }
    const noscriptAfter = await noscriptCount(redis);
    if (noscriptAfter !== noscriptBefore) {
      throw new Error(
        `${machine.name}: ${noscriptAfter - noscriptBefore} NOSCRIPT replies during the pipelined batches (a script re-sent out of order): the comparison is void`,
      );
    }
  }
  return {
    machine: machine.name,
    states: states.length,
    pairs,
    elapsedMs: performance.now() - started,
    mode: pipelined ? "pipelined" : "sequential",
    driftMaxMs,
    redone,
    differences,
  };
}
