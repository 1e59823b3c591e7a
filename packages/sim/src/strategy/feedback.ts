/**
 * The feedback-guided strategy: a campaign that learns from its runs. It keeps a corpus of runs which reached
 * something no earlier run of the campaign reached, and derives new runs by mutating corpus entries — as
 * coverage-guided fuzzers (AFL, libFuzzer) and P's feedback-guided scheduling do — or draws them afresh, either
 * plainly at random or with delays snapped to ties with pending deadlines. Which of those three run kinds it
 * uses is itself learned: a bandit over the kinds, rewarded when a run reaches a new feature.
 *
 * Coverage (generic: the engine knows no scenario): a run's features are
 * - the abstract state of a store entry after each `tx` (its key and a structural hash of its state in which
 *   numbers are kept exactly up to 16 and otherwise by sign and power of two, so timestamps do not make every
 *   state new: {@link abstractHash});
 * - each `pick`: the set of options enabled at that instant (which steps coincided) with the option taken
 *   (which went first).
 * A run with a feature the campaign has not seen joins the corpus.
 *
 * Run kinds (chosen by the bandit, {@link FeedbackCampaign.chooser}):
 * - fresh: every decision drawn by a {@link RandomChooser} of the run's seed — the random strategy's run of
 *   that seed, decision for decision. Run 0 is always one.
 * - fresh with ties: the same, but each drawn delay lands, with probability {@link TIE_BIAS}, on a value that
 *   ties with a deadline pending when it is drawn (another process's wake-up, pause end, restart, a liveness
 *   deadline: `DecisionRequest.ties`), so that timers coincide and the scheduler orders them.
 * - mutation of a corpus entry (entries weighted by the features they brought, divided by (1 + times mutated)²):
 *   its decisions are followed by label and occurrence (the n-th decision labelled L answers the n-th request
 *   labelled L) and a `pick` by the name of the option taken; one operator per run: flip one decision and
 *   follow the rest, re-roll one decision and draw everything after it afresh, havoc (2–4 decisions flipped or
 *   snapped to a tie), snap one delay to a tie, or splice two entries. Mutated decisions are taken mostly
 *   around the point where the entry reached its first new feature.
 *
 * Determinism: a campaign is a pure function of its seed and of the runs it learns from, in order; a run's own
 * draws come from generators seeded by the run's seed.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { Chooser, Decision, DecisionRequest } from "./chooser.js";
import { mix32 } from "./chooser.js";
import { RandomChooser } from "./random.js";

/** How one decision of the run is derived from the entry being mutated. */
type Mutation = "reroll" | "tie";

/** A run that reached a new feature: its decisions, which of them were delays, and its scheduling weight. */
interface Entry {
  readonly decisions: readonly Decision[];
  /** Positions (in `decisions`) of drawn delays (requests with candidates). */
  readonly delays: readonly number[];
  /** New features it brought when it joined. */
  readonly novelty: number;
  /** The number of decisions taken when the run reached its first new feature: mutations focus there. */
  readonly frontier: number;
  /** Times it was chosen for mutation. */
  picked: number;
}

/** What to follow in one run: decisions keyed by label and occurrence, those to mutate, where to stop. */
interface Plan {
  readonly source: readonly Decision[];
  /** Follow `source[j]` only for `j < follow`. */
  readonly follow: number;
  readonly mutations: ReadonlyMap<number, Mutation>;
}

/** Probability that a delay drawn in a "fresh with ties" or mutated run snaps to a tie, when one exists. */
export const TIE_BIAS = 0.9;
/** The bandit's discount per run: a run kind's record of runs and rewards fades with this factor. */
const BANDIT_DISCOUNT = 0.99;
/** Mutation operators' relative shares. */
const FLIP = 0.4;
const REROLL_TAIL = 0.15;
const HAVOC = 0.15;
const TIE = 0.2;
const SPLICE = 0.1;
/** Share of mutated positions taken around an entry's frontier: from `FOCUS_BEFORE` before it to `FOCUS_AFTER` after. */
const FOCUS_SHARE = 0.7;
const FOCUS_BEFORE = 6;
const FOCUS_AFTER = 3;
/** An entry's novelty counts up to this many features in its weight. */
const NOVELTY_CAP = 16;
/** Corpus entries kept at most (once full, new runs still add their features but no entry). */
export const FEEDBACK_CORPUS_MAX = 4_096;
/** Nodes of a state visited at most when hashing it (larger states hash their first nodes only). */
const HASH_NODES_MAX = 2_000;

/** Strings' hashes (FNV-1a, 32-bit), cached: store keys and process names repeat in every run. */
const stringHashes = new Map<string, number>();
function hashString(s: string): number {
  const cached = stringHashes.get(s);
  if (cached !== undefined) return cached;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h >>>= 0;
  if (stringHashes.size < 65_536) stringHashes.set(s, h);
  return h;
}

function combine(h: number, x: number): number {
  return mix32((Math.imul(h, 0x9e3779b1) + x) >>> 0);
}

/** A number as coverage sees it: exact up to 16 in magnitude, else its sign and power of two. */
function abstractNumber(n: number): number {
  if (!Number.isFinite(n)) return 0x7f00 + (Number.isNaN(n) ? 0 : n > 0 ? 1 : 2);
  if (Number.isInteger(n) && Math.abs(n) <= 16) return n + 32;
  return (n < 0 ? 0x200 : 0x100) + Math.floor(Math.log2(Math.abs(n) + 1));
}

/**
 * A structural hash of `value` with numbers abstracted ({@link abstractNumber}): equal for states that differ
 * only in large numbers of the same magnitude. Plain objects hash their keys in order, arrays their items,
 * maps and sets their entries; at most {@link HASH_NODES_MAX} nodes are visited.
 */
export function abstractHash(value: unknown): number {
  const budget = { nodes: HASH_NODES_MAX };
  return hashValue(value, budget);
}

function hashValue(v: unknown, budget: { nodes: number }): number {
  if (budget.nodes-- <= 0) return 1;
  switch (typeof v) {
    case "number":
      return combine(2, abstractNumber(v));
    case "string":
      return combine(3, hashString(v));
    case "boolean":
      return v ? 4 : 5;
    case "bigint":
      return combine(6, abstractNumber(Number(v)));
    case "undefined":
      return 7;
    case "object": {
      if (v === null) return 8;
      let h = 9;
      if (Array.isArray(v)) {
        h = combine(10, v.length);
        for (const x of v) h = combine(h, hashValue(x, budget));
        return h;
      }
      if (v instanceof Map) {
        for (const [k, x] of v) h = combine(combine(h, hashValue(k, budget)), hashValue(x, budget));
        return combine(h, 11);
      }
      if (v instanceof Set) {
        for (const x of v) h = combine(h, hashValue(x, budget));
        return combine(h, 12);
      }
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        h = combine(combine(h, hashString(k)), hashValue((v as Record<string, unknown>)[k], budget));
      }
      return h;
    }
    default:
      return 13;
  }
}

/**
 * The chooser of one run of a feedback campaign: follows its plan's decisions (with the plan's mutations),
 * draws the rest from a {@link RandomChooser} of the run's seed, and collects the run's coverage features.
 * Made by {@link FeedbackCampaign.chooser}; give it back to {@link FeedbackCampaign.learn} after the run.
 */
export class FeedbackChooser implements Chooser {
  readonly wantsCandidates = true;
  /** Coverage features of the run so far, each with the number of decisions taken when it was first reached. */
  readonly features = new Map<number, number>();
  /** Positions of the run's drawn delays. */
  readonly delays: number[] = [];
  private readonly random: RandomChooser;
  private readonly rng;
  private position = 0;
  private readonly seen = new Map<string, number>();
  /** Source decisions by `label#occurrence`: their position in the source. */
  private readonly byKey: Map<string, number> | null;

  constructor(
    seed: number,
    private readonly plan: Plan | null,
    private readonly tieBias = 0,
  ) {
    this.random = new RandomChooser(seed);
    this.rng = xoroshiro128plus(mix32(seed ^ 0x4645_4544) | 0);
    if (plan === null) {
      this.byKey = null;
      return;
    }
    const byKey = new Map<string, number>();
    const counts = new Map<string, number>();
    for (let j = 0; j < plan.source.length; j++) {
      const label = plan.source[j]!.label;
      const n = counts.get(label) ?? 0;
      counts.set(label, n + 1);
      byKey.set(`${label}#${n}`, j);
    }
    this.byKey = byKey;
  }

  choose(request: DecisionRequest): number {
    const position = this.position++;
    if (request.candidates !== undefined) this.delays.push(position);
    const choice = this.decide(request);
    if (request.label === "pick" && request.options !== undefined) this.notePick(request.options, choice);
    return choice;
  }

  /** A decision not taken from the plan: a tie with a pending deadline with probability `tieBias`, else random. */
  private fresh(request: DecisionRequest): number {
    const ties = request.ties;
    if (this.tieBias > 0 && ties !== undefined && ties.length > 0 && uniformFloat64(this.rng) < this.tieBias)
      return ties[uniformInt(this.rng, 0, ties.length - 1)]!;
    return this.random.choose(request);
  }

  private decide(request: DecisionRequest): number {
    if (this.byKey === null) return this.fresh(request);
    const n = this.seen.get(request.label) ?? 0;
    this.seen.set(request.label, n + 1);
    const j = this.byKey.get(`${request.label}#${n}`);
    const plan = this.plan!;
    if (j === undefined || j >= plan.follow) return this.fresh(request);
    const d = plan.source[j]!;
    let base = d.choice < request.count ? d.choice : -1;
    if (request.options !== undefined && d.options !== undefined) {
      base = request.options.indexOf(d.options[d.choice]!);
    } else if (d.count !== request.count) base = -1;
    const mutation = plan.mutations.get(j);
    if (mutation === undefined) return base >= 0 ? base : this.fresh(request);
    if (mutation === "tie" && request.candidates !== undefined) {
      const pool = request.ties !== undefined && request.ties.length > 0 ? request.ties : request.candidates;
      const others = pool.filter((c) => c !== base);
      if (others.length > 0) return others[uniformInt(this.rng, 0, others.length - 1)]!;
    }
    if (base < 0) return this.fresh(request);
    const other = uniformInt(this.rng, 0, request.count - 2);
    return other >= base ? other + 1 : other;
  }

  private notePick(options: readonly string[], choice: number): void {
    let set = 0;
    for (const name of options) set ^= mix32(hashString(name));
    this.feature(combine(combine(0x5049_434b, set), hashString(options[choice]!)));
  }

  private feature(f: number): void {
    if (!this.features.has(f)) this.features.set(f, this.position);
  }

  /** A `tx` left the entry `key` in `state`: its abstract state is a feature. */
  observeState(key: string, state: unknown): void {
    this.feature(combine(hashString(key), abstractHash(state)));
  }
}

/**
 * One feedback campaign: the corpus, the features seen, the bandit over run kinds and the generator of its
 * choices. Call {@link chooser} for the next run, run the world with it, then {@link learn} with the run's
 * decisions, in run order.
 */
export class FeedbackCampaign {
  private readonly rng;
  private readonly corpus: Entry[] = [];
  private readonly features = new Set<number>();
  private runs = 0;
  /** The kind of the run last handed out: 0 fresh, 1 fresh with ties, 2 mutation. */
  private lastKind = 0;
  /** Per run kind: discounted runs, and discounted runs that reached a new feature (both start at 1). */
  private readonly kindRuns = [1, 1, 1];
  private readonly kindRewards = [1, 1, 1];

  /** `seed`: the campaign's uint32 seed (explore derives it from the base seed and the partition). */
  constructor(seed: number) {
    this.rng = xoroshiro128plus(mix32(seed ^ 0x4642_434b) | 0);
  }

  /** Entries in the corpus. */
  get size(): number {
    return this.corpus.length;
  }

  /** The chooser of the next run, whose own draws come from `runSeed`. */
  chooser(runSeed: number): FeedbackChooser {
    const kind = this.runs++ === 0 ? 0 : this.kind();
    this.lastKind = kind;
    if (kind === 0) return new FeedbackChooser(runSeed, null, 0);
    if (kind === 1 || this.corpus.length === 0) return new FeedbackChooser(runSeed, null, TIE_BIAS);
    return new FeedbackChooser(runSeed, this.mutate(), TIE_BIAS);
  }

  /** Learn from the run `chooser` drove: it joins the corpus when it reached a feature not seen before. */
  learn(chooser: FeedbackChooser, decisions: readonly Decision[]): void {
    let novelty = 0;
    let frontier = decisions.length;
    for (const [f, at] of chooser.features) {
      if (this.features.has(f)) continue;
      this.features.add(f);
      novelty++;
      if (at < frontier) frontier = at;
    }
    for (let k = 0; k < 3; k++) {
      this.kindRuns[k]! *= BANDIT_DISCOUNT;
      this.kindRewards[k]! *= BANDIT_DISCOUNT;
    }
    this.kindRuns[this.lastKind]! += 1;
    if (novelty > 0) this.kindRewards[this.lastKind]! += 1;
    if (novelty === 0 || decisions.length === 0 || this.corpus.length >= FEEDBACK_CORPUS_MAX) return;
    this.corpus.push({ decisions, delays: chooser.delays, novelty, frontier, picked: 0 });
  }

  /** A run kind, drawn with probability proportional to its (discounted) rate of runs with new features. */
  private kind(): number {
    const scores = this.kindRuns.map((n, k) => this.kindRewards[k]! / n);
    let x = uniformFloat64(this.rng) * (scores[0]! + scores[1]! + scores[2]!);
    for (let k = 0; k < 2; k++) {
      x -= scores[k]!;
      if (x < 0) return k;
    }
    return 2;
  }

  /** An entry chosen with weight min(novelty, cap) / (1 + times picked)², so new entries are mutated soon. */
  private pick(): Entry {
    let total = 0;
    for (const e of this.corpus) total += weight(e);
    let x = uniformFloat64(this.rng) * total;
    for (const e of this.corpus) {
      x -= weight(e);
      if (x < 0) return e;
    }
    return this.corpus[this.corpus.length - 1]!;
  }

  /** A decision to mutate: most often one around the entry's frontier, else any. */
  private position(entry: Entry): number {
    const n = entry.decisions.length;
    if (uniformFloat64(this.rng) < FOCUS_SHARE) {
      const k = entry.frontier + uniformInt(this.rng, -FOCUS_BEFORE, FOCUS_AFTER - 1);
      return Math.max(0, Math.min(k, n - 1));
    }
    return uniformInt(this.rng, 0, n - 1);
  }

  private mutate(): Plan {
    const entry = this.pick();
    entry.picked++;
    const d = entry.decisions;
    const n = d.length;
    let r = uniformFloat64(this.rng) * (FLIP + REROLL_TAIL + HAVOC + TIE + SPLICE);
    if (r < FLIP) return { source: d, follow: n, mutations: new Map([[this.position(entry), "reroll"]]) };
    r -= FLIP;
    if (r < REROLL_TAIL) {
      const k = this.position(entry);
      return { source: d, follow: k + 1, mutations: new Map([[k, "reroll"]]) };
    }
    if (r < REROLL_TAIL + HAVOC) {
      const mutations = new Map<number, Mutation>();
      const count = uniformInt(this.rng, Math.min(2, n), Math.min(4, n));
      for (let i = 0; i < count; i++) {
        const tie = entry.delays.length > 0 && uniformFloat64(this.rng) < 0.5;
        const k = tie
          ? entry.delays[uniformInt(this.rng, 0, entry.delays.length - 1)]!
          : this.position(entry);
        mutations.set(k, tie ? "tie" : "reroll");
      }
      return { source: d, follow: n, mutations };
    }
    if (r < REROLL_TAIL + HAVOC + TIE && entry.delays.length > 0) {
      const k = entry.delays[uniformInt(this.rng, 0, entry.delays.length - 1)]!;
      return { source: d, follow: n, mutations: new Map([[k, "tie"]]) };
    }
    // splice: this entry's decisions up to a point, another's after it
    const other = this.corpus[uniformInt(this.rng, 0, this.corpus.length - 1)]!.decisions;
    const k = uniformInt(this.rng, 0, n - 1);
    const source = [...d.slice(0, k), ...other.slice(k)];
    return { source, follow: source.length, mutations: new Map() };
  }
}

function weight(e: Entry): number {
  return Math.min(e.novelty, NOVELTY_CAP) / ((1 + e.picked) * (1 + e.picked));
}
