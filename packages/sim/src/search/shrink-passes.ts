/**
 * The passes of one shrink (see `shrinkTrace` in ./shrink.ts for the algorithm as a whole): the budget, the
 * cache of tried candidates, the best counterexample so far, and the moves that try to make it smaller. Each
 * candidate is a run of the world, so the passes are generators ({@link Sim}) that a sync or an async driver
 * runs. No I/O; the clock is read only for the optional time budget.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Sim } from "../model/world/drive.js";
import type { Build, RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import { type Chooser, type Decision, mix32 } from "../strategy/chooser.js";
import {
  type Entry,
  isDelay,
  isFault,
  LabelledChooser,
  labelledKey,
  PositionalChooser,
  positionalKey,
  smaller,
  TailChooser,
} from "./shrink-candidates.js";

/** Candidate runs one shrink may spend on sideways and random moves out of local minima, in all. */
const ESCAPE_RUNS_MAX = 300;

/** Candidate runs a sideways move may spend on shrinking itself before it is compared with the best. */
const LATERAL_RUNS_MAX = 150;

/** Pairs of named choices are tried sideways only while a counterexample has at most this many. */
const LATERAL_PAIRS_NAMED_MAX = 6;

/** {@link Shrinker.everyValue}: the largest counterexample (decisions) it runs on, the options per decision. */
const EVERY_VALUE_SIZE_MAX = 40;
const EVERY_VALUE_OPTIONS_MAX = 16;

/** Random moves in a row that may miss before the shrink stops at a local minimum. */
const MUTATION_MISSES_MAX = 100;

/**
 * One shrink: the budget, the cache of tried candidates, the best so far, and the passes over it. The passes are
 * generators ({@link Sim}) because each candidate is a run of the world, which may have async tasks.
 */
export class Shrinker {
  attempts = 1;
  accepted = 0;
  exhausted = false;
  /** The decisions of the smallest counterexample so far (the canonical form of the best candidate). */
  best: readonly Decision[];
  /** Its steps. */
  bestSteps: number;
  private round = 0;
  /** Inside {@link lateral}'s re-shrink of a sideways move: no lateral moves or random moves there. */
  private nested = false;
  private escapeRunsLeft = ESCAPE_RUNS_MAX;
  private tried = new Set<string>();
  private readonly deadline: number;

  constructor(
    private readonly build: Build,
    private readonly property: string,
    private readonly seed: number,
    private runsMax: number,
    private readonly swarm: boolean,
    timeBudgetMs: number,
    baseline: RunResult,
  ) {
    this.deadline = performance.now() + timeBudgetMs;
    this.best = baseline.decisions;
    this.bestSteps = baseline.steps;
    this.tried.add(positionalKey(this.best));
    this.tried.add(labelledKey(this.best));
  }

  get size(): number {
    return this.best.length;
  }

  /** Try a candidate replayed per label, then (if rejected) by position. Returns whether it was accepted. */
  *attempt(entries: readonly Entry[]): Sim<boolean> {
    if (yield* this.attemptWith(labelledKey(entries), () => new LabelledChooser(entries))) return true;
    return yield* this.attemptWith(positionalKey(entries), () => new PositionalChooser(entries));
  }

  /**
   * Run a candidate (unless tried before or the budget is spent); accept it as the new best iff it breaks the
   * same property and is {@link smaller} than the best: fewer steps, else as many steps and fewer decisions,
   * else the same counts and lexicographically smaller choices.
   */
  private *attemptWith(key: string, chooser: () => Chooser): Sim<boolean> {
    if (this.tried.has(key) || this.exhausted) return false;
    if (this.attempts >= this.runsMax || performance.now() > this.deadline) {
      this.exhausted = true;
      return false;
    }
    this.tried.add(key);
    this.attempts++;
    let run: RunResult;
    try {
      run = yield* runWorldGen(this.build, chooser(), { stepsMax: this.bestSteps + 1, swarm: this.swarm });
    } catch {
      // A candidate schedule on which the scenario throws fails differently: it is not this counterexample.
      return false;
    }
    if (run.violation?.property !== this.property) return false;
    if (!smaller(run, { steps: this.bestSteps, decisions: this.best })) return false;
    this.best = run.decisions;
    this.bestSteps = run.steps;
    this.tried.add(positionalKey(this.best));
    this.tried.add(labelledKey(this.best));
    this.accepted++;
    return true;
  }

  /**
   * Passes in order, repeated until a whole round accepts nothing or the budget is spent. The cheap, usually
   * successful ones first (faults off, delays at their first option, the tail cut, process steps removed, ddmin,
   * each decision lowered); then the ones that look for fewer steps elsewhere: each delay raised (a longer sleep
   * can stand for many short polls before a deadline) and, when a whole round accepted nothing, random moves.
   */
  *run(): Sim<void> {
    for (;;) {
      const before = this.accepted;
      yield* this.zeroFaults();
      yield* this.zeroDelays();
      yield* this.truncate();
      yield* this.starveProcesses();
      yield* this.deleteChunks();
      yield* this.lowerEach();
      yield* this.raiseDelays();
      yield* this.everyValue();
      if (this.accepted === before && !this.nested) yield* this.escape();
      this.round++;
      if (this.accepted === before || this.exhausted) return;
    }
  }

  /**
   * Set fault decisions to "none" (index 0), all at once, then one at a time. A pause or crash is followed by
   * its drawn duration (`pause <node> ms` / `restart <node> ms`), which "none" does not ask for, so that
   * decision is removed too (and, failing that, kept).
   */
  private *zeroFaults(): Sim<void> {
    const all = this.best.flatMap((d, i) => (isFault(d.label) && d.choice > 0 ? [i] : []));
    if (all.length === 0) return;
    if (!(yield* this.attempt(this.withFaultsZeroed(all, true))))
      yield* this.attempt(this.withFaultsZeroed(all, false));
    for (let i = 0; i < this.size && !this.exhausted; i++) {
      const d = this.best[i]!;
      if (!isFault(d.label) || d.choice === 0) continue;
      if (!(yield* this.attempt(this.withFaultsZeroed([i], true))))
        yield* this.attempt(this.withFaultsZeroed([i], false));
    }
  }

  private withFaultsZeroed(indices: readonly number[], dropDuration: boolean): Entry[] {
    const out: Entry[] = [...this.best];
    for (const i of [...indices].sort((a, b) => b - a)) {
      const label = out[i]!.label;
      out[i] = { label, choice: 0 };
      const node = label.slice("fault ".length);
      const next = out[i + 1]?.label;
      if (dropDuration && (next === `pause ${node} ms` || next === `restart ${node} ms`))
        out.splice(i + 1, 1);
    }
    return out;
  }

  /** Draw every delay (and `choose`) at its first option — the shortest delay of a `uniform` — at once. */
  private *zeroDelays(): Sim<void> {
    const ds = this.best;
    if (!ds.some((d) => isDelay(d.label) && d.choice > 0)) return;
    yield* this.attempt(ds.map((d) => (isDelay(d.label) ? { label: d.label, choice: 0 } : d)));
  }

  /**
   * Cut the tail: the shortest prefix (binary search, then zeros after it) that still fails. The run stops at
   * its violation, so decisions after it are never asked for; this finds tails that do not matter either.
   */
  private *truncate(): Sim<void> {
    let lo = 0;
    let hi = this.size;
    while (lo < hi && !this.exhausted) {
      const mid = (lo + hi) >> 1;
      if (yield* this.attempt(this.best.slice(0, mid))) hi = Math.min(mid, this.size);
      else lo = mid + 1;
    }
  }

  /**
   * Remove a process's steps: for each process a `pick` chose (in order of first appearance), every pick of it
   * goes to the first other option instead — the process runs only when nothing else can, so its steps drop out
   * of the run unless the violation needs them.
   */
  private *starveProcesses(): Sim<void> {
    const names: string[] = [];
    for (const d of this.best) {
      const name = d.label === "pick" ? d.options?.[d.choice] : undefined;
      if (name !== undefined && !names.includes(name)) names.push(name);
    }
    for (const name of names) {
      if (this.exhausted) return;
      const ds = this.best;
      yield* this.attempt(
        ds.map((d) => {
          if (d.label !== "pick" || d.options?.[d.choice] !== name) return d;
          return { ...d, choice: d.choice === 0 ? 1 : 0 };
        }),
      );
    }
  }

  /** ddmin-style removal of aligned chunks of decisions: halves, quarters, …, single decisions; tail first. */
  private *deleteChunks(): Sim<void> {
    for (let size = this.size >> 1; size >= 1 && !this.exhausted; size >>= 1) {
      for (let i = this.size - size; i >= 0 && !this.exhausted; ) {
        const ds = this.best;
        yield* this.attempt([...ds.slice(0, i), ...ds.slice(i + size)]);
        i = Math.min(i - size, this.size - size);
      }
    }
  }

  /** Lower each decision: to 0, else to choice − 1 and then binary search for the lowest that still fails. */
  private *lowerEach(): Sim<void> {
    for (let i = 0; i < this.size && !this.exhausted; i++) {
      const v = this.best[i]!.choice;
      if (v === 0 || (yield* this.attempt(this.withChoice(i, 0))) || v < 2) continue;
      if (!(yield* this.attempt(this.withChoice(i, v - 1)))) continue;
      let lo = 0;
      let hi = v - 1;
      while (hi - lo > 1 && !this.exhausted) {
        const mid = (lo + hi) >> 1;
        if (yield* this.attempt(this.withChoice(i, mid))) hi = mid;
        else lo = mid;
      }
    }
  }

  /**
   * Small counterexamples only (at most {@link EVERY_VALUE_SIZE_MAX} decisions): each delay and named choice
   * set to each of its other options (at most {@link EVERY_VALUE_OPTIONS_MAX} of them, spread evenly) — a
   * delay may have to grow, not shrink, for two steps to meet sooner.
   */
  private *everyValue(): Sim<void> {
    if (this.size > EVERY_VALUE_SIZE_MAX) return;
    for (let i = 0; i < this.size && !this.exhausted; i++) {
      const d = this.best[i]!;
      if (!isDelay(d.label)) continue;
      const step = Math.max(1, Math.ceil(d.count / EVERY_VALUE_OPTIONS_MAX));
      for (let v = 0; v < d.count && !this.exhausted; v += step) {
        if (v !== this.best[i]!.choice && (yield* this.attempt(this.withChoice(i, v)))) break;
      }
    }
  }

  /**
   * Raise each delay to its last option, all at once, then one at a time (accepted only with fewer steps):
   * a violation at a deadline needs time to pass, and one long sleep takes fewer steps than many short polls.
   */
  private *raiseDelays(): Sim<void> {
    const raisable = (d: Decision) => isDelay(d.label) && d.choice < d.count - 1;
    if (!this.best.some(raisable)) return;
    yield* this.attempt(this.best.map((d) => (raisable(d) ? { label: d.label, choice: d.count - 1 } : d)));
    for (let i = 0; i < this.size && !this.exhausted; i++) {
      const d = this.best[i]!;
      if (raisable(d)) yield* this.attempt(this.withChoice(i, d.count - 1));
    }
  }

  /**
   * Out of a local minimum, within what is left of {@link ESCAPE_RUNS_MAX}: sideways moves, then random ones.
   */
  private *escape(): Sim<void> {
    if (this.escapeRunsLeft <= 0 || this.exhausted) return;
    const start = this.attempts;
    const runsMax = this.runsMax;
    this.runsMax = Math.min(runsMax, start + this.escapeRunsLeft);
    const before = this.accepted;
    yield* this.lateral();
    if (this.accepted === before) yield* this.mutate();
    this.escapeRunsLeft -= this.attempts - start;
    this.runsMax = runsMax;
    this.exhausted = this.attempts >= runsMax;
  }

  /**
   * Sideways moves out of a local minimum: each named choice (`choose`, e.g. a handler's outcome) set to each of
   * its other options. A candidate that still breaks the property, however long, is shrunk by the passes above
   * (no sideways or random moves inside) within {@link LATERAL_RUNS_MAX} runs; the result replaces the best only
   * when it is smaller. Another outcome often opens a shorter path to the same violation than any shrink of this
   * one (a sync that fails at once instead of one that must be overtaken).
   */
  private *lateral(): Sim<void> {
    const named = this.best.flatMap((d, i) =>
      d.label === "pick" || isFault(d.label) || d.options === undefined ? [] : [i],
    );
    const moves: Entry[][] = [];
    for (const i of named) for (const v of this.others(i)) moves.push(this.withChoice(i, v));
    // pairs of named choices too, while there are few: two outcomes may have to change together
    if (named.length <= LATERAL_PAIRS_NAMED_MAX) {
      for (const [a, i] of named.entries()) {
        for (const j of named.slice(a + 1)) {
          for (const v of this.others(i)) {
            for (const w of this.others(j)) {
              const out = this.withChoice(i, v);
              out[j] = { ...out[j]!, choice: w };
              moves.push(out);
            }
          }
        }
      }
    }
    // a fault at each faulty process's first chance: a stall at the start may stand for a longer path
    const seen = new Set<string>();
    for (const [i, d] of this.best.entries()) {
      if (!isFault(d.label) || seen.has(d.label)) continue;
      seen.add(d.label);
      for (const v of this.others(i)) moves.push(this.withChoice(i, v));
    }
    for (const move of moves) if (this.exhausted || (yield* this.sideways(move))) return;
  }

  /** The indices decision `i` of the best could take other than its own. */
  private others(i: number): number[] {
    const d = this.best[i]!;
    return Array.from({ length: d.count }, (_, v) => v).filter((v) => v !== d.choice);
  }

  /** Run `entries` (per label); if it breaks the property, shrink it in a nested round; accept if smaller. */
  private *sideways(entries: readonly Entry[]): Sim<boolean> {
    const key = `s:${labelledKey(entries)}`;
    if (this.tried.has(key) || this.attempts >= this.runsMax) return false;
    this.tried.add(key);
    this.attempts++;
    let run: RunResult;
    try {
      const stepsMax = 2 * this.bestSteps + 10;
      run = yield* runWorldGen(this.build, new LabelledChooser(entries), { stepsMax, swarm: this.swarm });
    } catch {
      return false;
    }
    if (run.violation?.property !== this.property) return false;
    const saved = { best: this.best, steps: this.bestSteps, tried: this.tried, runsMax: this.runsMax };
    this.best = run.decisions;
    this.bestSteps = run.steps;
    this.tried = new Set([labelledKey(this.best), positionalKey(this.best)]);
    this.nested = true;
    this.runsMax = Math.min(saved.runsMax, this.attempts + LATERAL_RUNS_MAX);
    const acceptedBefore = this.accepted;
    yield* this.run();
    const improved = smaller(
      { steps: this.bestSteps, decisions: this.best },
      { steps: saved.steps, decisions: saved.best },
    );
    this.nested = false;
    this.runsMax = saved.runsMax;
    this.exhausted = this.attempts >= this.runsMax;
    this.accepted = acceptedBefore;
    this.tried = saved.tried;
    if (!improved) {
      this.best = saved.best;
      this.bestSteps = saved.steps;
      return false;
    }
    this.tried.add(positionalKey(this.best));
    this.tried.add(labelledKey(this.best));
    this.accepted++;
    return true;
  }

  /**
   * Random moves out of a local minimum, once the passes above accept nothing: 1–3 decisions set to random
   * values, or the decisions after a random cut re-drawn by a re-seeded random tail. Returns at the first
   * accepted candidate (the passes then run again) or after {@link MUTATION_MISSES_MAX} misses in a row. The
   * generator is seeded from the trace's seed and the round, so the shrink stays deterministic.
   */
  private *mutate(): Sim<void> {
    const rng = xoroshiro128plus(mix32((this.seed ^ Math.imul(this.round + 1, 0x9e3779b1)) >>> 0) | 0);
    const below = (n: number) => uniformInt(rng, 0, n - 1);
    for (let misses = 0; misses < MUTATION_MISSES_MAX && !this.exhausted && this.size > 0; misses++) {
      const ds = this.best;
      if (below(3) === 0) {
        const prefix = ds.slice(0, below(ds.length + 1));
        const seed = uniformInt(rng, 0, 0xffffffff);
        const key = `t:${seed}:${positionalKey(prefix)}`;
        if (yield* this.attemptWith(key, () => new TailChooser(prefix, seed))) return;
        continue;
      }
      const out: Entry[] = [...ds];
      for (let n = 1 + below(3); n > 0; n--) {
        const i = below(ds.length);
        out[i] = { ...ds[i]!, choice: below(ds[i]!.count) };
      }
      if (yield* this.attemptWith(labelledKey(out), () => new LabelledChooser(out))) return;
    }
  }

  private withChoice(i: number, choice: number): Entry[] {
    const out: Entry[] = [...this.best];
    out[i] = { ...out[i]!, choice };
    return out;
  }
}
