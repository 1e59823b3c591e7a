/**
 * A bounded cache of a pure machine's transitions keyed by (machine-state fingerprint, event code), so a model
 * of a large space runs the core once per distinct step. States carry their fingerprint ({@link Fingerprinted}).
 */
import { assert } from "@interleave/core";
import {
  BUILDER,
  beginFingerprint,
  endFingerprint,
  type FingerprintBuilder,
  fmix32,
  fpHi,
  fpLo,
} from "./fingerprint.js";

/**
 * A machine state with its 64-bit content fingerprint (`hi`, `lo`), as a {@link MachineCache} hands it
 * out. A model keeps these in its states and feeds `hi` and `lo` to its own fingerprint instead of
 * walking the machine state again.
 */
export interface Fingerprinted<S> {
  readonly state: S;
  readonly hi: number;
  readonly lo: number;
}

/**
 * A step of a {@link MachineCache}: the next machine state, the machine's result, and `unchanged`: the
 * machine returned the very state it was given (the event changed nothing). A cached step may have been
 * recorded from another object with the same content, so test `unchanged`, not `next === from`.
 */
export interface CachedStep<S, R> {
  readonly next: Fingerprinted<S>;
  readonly result: R;
  readonly unchanged: boolean;
}

/** Default number of slots of a {@link MachineCache}: 2^18 cached steps. */
export const MACHINE_CACHE_SLOTS_DEFAULT = 1 << 18;

/**
 * A pure machine with a bounded cache of its transitions, keyed by (content fingerprint of the machine
 * state, event code). A model of a large space spends much of its time re-running the same machine
 * transition from equal machine states — its states differ in the clock or in what its processes believe,
 * and BFS reaches the same machine state along many interleavings — so the core runs once per distinct
 * (machine state, event) while that step stays in the cache, and is looked up otherwise. Sound because
 * `transition` is pure; equal fingerprints are taken as equal states, with the same collision odds as the
 * checker's own (about n² / 2^64 for n machine states).
 *
 * The cache is direct-mapped with `slots` entries (a power of two; default
 * {@link MACHINE_CACHE_SLOTS_DEFAULT}): a new step overwrites whatever shared its slot, so memory stays
 * bounded whatever the space's size (12 bytes of typed arrays and one reference per slot, plus the cached
 * steps themselves).
 *
 * `fingerprint(state, into)` must feed a canonical key of a machine state (equal states, equal sequences)
 * to `into`. An event code passed to {@link step} must identify the event completely among the events
 * applied to one machine state (e.g. op, holder, token and time packed into one integer): two different
 * events with one code would share a cached step.
 *
 * @example
 * const leases = new MachineCache(Lease.transition, (l, into) => {
 *   into.string(l.holder ?? ""); into.int(l.token); into.int(l.expiresAtMs);
 * });
 * const free = leases.wrap(Lease.initial({ leaseTtlMs: 3_000 }));
 * const { next, result } = leases.step(free, code, () => ({ _tag: "Acquire", holder: "h1", atMs: 0 }));
 */
export class MachineCache<S, E, R> {
  private readonly his: Int32Array;
  private readonly los: Int32Array;
  private readonly codes: Int32Array;
  private readonly steps: (CachedStep<S, R> | undefined)[];
  private readonly mask: number;
  /** Transitions run (cache misses) and steps looked up (hits), for reports. */
  misses = 0;
  hits = 0;

  constructor(
    private readonly transition: (state: S, event: E) => { readonly state: S; readonly result: R },
    private readonly fingerprint: (state: S, into: FingerprintBuilder) => void,
    options: { readonly slots?: number } = {},
  ) {
    const slots = options.slots ?? MACHINE_CACHE_SLOTS_DEFAULT;
    assert(
      Number.isSafeInteger(slots) && slots >= 1 && slots <= 1 << 26 && (slots & (slots - 1)) === 0,
      () => `MachineCache slots must be a power of two from 1 to 2^26, got ${slots}`,
    );
    this.his = new Int32Array(slots);
    this.los = new Int32Array(slots);
    this.codes = new Int32Array(slots).fill(-1);
    this.steps = new Array(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** Bytes of the cache's own arrays (not counting the cached steps' objects). */
  get bytes(): number {
    return this.his.byteLength + this.los.byteLength + this.codes.byteLength + this.steps.length * 8;
  }

  /** `state` with its fingerprint. */
  wrap(state: S): Fingerprinted<S> {
    beginFingerprint();
    this.fingerprint(state, BUILDER);
    endFingerprint();
    return { state, hi: fpHi, lo: fpLo };
  }

  /**
   * The step of `from` under the event identified by `code` (an integer from 0 to 2^31 − 1); `event()`
   * builds the event, and the machine runs, only on a cache miss.
   */
  step(from: Fingerprinted<S>, code: number, event: () => E): CachedStep<S, R> {
    const slot = fmix32(from.lo ^ Math.imul(from.hi, 0x9e3779b9) ^ Math.imul(code, 0x85ebca77)) & this.mask;
    if (this.codes[slot] === code && this.his[slot] === from.hi && this.los[slot] === from.lo) {
      this.hits++;
      return this.steps[slot]!;
    }
    assert(
      Number.isSafeInteger(code) && code >= 0 && code <= 0x7fffffff,
      () => `event code ${code} out of range`,
    );
    this.misses++;
    const t = this.transition(from.state, event());
    const unchanged = t.state === from.state;
    const step: CachedStep<S, R> = {
      next: unchanged ? from : this.wrap(t.state),
      result: t.result,
      unchanged,
    };
    this.his[slot] = from.hi;
    this.los[slot] = from.lo;
    this.codes[slot] = code;
    this.steps[slot] = step;
    return step;
  }
}
