/**
 * The checker's parent tree: for each stored state its parent and the input that reached it, in typed
 * arrays, so a counterexample is rebuilt by re-executing inputs instead of keeping states.
 */
import { assert } from "@interleave/core";

/**
 * Parent pointers of the stored states, by state id (the order states were stored): the parent's id (−1
 * for an initial state) and the position of the input that reached it (for an initial state, its index
 * among the initial states). Typed arrays grown by doubling; positions start 16-bit and widen to 32-bit
 * the first time one does not fit.
 */
export class ParentTree {
  private parents: Int32Array;
  private positions: Uint16Array | Uint32Array;
  size = 0;

  constructor(capacity: number) {
    this.parents = new Int32Array(capacity);
    this.positions = new Uint16Array(capacity);
  }

  get bytes(): number {
    return this.parents.byteLength + this.positions.byteLength;
  }

  add(parent: number, position: number): number {
    if (this.size === this.parents.length) this.grow(this.parents.length * 2);
    if (position > 0xffff && this.positions instanceof Uint16Array) {
      const wide = new Uint32Array(this.parents.length);
      wide.set(this.positions);
      this.positions = wide;
    }
    assert(position <= 0xffffffff, () => `a state has more than 2^32 − 1 inputs (input #${position})`);
    const id = this.size++;
    this.parents[id] = parent;
    this.positions[id] = position;
    return id;
  }

  parent(id: number): number {
    return this.parents[id]!;
  }

  position(id: number): number {
    return this.positions[id]!;
  }

  private grow(capacity: number): void {
    const parents = new Int32Array(capacity);
    parents.set(this.parents);
    const positions =
      this.positions instanceof Uint16Array ? new Uint16Array(capacity) : new Uint32Array(capacity);
    positions.set(this.positions);
    this.parents = parents;
    this.positions = positions;
  }
}
