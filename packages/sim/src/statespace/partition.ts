/**
 * Multi-core breadth-first checking, the pure part: level-synchronous parallel BFS over one shared visited set
 * (a lock-free table of 64-bit fingerprints over a `SharedArrayBuffer`, shared-fingerprint-set.ts; the shared
 * hash table of parallel BFS in SPIN's multi-core mode and of Laarman et al. 2010, "Boosting multi-core
 * reachability performance with shared hash tables"), rather than Stern & Dill's partitioning by owner, which
 * must send almost every state to another thread. Each of K partitions expands the states of its share of the
 * current level; a successor that it adds to the shared set first is its own (it stores its parent pointer and
 * expands it at the next level), so states move between threads only when the coordinator rebalances the
 * next level's shares. Levels are synchronous: every partition finishes level d before level d + 1 starts —
 * so the state space, its depth and every verdict equal the one-thread checker's, a violation is found at the
 * least depth, and with partial-order reduction the reduced space is the same too (its proviso does not depend
 * on the visited set: reduction.ts). Threads and messages are io/check-workers.ts's; this file does no I/O.
 */
import { assert } from "@interleave/core";
import { fingerprinter } from "./fingerprint.js";
import type { PathStep, StateInvariant, StateSpaceModel } from "./model.js";
import { ParentTree } from "./parent-tree.js";
import { type Ample, ampleSelector } from "./reduction.js";
import type { SharedFingerprintSet } from "./shared-fingerprint-set.js";

/** Frontier states moved from one partition to another, with their global ids. */
export interface Batch<S> {
  readonly states: S[];
  readonly ids: number[];
}

/** What a partition found in one level. */
export interface LevelReport {
  /** States it stored in this level (new in the shared set, added by it). With `probe`: unseen successors. */
  readonly added: number;
  /** Its share of the next level. */
  readonly frontier: number;
  /** Inputs of its share of the next level, summed: a bound on the states that level can add. */
  readonly frontierInputs: number;
  /** Enabled (state, input) pairs it executed in the level. */
  readonly transitions: number;
  /** The first violation it stored (global id) and the invariant, or null. */
  readonly violation: { readonly id: number; readonly invariant: string } | null;
}

/** Moves that even out the partitions' shares `sizes`: `[from, to, count]`, none when within `slack`. */
export function rebalance(sizes: readonly number[], slack: number): [number, number, number][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const k = sizes.length;
  const target = (i: number) => Math.floor(total / k) + (i < total % k ? 1 : 0);
  if (sizes.every((n, i) => Math.abs(n - target(i)) <= slack)) return [];
  const surplus = sizes.map((n, i) => n - target(i));
  const moves: [number, number, number][] = [];
  for (let from = 0; from < k; from++) {
    for (let to = 0; to < k && surplus[from]! > 0; to++) {
      if (surplus[to]! >= 0) continue;
      const count = Math.min(surplus[from]!, -surplus[to]!);
      moves.push([from, to, count]);
      surplus[from]! -= count;
      surplus[to]! += count;
    }
  }
  return moves;
}

/**
 * One partition of a parallel BFS of `model` over the shared set `visited`. Global ids: `localId · count +
 * index`. Call {@link seed} once, then per level {@link expand}, then move states with {@link take} and
 * {@link give} as the coordinator says.
 */
export class Partition<S, I> {
  private readonly tree = new ParentTree(1 << 16);
  private readonly fingerprintOf: (s: S) => void;
  private readonly invariants: readonly StateInvariant<S>[];
  private readonly ample: ((state: S) => Ample<S, I> | null) | null;
  private level: S[] = [];
  private levelIds: number[] = [];
  private next: S[] = [];
  private nextIds: number[] = [];
  private added = 0;
  private transitions = 0;
  private violation: LevelReport["violation"] = null;

  constructor(
    private readonly model: StateSpaceModel<S, I>,
    private visited: SharedFingerprintSet,
    readonly index: number,
    readonly count: number,
    reduction: boolean,
  ) {
    this.fingerprintOf = fingerprinter(model);
    this.invariants = model.invariants;
    this.ample = reduction ? ampleSelector(model) : null;
  }

  /** Distinct states stored by this partition. */
  get states(): number {
    return this.tree.size;
  }

  /** Bytes of its parent pointers (the shared set is counted once, by the coordinator). */
  get bytes(): number {
    return this.tree.bytes;
  }

  /** Level 0: partition 0 stores the initial states (in the model's order), the others nothing. */
  seed(initials: readonly S[]): LevelReport {
    this.begin();
    if (this.index === 0) {
      for (let i = 0; i < initials.length; i++) {
        this.fingerprintOf(initials[i]!);
        this.store(initials[i]!, -1, i, false);
      }
    }
    return this.endLevel();
  }

  /** Expands this partition's share of the level: stores (or with `probe` only counts) the new successors. */
  expand(probe: boolean): LevelReport {
    this.begin();
    const { model, level, levelIds } = this;
    for (let k = 0; k < level.length; k++) {
      const s = level[k]!;
      const parent = levelIds[k]!;
      const reduced = this.ample === null ? null : this.ample(s);
      let position = 0;
      let j = 0;
      for (const input of reduced === null ? model.inputs(s) : reduced.inputs) {
        const t = reduced === null ? model.next(s, input) : reduced.states[j]!;
        position = reduced === null ? position + 1 : reduced.positions[j++]! + 1;
        if (t === null) continue;
        this.transitions++;
        if (t === s) continue;
        this.fingerprintOf(t);
        this.store(t, parent, position - 1, probe);
      }
    }
    return this.endLevel();
  }

  /** Removes `count` states from this partition's share of the level (to send to another). */
  take(count: number): Batch<S> {
    const at = this.level.length - count;
    assert(at >= 0, () => `partition ${this.index} has ${this.level.length} states, cannot give ${count}`);
    return { states: this.level.splice(at, count), ids: this.levelIds.splice(at, count) };
  }

  /** Adds another partition's states to this one's share of the level. */
  give(batch: Batch<S>): void {
    for (let i = 0; i < batch.states.length; i++) {
      this.level.push(batch.states[i]!);
      this.levelIds.push(batch.ids[i]!);
    }
  }

  /** Uses `visited` (a grown copy of the shared set) from now on. */
  useVisited(visited: SharedFingerprintSet): void {
    this.visited = visited;
  }

  /** This partition's share of the level. */
  get share(): number {
    return this.level.length;
  }

  /** The parent's global id of local state `localId` (−1 for an initial state) and its input's position. */
  link(localId: number): { readonly parent: number; readonly position: number } {
    return { parent: this.tree.parent(localId), position: this.tree.position(localId) };
  }

  private begin(): void {
    this.added = 0;
    this.transitions = 0;
    this.violation = null;
  }

  private endLevel(): LevelReport {
    let frontierInputs = 0;
    for (const t of this.next) {
      const inputs = this.model.inputs(t);
      if (Array.isArray(inputs)) frontierInputs += inputs.length;
      else for (const _ of inputs) frontierInputs++;
    }
    const report: LevelReport = {
      added: this.added,
      frontier: this.next.length,
      frontierInputs,
      transitions: this.transitions,
      violation: this.violation,
    };
    this.level = this.next;
    this.levelIds = this.nextIds;
    this.next = [];
    this.nextIds = [];
    return report;
  }

  private store(t: S, parent: number, position: number, probe: boolean): void {
    if (probe) {
      if (!this.visited.has()) this.added++;
      return;
    }
    if (!this.visited.add()) return;
    const id = this.tree.add(parent, position) * this.count + this.index;
    assert(Number.isSafeInteger(id) && id < 2 ** 31, "a parallel check holds at most 2^31 states");
    this.added++;
    if (this.violation === null) {
      for (const invariant of this.invariants) {
        if (!invariant.holds(t)) {
          this.violation = { id, invariant: invariant.name };
          break;
        }
      }
    }
    this.next.push(t);
    this.nextIds.push(id);
  }
}

/**
 * The counterexample from initial state `initial` along the inputs at `positions` (from the initial state on),
 * re-executed on `model`; asserts each input is enabled and the last state breaks `invariant` (determinism).
 */
export function replayPositions<S, I>(
  model: StateSpaceModel<S, I>,
  initial: S,
  positions: readonly number[],
  invariant: string,
  describe: (input: I) => string,
): PathStep<S>[] {
  const path: PathStep<S>[] = [];
  let state = initial;
  for (const position of positions) {
    let p = 0;
    let next: S | null = null;
    let chosen: I | undefined;
    for (const input of model.inputs(state)) {
      if (p++ === position) {
        chosen = input;
        next = model.next(state, input);
        break;
      }
    }
    assert(
      next !== null,
      () => `model ${model.name} is not deterministic: input #${position} is not enabled`,
    );
    state = next;
    path.push({ input: describe(chosen as I), state });
  }
  const holds = model.invariants.find((inv) => inv.name === invariant)?.holds(state) ?? true;
  assert(
    !holds,
    () => `model ${model.name} is not deterministic: the counterexample does not violate "${invariant}"`,
  );
  return path;
}
