/**
 * Multi-core breadth-first checking, the pure part: hash-partitioned BFS (Stern & Dill 1997, "Parallelizing the
 * Murφ verifier"; as in TLC's and DiVinE's distributed modes). Each of K partitions owns the states whose
 * 64-bit fingerprint hashes to it: it alone stores them (its own visited set and parent pointers) and expands
 * them. A successor owned by another partition is sent there, once per sender (a second set remembers what was
 * sent). The search is level-synchronous: every partition expands level d, exchanges what it found, stores what
 * it owns, and only then does level d + 1 start — so the state space, its depth and every verdict equal the
 * one-thread checker's, a violation is found at the least depth, and with partial-order reduction the reduced
 * space is the same too (its proviso does not depend on the visited set: reduction.ts). Threads and messages
 * are io/check-workers.ts's; this file does no I/O.
 */
import { assert } from "@interleave/core";
import { fingerprinter, fmix32, fpHi, fpLo } from "./fingerprint.js";
import { FingerprintSet } from "./fingerprint-set.js";
import type { PathStep, StateInvariant, StateSpaceModel } from "./model.js";
import { ParentTree } from "./parent-tree.js";
import { ampleSelector } from "./reduction.js";

/** States sent to one partition: each with its parent's global id and its input's position there. */
export interface Batch<S> {
  readonly states: S[];
  readonly parents: number[];
  readonly positions: number[];
}

/** What a partition found in one level. */
export interface LevelReport {
  /** States it stored in this level (new, owned by it). With `probe`, states it would have stored. */
  readonly added: number;
  /** Its next frontier's size. */
  readonly frontier: number;
  /** Enabled (state, input) pairs it executed in the level. */
  readonly transitions: number;
  /** The first violation it stored (global id) and the invariant, or null. */
  readonly violation: { readonly id: number; readonly invariant: string } | null;
}

/** The partition (0..count-1) that owns the current fingerprint (`fpHi`, `fpLo`). */
export function ownerOf(count: number): number {
  return (fmix32(fpHi ^ Math.imul(fpLo, 0xcc9e2d51)) >>> 0) % count;
}

/**
 * One partition of a hash-partitioned BFS of `model`. Global ids: `localId · count + index`. Call
 * {@link seed} once, then per level {@link expand} (successors of the frontier: kept, or batched for their
 * owners), {@link receive} each other partition's batch for this partition, and {@link endLevel}.
 */
export class Partition<S, I> {
  private readonly visited = new FingerprintSet(1 << 12);
  private readonly sent = new FingerprintSet(1 << 12);
  private readonly tree = new ParentTree(1 << 16);
  private readonly fingerprintOf: (s: S) => void;
  private readonly invariants: readonly StateInvariant<S>[];
  private readonly ample: ((state: S) => import("./reduction.js").Ample<S, I> | null) | null;
  private level: S[] = [];
  private levelIds: number[] = [];
  private next: S[] = [];
  private nextIds: number[] = [];
  private added = 0;
  private transitions = 0;
  private violation: LevelReport["violation"] = null;

  constructor(
    private readonly model: StateSpaceModel<S, I>,
    readonly index: number,
    readonly count: number,
    reduction: boolean,
  ) {
    this.fingerprintOf = fingerprinter(model);
    this.invariants = model.invariants;
    this.ample = reduction ? ampleSelector(model) : null;
  }

  /** Distinct states stored here. */
  get states(): number {
    return this.tree.size;
  }

  /** Bytes of its visited set, sent set and parent pointers. */
  get bytes(): number {
    return this.visited.bytes + this.sent.bytes + this.tree.bytes;
  }

  /** Stores the initial states this partition owns (level 0); `initials` in the model's order. */
  seed(initials: readonly S[]): LevelReport {
    this.begin();
    for (let i = 0; i < initials.length; i++) {
      const s = initials[i]!;
      this.fingerprintOf(s);
      if (ownerOf(this.count) === this.index) this.store(s, -1, i, false);
    }
    return this.endLevel();
  }

  /**
   * Expands the frontier: successors owned here are stored (or, with `probe`, only counted when unseen);
   * the others are returned as one batch per partition (empty for this one).
   */
  expand(probe: boolean): Batch<S>[] {
    this.begin();
    const out: Batch<S>[] = Array.from({ length: this.count }, () => ({
      states: [],
      parents: [],
      positions: [],
    }));
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
        const owner = ownerOf(this.count);
        if (owner === this.index) this.store(t, parent, position - 1, probe);
        else if (probe ? !this.sent.has() : this.sent.add()) {
          const batch = out[owner]!;
          batch.states.push(t);
          batch.parents.push(parent);
          batch.positions.push(position - 1);
        }
      }
    }
    return out;
  }

  /** Stores (or with `probe` counts) the states of another partition's batch that are new here. */
  receive(batch: Batch<S>, probe: boolean): void {
    for (let i = 0; i < batch.states.length; i++) {
      const t = batch.states[i]!;
      this.fingerprintOf(t);
      this.store(t, batch.parents[i]!, batch.positions[i]!, probe);
    }
  }

  /** Ends the level: the next frontier becomes the current one. */
  endLevel(): LevelReport {
    const report: LevelReport = {
      added: this.added,
      frontier: this.next.length,
      transitions: this.transitions,
      violation: this.violation,
    };
    this.level = this.next;
    this.levelIds = this.nextIds;
    this.next = [];
    this.nextIds = [];
    return report;
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

  private store(t: S, parent: number, position: number, probe: boolean): void {
    if (probe) {
      if (!this.visited.has()) this.added++;
      return;
    }
    if (!this.visited.add()) return;
    const id = this.tree.add(parent, position) * this.count + this.index;
    assert(Number.isSafeInteger(id) && id < 2 ** 31, "a partitioned check holds at most 2^31 states");
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
