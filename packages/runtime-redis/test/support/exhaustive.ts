// Exhaustive conformance of the runtime's Lua to the core (issue 19, part 1): the core states the explicit-state
// checker reaches at a small bound, each written into Redis in the runtime's key layout (the machine's codec),
// every event applied through the runtime's script, and the result, effects and next state compared with the
// core's `transition`. Time: the scripts read the server clock (`TIME`) and report the `atMs` they used, which
// is fed to the core, as in the random conformance tests; each state is kept relative to the model's clock and
// shifted onto the server clock just before it is written, with model ticks of `TICK_MS` so that the few ms
// between the write and the script never move a state across an expiry boundary.

import {
  type CheckOptions,
  type CheckResult,
  canonicalKey,
  checkStateSpace,
} from "@interleave/sim/statespace";
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

/** What one script call gave: the server time it used, its result, its effects and the state read back. */
export interface Applied<S, R> {
  readonly atMs: number;
  readonly result: R;
  readonly effects: readonly unknown[];
  readonly state: S;
}

/** A machine as the exhaustive test drives it on Redis. */
export interface RedisMachine<S, E, R> {
  readonly name: string;
  /** Writes `state` (already on the server clock) in the runtime's key layout, replacing what was there. */
  write(redis: Redis, state: S): Promise<void>;
  /** Runs `event` through the runtime's script and reads the state back through the codec. */
  apply(redis: Redis, event: E): Promise<Applied<S, R>>;
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

/**
 * Writes every state of `states` (relative to clock 0) onto the server clock, applies every event of
 * `events(state)` through `machine`, and compares with the core. Stops collecting after `differencesMax`.
 */
export async function compareExhaustively<S, E, R>(
  redis: Redis,
  machine: RedisMachine<S, E, R>,
  states: readonly S[],
  events: (state: S) => readonly E[],
  shift: (state: S, deltaMs: number) => S,
  differencesMax = 20,
): Promise<Summary> {
  const started = performance.now();
  const differences: Difference[] = [];
  let pairs = 0;
  for (const relative of states) {
    for (const event of events(relative)) {
      const state = shift(relative, await serverNowMs(redis));
      await machine.write(redis, state);
      const got = await machine.apply(redis, event);
      const want = machine.transition(state, event, got.atMs);
      pairs++;
      const compare = (what: Difference["what"], core: unknown, runtime: unknown) => {
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
      compare("result", want.result, got.result);
      compare("effects", want.effects, got.effects);
      compare("state", want.state, got.state);
    }
  }
  return {
    machine: machine.name,
    states: states.length,
    pairs,
    elapsedMs: performance.now() - started,
    differences,
  };
}
