/**
 * 64-bit state fingerprints: a state's canonical key (a model's own integer/string sequence, its `key`, or
 * {@link canonicalKey}) hashed as it arrives into two 32-bit lanes (MurmurHash3's block step with different
 * constants and seeds, each finalised with fmix32). The result is left in {@link fpHi}/{@link fpLo}, read by
 * the fingerprint set and the machine cache: nothing is allocated per state.
 */
import { assert } from "@interleave/core";
import { canonicalKey } from "./canonical.js";
import type { StateSpaceModel } from "./model.js";

/**
 * Receives a state's canonical key as a sequence of integers and strings (see
 * {@link StateSpaceModel.fingerprint}); they are hashed as they arrive, nothing is allocated.
 */
export interface FingerprintBuilder {
  /** Adds a safe integer (an int32 is one word; a larger one two). */
  int(n: number): void;
  /** Adds a string (its length, then its characters two per word). */
  string(s: string): void;
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

// The fingerprint being built: two independent 32-bit lanes (MurmurHash3's block step, with different
// constants and seeds) and the word count; then the result, read by FingerprintSet.
let laneA = 0;
let laneB = 0;
let words = 0;
/** The last fingerprint finished (high and low 32 bits), read by FingerprintSet and MachineCache. */
export let fpHi = 0;
export let fpLo = 0;

function mixWord(w: number): void {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  laneA ^= Math.imul(k, 0x1b873593);
  laneA = (laneA << 13) | (laneA >>> 19);
  laneA = (Math.imul(laneA, 5) + 0xe6546b64) | 0;
  let j = Math.imul(w, 0x85ebca77);
  j = (j << 13) | (j >>> 19);
  laneB ^= Math.imul(j, 0xc2b2ae3d);
  laneB = (laneB << 17) | (laneB >>> 15);
  laneB = (Math.imul(laneB, 9) + 0x27d4eb2f) | 0;
  words++;
}

export function beginFingerprint(): void {
  laneA = 0x9747b28c;
  laneB = 0x165667b1;
  words = 0;
}

/**
 * Finishes the fingerprint: bit 30 of the high lane is set, so a hashed fingerprint never equals an exact
 * numeric one (whose high lane is below 2^21) nor the empty slot (0, 0); 63 hashed bits remain.
 */
export function endFingerprint(): void {
  fpHi = fmix32(laneA ^ words) | 0x40000000;
  fpLo = fmix32(laneB ^ Math.imul(words, 0x9e3779b9));
}

function mixInt(n: number): void {
  if ((n | 0) === n) {
    mixWord(n);
    return;
  }
  assert(Number.isSafeInteger(n), () => `a fingerprint takes safe integers, got ${n}`);
  mixWord(n | 0);
  mixWord(Math.floor(n / 4294967296) ^ 0x7f4a7c15);
}

function mixString(s: string): void {
  mixWord(s.length ^ 0x68e31da4);
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) mixWord(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) mixWord(s.charCodeAt(i));
}

/**
 * Sets `fpHi`/`fpLo` to the fingerprint of `n` int32 words `words[at .. at + n)` (a model's packed
 * encoding, {@link StateSpaceModel.encoding}): the same two lanes as {@link FingerprintBuilder.int} of each
 * word, computed in locals (nothing allocated, no call per word).
 */
export function fingerprintWords(words: Int32Array, at: number, n: number): void {
  let a = 0x9747b28c;
  let b = 0x165667b1;
  for (let i = at, end = at + n; i < end; i++) {
    const w = words[i]!;
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    a ^= Math.imul(k, 0x1b873593);
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w, 0x85ebca77);
    j = (j << 13) | (j >>> 19);
    b ^= Math.imul(j, 0xc2b2ae3d);
    b = (b << 17) | (b >>> 15);
    b = (Math.imul(b, 9) + 0x27d4eb2f) | 0;
  }
  fpHi = fmix32(a ^ n) | 0x40000000;
  fpLo = fmix32(b ^ Math.imul(n, 0x9e3779b9));
}

export const BUILDER: FingerprintBuilder = { int: mixInt, string: mixString };

/**
 * Sets `fpHi`/`fpLo` to the 64-bit fingerprint of `key`, never (0, 0) (the empty-slot marker). A number n
 * (a non-negative safe integer) is stored as n + 1 exactly; a string is hashed.
 */
function fingerprintKey(key: string | number): void {
  if (typeof key === "number") {
    assert(
      Number.isSafeInteger(key) && key >= 0 && key < Number.MAX_SAFE_INTEGER,
      () => `a numeric state key must be a non-negative safe integer, got ${key}`,
    );
    const n = key + 1;
    fpLo = n | 0;
    fpHi = Math.floor(n / 4294967296) | 0;
    return;
  }
  beginFingerprint();
  mixString(key);
  endFingerprint();
}

/** The function that leaves the fingerprint of a state of `model` in `fpHi`/`fpLo`. */
export function fingerprinter<S, I>(model: StateSpaceModel<S, I>): (state: S) => void {
  const { fingerprint, key } = model;
  if (fingerprint !== undefined) {
    return (state) => {
      beginFingerprint();
      fingerprint.call(model, state, BUILDER);
      endFingerprint();
    };
  }
  if (key !== undefined) return (state) => fingerprintKey(key.call(model, state));
  return (state) => fingerprintKey(canonicalKey(state));
}
