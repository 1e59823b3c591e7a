/**
 * The visited set of `check --workers`: 64-bit fingerprints in one open-addressing table over a
 * `SharedArrayBuffer` (two 32-bit words a slot), shared by every worker thread and filled lock-free: a thread
 * claims an empty slot by `Atomics.compareExchange` of its high word from 0 to {@link PENDING}, stores the low
 * word, then publishes the high word; a reader that meets `PENDING` waits for it. The high word is stored
 * as is, except 0 as {@link ZERO_HIGH}: neither value is ever a real high word (a hashed fingerprint has bit 30
 * set, a numeric key's high word is below 2^21: fingerprint.ts), so 0 marks an empty slot. It does not grow
 * while threads add to it: between levels the coordinator replaces it with a larger copy
 * ({@link SharedFingerprintSet.grown}) when the next level could fill it past 3/4.
 */
import { fmix32, fpHi, fpLo } from "./fingerprint.js";

/** The high word of a slot being filled. */
const PENDING = 0x10000000;
/** How a high word of 0 is stored. */
const ZERO_HIGH = 0x20000000;

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
  private readonly words: Int32Array;
  private readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.mask = (this.words.length >> 1) - 1;
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

  /**
   * Adds the current fingerprint (`fpHi`, `fpLo`) atomically; `true` for the one thread that added it.
   *
   * @throws `Error` when the table is full (more states than it was sized for).
   */
  add(): boolean {
    const hi = fpHi === 0 ? ZERO_HIGH : fpHi;
    const lo = fpLo;
    const words = this.words;
    let i = fmix32(fpLo ^ Math.imul(fpHi, 0x9e3779b9)) & this.mask;
    for (let probes = 0; probes <= this.mask; probes++) {
      const at = i << 1;
      let h = Atomics.load(words, at);
      if (h === 0) {
        h = Atomics.compareExchange(words, at, 0, PENDING);
        if (h === 0) {
          Atomics.store(words, at + 1, lo);
          Atomics.store(words, at, hi);
          return true;
        }
      }
      while (h === PENDING) h = Atomics.load(words, at);
      if (h === hi && Atomics.load(words, at + 1) === lo) return false;
      i = (i + 1) & this.mask;
    }
    throw new Error(`the shared visited set is full (${this.mask + 1} slots)`);
  }

  /** Whether the current fingerprint is in the set. */
  has(): boolean {
    const hi = fpHi === 0 ? ZERO_HIGH : fpHi;
    const words = this.words;
    let i = fmix32(fpLo ^ Math.imul(fpHi, 0x9e3779b9)) & this.mask;
    for (let probes = 0; probes <= this.mask; probes++) {
      const at = i << 1;
      let h = Atomics.load(words, at);
      if (h === 0) return false;
      while (h === PENDING) h = Atomics.load(words, at);
      if (h === hi && Atomics.load(words, at + 1) === fpLo) return true;
      i = (i + 1) & this.mask;
    }
    return false;
  }

  /** A copy with `slots` slots (a power of two, enough for every fingerprint here); no thread may add meanwhile. */
  grown(slots: number): SharedFingerprintSet {
    const next = SharedFingerprintSet.create(slots);
    const from = this.words;
    const to = next.words;
    const mask = slots - 1;
    for (let at = 0; at < from.length; at += 2) {
      const stored = from[at]!;
      if (stored === 0) continue;
      const lo = from[at + 1]!;
      const hi = stored === ZERO_HIGH ? 0 : stored;
      let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & mask;
      while (to[i << 1] !== 0) i = (i + 1) & mask;
      to[i << 1] = stored;
      to[(i << 1) + 1] = lo;
    }
    return next;
  }
}
