/**
 * What the shrinker (./shrink.ts) runs and compares: a candidate's decisions, the lenient choosers that replay
 * one (per label, by position, or a prefix followed by a re-seeded random tail), the cache keys of tried
 * candidates, and the order in which one counterexample is smaller than another. Pure: no I/O, no clock.
 */
import type { Chooser, Decision, DecisionRequest } from "../strategy/chooser.js";
import { RandomChooser } from "../strategy/random.js";

/**
 * One decision of a candidate: which choice point (`label`) and the index to take there; for a `pick`, the
 * process names it chose among (`options`), so that a per-label replay can pick the same process by name.
 */
export interface Entry {
  readonly label: string;
  readonly choice: number;
  readonly options?: readonly string[] | undefined;
}

/** The process a pick entry chose, by name (undefined for other decisions). */
const chosenName = (e: Entry): string | undefined => e.options?.[e.choice];

/**
 * Replays a candidate leniently, by position: the i-th request takes `min(choice_i, count − 1)` while the
 * candidate lasts, then 0. Labels are not checked, so a candidate with decisions removed or lowered still runs.
 */
export class PositionalChooser implements Chooser {
  private index = 0;
  constructor(private readonly entries: readonly Entry[]) {}
  choose(request: DecisionRequest): number {
    const e = this.entries[this.index++];
    return e === undefined ? 0 : Math.min(e.choice, request.count - 1);
  }
}

/**
 * Replays a candidate leniently, per label: the k-th request labelled L takes `min(choice, count − 1)` of the
 * k-th entry labelled L, then 0; a pick takes the process of the same name when it is among the request's
 * options. Removing a crash (and its restart delay) or another process's decision then leaves every other
 * choice point's choices where they were, which a positional replay would shift.
 */
export class LabelledChooser implements Chooser {
  private readonly streams = new Map<string, Entry[]>();
  private readonly cursors = new Map<string, number>();
  constructor(entries: readonly Entry[]) {
    for (const e of entries) {
      const stream = this.streams.get(e.label);
      if (stream === undefined) this.streams.set(e.label, [e]);
      else stream.push(e);
    }
  }
  choose(request: DecisionRequest): number {
    const k = this.cursors.get(request.label) ?? 0;
    this.cursors.set(request.label, k + 1);
    const e = this.streams.get(request.label)?.[k];
    if (e === undefined) return 0;
    const name = chosenName(e);
    const byName = name === undefined ? -1 : (request.options?.indexOf(name) ?? -1);
    return byName >= 0 ? byName : Math.min(e.choice, request.count - 1);
  }
}

/**
 * A re-seeded tail: the first `prefix.length` requests replay `prefix` by position (clamped), every later one
 * is drawn by a {@link RandomChooser} of `seed` — a fresh random continuation of a known-good start.
 */
export class TailChooser implements Chooser {
  private index = 0;
  private readonly random: RandomChooser;
  constructor(
    private readonly prefix: readonly Entry[],
    seed: number,
  ) {
    this.random = new RandomChooser(seed);
  }
  choose(request: DecisionRequest): number {
    const e = this.prefix[this.index++];
    return e === undefined ? this.random.choose(request) : Math.min(e.choice, request.count - 1);
  }
}

/** Trailing zeros are what a lenient chooser gives anyway, so they are dropped from cache keys. */
function trimmed(choices: readonly (number | string)[]): string {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  return choices.slice(0, end).join(",");
}

/** The cache key of a candidate replayed by position. */
export function positionalKey(entries: readonly Entry[]): string {
  return `p:${trimmed(entries.map((e) => e.choice))}`;
}

/** The cache key of a candidate replayed per label (independent of how the labels interleave). */
export function labelledKey(entries: readonly Entry[]): string {
  const streams = new Map<string, (number | string)[]>();
  for (const e of entries) {
    const v = chosenName(e) ?? e.choice;
    const stream = streams.get(e.label);
    if (stream === undefined) streams.set(e.label, [v]);
    else stream.push(v);
  }
  const parts = [...streams]
    .map(([label, cs]) => `${JSON.stringify(label)}=${trimmed(cs)}`)
    .filter((p) => !p.endsWith("="));
  return `l:${parts.sort().join(";")}`;
}

/** A counterexample as the shrinker ranks it: its steps and its recorded decisions. */
export interface Ranked {
  readonly steps: number;
  readonly decisions: readonly Decision[];
}

/**
 * `a` before `b`: fewer steps first (the length a reader sees), then fewer decisions, then the lexicographically
 * smaller choices. A well-order on runs (steps and decisions are naturals, choices bounded), so a shrinker that
 * only ever moves down it terminates.
 */
export function smaller(a: Ranked, b: Ranked): boolean {
  if (a.steps !== b.steps) return a.steps < b.steps;
  const x = a.decisions;
  const y = b.decisions;
  if (x.length !== y.length) return x.length < y.length;
  for (let i = 0; i < x.length; i++) if (x[i]!.choice !== y[i]!.choice) return x[i]!.choice < y[i]!.choice;
  return false;
}

export const isFault = (label: string): boolean => label.startsWith("fault ");
export const isDelay = (label: string): boolean => label !== "pick" && !isFault(label);
