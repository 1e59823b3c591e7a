/**
 * The exhaustive strategy's chooser: depth-first over the search tree, with sleep sets and the depth,
 * preemption and deviation bounds applied as each decision node is created. One DfsChooser drives one run of
 * the search in search/exhaustive.ts (see its module comment for what is enumerated and why it is sound); it
 * replays the current path of the tree, then extends it. It is the search's private machinery.
 */
import { type Chooser, type DecisionRequest, type Footprint, independent, mix32 } from "./chooser.js";

/** A disjoint part of the search tree: shard `index` (0-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Thrown inside a run to end it early: every enabled process sleeps (the run is a redundant reordering). */
export class SleepBlocked extends Error {}

/** A decision node of the search tree: the alternatives of one decision and which is being explored. */
export interface SearchNode {
  readonly label: string;
  readonly count: number;
  /** Alternatives (decision indices) in the order they are explored. */
  readonly alts: readonly number[];
  /** Position in `alts` of the alternative being explored. */
  k: number;
  /** Picks: option names, the sleep set inherited on entry, and each explored alternative's footprint. */
  readonly names: readonly string[] | null;
  readonly sleepIn: ReadonlyMap<string, Footprint> | null;
  readonly footprints: (Footprint | undefined)[];
  /** Position of this node among the branching nodes of its path (1-based), 0 if it does not branch. */
  readonly branchLevel: number;
  /** At the shard split level: which alternatives belong to other shards. */
  readonly foreign: readonly boolean[] | null;
}

/** Shard split level: the tree is divided among shards at this branching level. */
export const SHARD_LEVEL = 3;

/**
 * The chooser of one run of the search: replays `stack` (the current path), then extends it. It is the
 * search's private machinery; use `exhaustiveSearch` (search/exhaustive.ts).
 */
export class DfsChooser implements Chooser {
  readonly wantsCandidates = true;
  private i = 0;
  private sleep = new Map<string, Footprint>();
  private preemptions = 0;
  deviations = 0;
  private branchLevel = 0;
  private picked: { node: SearchNode; k: number } | null = null;
  /** Alternatives the depth or preemption bound removed in this run. */
  depthCut = false;
  preemptionCut = false;
  deviationCut = false;
  /** A delay was enumerated over fewer values than its distribution has. */
  delayCut = false;
  /**
   * The run entered another shard's subtree: it still runs (one schedule, no branching below) so that the
   * footprints above the split are observed exactly as in an unsharded search, but it is not counted.
   */
  foreign = false;

  constructor(
    private readonly stack: SearchNode[],
    private readonly bounds: { depth: number; preemptions: number; deviations: number },
    private readonly useSleep: boolean,
    private readonly shard: Shard | null,
    private readonly path: number[],
  ) {}

  choose(request: DecisionRequest): number {
    const i = this.i++;
    let node = this.stack[i];
    if (node === undefined) {
      node = this.create(i, request);
      this.stack.push(node);
    } else if (node.label !== request.label || node.count !== request.count) {
      throw new Error(
        `nondeterminism: decision #${i} was "${node.label}" (${node.count} options) when the search first ran this path, now "${request.label}" (${request.count} options)`,
      );
    }
    const choice = node.alts[node.k]!;
    if (node.branchLevel > 0) {
      this.branchLevel = node.branchLevel;
      this.path.push(node.k);
    }
    if (node.foreign?.[node.k] === true) this.foreign = true;
    if (node.k > 0) this.deviations++;
    if (node.names !== null) {
      const next = new Map(node.sleepIn ?? []);
      if (this.useSleep) {
        for (let j = 0; j < node.k; j++) {
          const fp = node.footprints[j];
          // An alternative explored by another shard has no observed footprint here: not put to sleep.
          if (fp !== undefined) next.set(node.names[node.alts[j]!]!, fp);
        }
      }
      this.sleep = next;
      this.picked = { node, k: node.k };
      if (request.current !== undefined && choice !== request.current) this.preemptions++;
    }
    return choice;
  }

  /** A process that sleeps may not step, even when it is the only one enabled: the run is redundant. */
  stepping(process: string): void {
    if (this.sleep.has(process)) throw new SleepBlocked();
  }

  observe(event: Footprint | "time"): void {
    if (event === "time") {
      this.sleep.clear();
      this.picked = null;
      return;
    }
    if (this.picked !== null) {
      const { node, k } = this.picked;
      const seen = node.footprints[k];
      // The same step from the same state has the same footprint; keep the conservative one if not.
      node.footprints[k] =
        seen === undefined || (seen.key === event.key && seen.write === event.write)
          ? event
          : { key: null, write: true };
      this.picked = null;
    }
    if (this.sleep.size > 0) {
      for (const [name, fp] of this.sleep) if (!independent(fp, event)) this.sleep.delete(name);
    }
  }

  private create(i: number, request: DecisionRequest): SearchNode {
    const beyond = i >= this.bounds.depth;
    let alts: number[];
    let sleepIn: Map<string, Footprint> | null = null;
    const names = request.label === "pick" && request.options !== undefined ? request.options : null;
    if (names !== null) {
      sleepIn = new Map(this.sleep);
      const current = request.current;
      const order =
        current === undefined
          ? names.map((_, j) => j)
          : [current, ...names.map((_, j) => j).filter((j) => j !== current)];
      alts = order.filter((j) => !this.sleep.has(names[j]!));
      if (current !== undefined && this.preemptions >= this.bounds.preemptions) {
        const before = alts.length;
        alts = alts.filter((j) => j === current);
        if (alts.length < before) this.preemptionCut = true;
      }
      if (alts.length === 0) throw new SleepBlocked();
    } else {
      alts = [...(request.candidates ?? Array.from({ length: request.count }, (_, j) => j))];
      if (alts.length < request.count) this.delayCut = true;
    }
    if ((beyond || this.foreign) && alts.length > 1) {
      alts = alts.slice(0, 1);
      if (!this.foreign) this.depthCut = true;
    }
    if (alts.length > 1 && this.deviations >= this.bounds.deviations) {
      alts = alts.slice(0, 1);
      this.deviationCut = true;
    }
    const branchLevel = alts.length > 1 ? this.branchLevel + 1 : 0;
    const shard = this.shard;
    const foreign =
      shard !== null && branchLevel === SHARD_LEVEL
        ? alts.map((_, k) => shardOf([...this.path, k], shard.count) !== shard.index)
        : null;
    return {
      label: request.label,
      count: request.count,
      alts,
      k: 0,
      names,
      sleepIn,
      footprints: [],
      branchLevel,
      foreign,
    };
  }
}

/** The shard (0-based, of `count`) that owns the subtree reached by alternative positions `path`. */
export function shardOf(path: readonly number[], count: number): number {
  let h = 0x811c9dc5;
  for (const k of path) h = mix32((h ^ (k + 1)) >>> 0);
  return h % count;
}
