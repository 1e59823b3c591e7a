/**
 * The checker's frontier: the states of one BFS level with their ids, held as objects or — when the model
 * has an {@link StateEncoding} — packed as int32 words in one growable typed array and decoded only when
 * expanded; and the successors of one expanded state, keyed in a batch before they are looked up.
 */
import type { StateEncoding } from "./model.js";

/**
 * The successors of a few expanded states, in order: each state, its parent's id, the position of its input, its
 * fingerprint (`his[i]`, `los[i]`; (0, 0) for a self-loop, which is counted but not stored) and, with an
 * encoding, its words at `words[i · width ..]`. Arrays grow as needed and are reused from state to state.
 */
export class Successors<S> {
  states: S[] = [];
  parents = new Int32Array(16);
  positions = new Int32Array(16);
  his = new Int32Array(16);
  los = new Int32Array(16);
  words: Int32Array;
  size = 0;

  constructor(readonly width: number) {
    this.words = new Int32Array(16 * width);
  }

  /** Appends `state`, reached from state `parent` by the input at `position`; returns its index. */
  add(state: S, parent: number, position: number): number {
    const i = this.size++;
    if (i === this.his.length) this.grow();
    this.states[i] = state;
    this.parents[i] = parent;
    this.positions[i] = position;
    return i;
  }

  private grow(): void {
    const n = this.his.length * 2;
    const widen = (a: Int32Array, size: number) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.parents = widen(this.parents, n);
    this.positions = widen(this.positions, n);
    this.his = widen(this.his, n);
    this.los = widen(this.los, n);
    this.words = widen(this.words, n * this.width);
  }
}

/** One BFS level: its states (objects or packed) and their ids in the parent tree. */
export interface Level<S> {
  readonly size: number;
  /** Bytes of typed arrays holding packed states (0 when states are objects). */
  readonly bytes: number;
  state(k: number): S;
  id(k: number): number;
  /** Appends successor `i` of `from` with id `id`. */
  push(from: Successors<S>, i: number, id: number): void;
  clear(): void;
}

/** A level of state objects. */
export class ObjectLevel<S> implements Level<S> {
  private states: S[] = [];
  private ids: number[] = [];
  readonly bytes = 0;

  get size(): number {
    return this.states.length;
  }

  state(k: number): S {
    return this.states[k]!;
  }

  id(k: number): number {
    return this.ids[k]!;
  }

  push(from: Successors<S>, i: number, id: number): void {
    this.states.push(from.states[i]!);
    this.ids.push(id);
  }

  clear(): void {
    this.states = [];
    this.ids = [];
  }
}

/**
 * A level of packed states: `encoding.words` int32 words each in one typed array, doubled when full and
 * reused after {@link clear}; a state is decoded by {@link state}.
 */
export class PackedLevel<S> implements Level<S> {
  private words = new Int32Array(0);
  private ids = new Int32Array(0);
  size = 0;

  constructor(private readonly encoding: StateEncoding<S>) {}

  get bytes(): number {
    return this.words.byteLength + this.ids.byteLength;
  }

  state(k: number): S {
    return this.encoding.decode(this.words, k * this.encoding.words);
  }

  id(k: number): number {
    return this.ids[k]!;
  }

  push(from: Successors<S>, i: number, id: number): void {
    const width = this.encoding.words;
    if (this.size === this.ids.length) this.grow(Math.max(1024, this.ids.length * 2));
    const src = from.words;
    const dst = this.words;
    for (let j = 0, a = i * width, b = this.size * width; j < width; j++) dst[b + j] = src[a + j]!;
    this.ids[this.size++] = id;
  }

  clear(): void {
    this.size = 0;
  }

  private grow(capacity: number): void {
    const words = new Int32Array(capacity * this.encoding.words);
    words.set(this.words);
    const ids = new Int32Array(capacity);
    ids.set(this.ids);
    this.words = words;
    this.ids = ids;
  }
}
