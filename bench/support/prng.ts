/**
 * A seeded PRNG for the benches' generators (fault schedules, generated histories), so a seed gives the same
 * sequence on every run. Not for `sim`, which draws from pure-rand through its chooser.
 */

/** A seeded PRNG in [0, 1): mulberry32 (Tommy Ettinger's public-domain generator). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
