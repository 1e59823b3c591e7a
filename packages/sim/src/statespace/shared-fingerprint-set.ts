/**
 * The visited set of `check --workers`: 64-bit fingerprints in one open-addressing table over a
 * `SharedArrayBuffer`, shared by every worker thread and filled lock-free (a slot is claimed with
 * `Atomics.compareExchange` on its 64-bit word; 0 = empty, a fingerprint that can never be (0, 0): see
 * fingerprint.ts). It does not grow while threads add to it: between levels the coordinator replaces it with a
 * larger copy ({@link SharedFingerprintSet.grown}) when the next level could fill it past 3/4.
 */
import { fmix32, fpHi, fpLo } from "./fingerprint.js";

/**
 * Slots of a shared set for `states` states: a power of two, at most 3/4 full.
 *
 * @throws `Error` beyond 2^30 slots.
 */
export function sharedSetSlots(states: number): number {
  let slots = 1 << 12;
  while (slots * 0.75 < states) {
    slots *= 2;
    if (slots > 2 ** 30) throw new Error(`a shared visited set for ${states} states exceeds 2^30 slots`);
  }
  return slots;
}

/** A view of a shared fingerprint table (`buffer`: 8 bytes per slot, a power of two of slots). */
export class SharedFingerprintSet {
  private readonly slots: BigInt64Array;
  private readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = new BigInt64Array(buffer);
    this.mask = this.slots.length - 1;
  }

  /** A table of `slots` slots (a power of two). */
  static create(slots: number): SharedFingerprintSet {
    return new SharedFingerprintSet(new SharedArrayBuffer(slots * 8));
  }

  get bytes(): number {
    return this.buffer.byteLength;
  }

  /** Slots of the table. */
  get slotCount(): number {
    return this.mask + 1;
  }

  /** A copy with `slots` slots (a power of two, enough for every fingerprint here); no thread may add meanwhile. */
  grown(slots: number): SharedFingerprintSet {
    const next = SharedFingerprintSet.create(slots);
    const to = next.slots;
    const mask = slots - 1;
    for (const key of this.slots) {
      if (key === 0n) continue;
      const hi = Number(BigInt.asIntN(32, key >> 32n));
      const lo = Number(BigInt.asIntN(32, key));
      let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & mask;
      while (to[i] !== 0n) i = (i + 1) & mask;
      to[i] = key;
    }
    return next;
  }

  /**
   * Adds the current fingerprint (`fpHi`, `fpLo`) atomically; `true` for the one thread that added it.
   *
   * @throws `Error` when the table is full (more states than it was sized for).
   */
  add(): boolean {
    const key = BigInt.asIntN(64, (BigInt(fpHi) << 32n) | BigInt(fpLo >>> 0));
    const slots = this.slots;
    let i = fmix32(fpLo ^ Math.imul(fpHi, 0x9e3779b9)) & this.mask;
    for (let probes = 0; probes <= this.mask; probes++) {
      const current = Atomics.load(slots, i);
      if (current === key) return false;
      if (current === 0n) {
        const previous = Atomics.compareExchange(slots, i, 0n, key);
        if (previous === 0n) return true;
        if (previous === key) return false;
      }
      i = (i + 1) & this.mask;
    }
    throw new Error(`the shared visited set is full (${this.mask + 1} slots); raise --max-states`);
  }

  /** Whether the current fingerprint is in the set. */
  has(): boolean {
    const key = BigInt.asIntN(64, (BigInt(fpHi) << 32n) | BigInt(fpLo >>> 0));
    const slots = this.slots;
    let i = fmix32(fpLo ^ Math.imul(fpHi, 0x9e3779b9)) & this.mask;
    for (let probes = 0; probes <= this.mask; probes++) {
      const current = Atomics.load(slots, i);
      if (current === key) return true;
      if (current === 0n) return false;
      i = (i + 1) & this.mask;
    }
    return false;
  }
}
