/**
 * The checker's visited set: 64-bit fingerprints in one open-addressing table of typed arrays, with no
 * state stored (hash compaction, as TLC's fingerprints and SPIN's hash-compact mode).
 */
import { assert } from "@interleave/core";
import { fmix32, fpHi, fpLo } from "./fingerprint.js";

/**
 * A set of 64-bit fingerprints: open addressing with linear probing over one Int32Array (two words per
 * slot, (0, 0) = empty), doubled when more than 3/4 full. Never removes.
 */
export class FingerprintSet {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected: number) {
    let capacity = 1 << 10;
    while (capacity * 0.75 < expected && capacity < 1 << 30) capacity *= 2;
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds the current fingerprint (`fpHi`, `fpLo`); `true` when it was not there before. */
  add(): boolean {
    return this.insert(fpHi, fpLo);
  }

  /** Adds the fingerprint (`hi`, `lo`), not (0, 0); `true` when it was not there before. */
  insert(hi: number, lo: number): boolean {
    const slots = this.slots;
    let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & this.mask;
    for (;;) {
      const at = i << 1;
      const h = slots[at]!;
      const l = slots[at + 1]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & this.mask;
    }
    slots[i << 1] = hi;
    slots[(i << 1) + 1] = lo;
    this.count++;
    if (this.count > (this.mask + 1) * 0.75) this.grow();
    return true;
  }

  /**
   * Reads the first slot the fingerprint (`hi`, `lo`) would probe and returns its high word: called for
   * a batch of fingerprints before they are added, so their cache misses overlap (independent loads the
   * CPU runs in parallel) instead of stalling one after the other in {@link add}.
   */
  touch(hi: number, lo: number): number {
    return this.slots[(fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & this.mask) << 1]!;
  }

  /** Whether the current fingerprint (`fpHi`, `fpLo`) is in the set. */
  has(): boolean {
    return this.contains(fpHi, fpLo);
  }

  /** Whether the fingerprint (`hi`, `lo`) is in the set. */
  contains(hi: number, lo: number): boolean {
    const slots = this.slots;
    let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & this.mask;
    for (;;) {
      const at = i << 1;
      const h = slots[at]!;
      const l = slots[at + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    assert(capacity <= 1 << 30, "fingerprint table cannot grow beyond 2^30 slots");
    const slots = new Int32Array(capacity * 2);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += 2) {
      const hi = old[at]!;
      const lo = old[at + 1]!;
      if (hi === 0 && lo === 0) continue;
      let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & mask;
      while (slots[i << 1] !== 0 || slots[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      slots[i << 1] = hi;
      slots[(i << 1) + 1] = lo;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
