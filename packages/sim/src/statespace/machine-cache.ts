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
 * With `intern: true` the cache keeps, instead, every distinct machine state it has seen, once (equal
 * fingerprints, one object), numbered from 0 ({@link id}, {@link byId}: how a model's
 * {@link StateEncoding} packs a machine state into one word), and every step taken from each, exactly: a
 * step is kept on the state it was taken from and costs one map lookup there, not a probe of a large table;
 * at most `slots` steps are kept: when that many are, all are dropped (and taken again when needed). Memory
 * then grows with the distinct machine states (an object each as the machine built it) and is bounded for
 * steps: for models whose machine takes far fewer states than the model (its clock and beliefs vary around
 * it), such as the lease and claim-queue models.
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
  private readonly interned: Interned<S>[] | undefined;
  /** With `intern`: the steps taken from each interned state, by its number, keyed by event code. */
  private memos: (Map<number, CachedStep<S, R>> | undefined)[] = [];
  private internSlots = new Int32Array(0);
  private readonly stepsMax: number;
  private stepsKept = 0;
  /** Transitions run (cache misses) and steps looked up (hits), for reports. */
  misses = 0;
  hits = 0;

  /**
   * @param options `slots`: entries of the direct-mapped cache (a power of two from 1 to 2^26; default
   *   {@link MACHINE_CACHE_SLOTS_DEFAULT}); `intern`: keep every machine state and up to `slots` steps
   *   instead (see above).
   */
  constructor(
    private readonly transition: (state: S, event: E) => { readonly state: S; readonly result: R },
    private readonly fingerprint: (state: S, into: FingerprintBuilder) => void,
    options: { readonly slots?: number; readonly intern?: boolean } = {},
  ) {
    const slots = options.slots ?? MACHINE_CACHE_SLOTS_DEFAULT;
    assert(
      Number.isSafeInteger(slots) && slots >= 1 && slots <= 1 << 26 && (slots & (slots - 1)) === 0,
      () => `MachineCache slots must be a power of two from 1 to 2^26, got ${slots}`,
    );
    const direct = options.intern === true ? 1 : slots;
    this.stepsMax = slots;
    this.his = new Int32Array(direct);
    this.los = new Int32Array(direct);
    this.codes = new Int32Array(direct).fill(-1);
    this.steps = new Array(direct).fill(undefined);
    this.mask = direct - 1;
    if (options.intern === true) {
      this.interned = [];
      this.internSlots = new Int32Array(1 << 10);
    }
  }

  /** Bytes of the cache's own arrays (not counting the cached steps' or interned states' objects). */
  get bytes(): number {
    return (
      this.his.byteLength +
      this.los.byteLength +
      this.codes.byteLength +
      this.steps.length * 8 +
      this.internSlots.byteLength +
      (this.interned?.length ?? 0) * 8
    );
  }

  /** `state` with its fingerprint; with `intern`, the one object kept for every state equal to it. */
  wrap(state: S): Fingerprinted<S> {
    beginFingerprint();
    this.fingerprint(state, BUILDER);
    endFingerprint();
    return this.interned === undefined ? { state, hi: fpHi, lo: fpLo } : this.intern(state, fpHi, fpLo);
  }

  /** The number of an interned machine state (from 0, in the order first seen). Needs `intern`. */
  id(state: Fingerprinted<S>): number {
    const id = (state as Partial<Interned<S>>).id;
    assert(
      id !== undefined && this.interned?.[id] === state,
      "MachineCache.id needs a state wrapped by this cache, with `intern: true`",
    );
    return id;
  }

  /** The interned machine state numbered `id` ({@link id}). */
  byId(id: number): Fingerprinted<S> {
    const node = this.interned?.[id];
    assert(node !== undefined, () => `MachineCache.byId: no interned state ${id}`);
    return node;
  }

  /** Machine states interned so far (0 without `intern`). */
  get internedCount(): number {
    return this.interned?.length ?? 0;
  }

  private intern(state: S, hi: number, lo: number): Interned<S> {
    const nodes = this.interned!;
    let slots = this.internSlots;
    let mask = slots.length - 1;
    let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & mask;
    for (;;) {
      const at = slots[i]!;
      if (at === 0) break;
      const node = nodes[at - 1]!;
      if (node.hi === hi && node.lo === lo) return node;
      i = (i + 1) & mask;
    }
    const node: Interned<S> = { state, hi, lo, id: nodes.length };
    nodes.push(node);
    if (nodes.length * 2 > slots.length) {
      slots = new Int32Array(slots.length * 2);
      mask = slots.length - 1;
      for (const n of nodes) {
        let j = fmix32(n.lo ^ Math.imul(n.hi, 0x9e3779b9)) & mask;
        while (slots[j] !== 0) j = (j + 1) & mask;
        slots[j] = n.id + 1;
      }
      this.internSlots = slots;
    } else slots[i] = node.id + 1;
    return node;
  }

  /**
   * The step of `from` under the event identified by `code` (an integer from 0 to 2^31 − 1); `event()`
   * builds the event, and the machine runs, only on a cache miss.
   */
  step(from: Fingerprinted<S>, code: number, event: () => E): CachedStep<S, R> {
    if (this.interned !== undefined) return this.internedStep(this.id(from), code, event);
    const slot = fmix32(from.lo ^ Math.imul(from.hi, 0x9e3779b9) ^ Math.imul(code, 0x85ebca77)) & this.mask;
    if (this.codes[slot] === code && this.his[slot] === from.hi && this.los[slot] === from.lo) {
      this.hits++;
      return this.steps[slot]!;
    }
    const step = this.run(from, code, event);
    this.his[slot] = from.hi;
    this.los[slot] = from.lo;
    this.codes[slot] = code;
    this.steps[slot] = step;
    return step;
  }

  /** Runs the transition of `event` (code `code`) from `from`: a cache miss. */
  private run(from: Fingerprinted<S>, code: number, event: () => E): CachedStep<S, R> {
    assert(
      Number.isSafeInteger(code) && code >= 0 && code <= 0x7fffffff,
      () => `event code ${code} out of range`,
    );
    this.misses++;
    const t = this.transition(from.state, event());
    const unchanged = t.state === from.state;
    return { next: unchanged ? from : this.wrap(t.state), result: t.result, unchanged };
  }

  private internedStep(id: number, code: number, event: () => E): CachedStep<S, R> {
    const from = this.interned![id]!;
    let steps = this.memos[id];
    if (steps === undefined) {
      steps = new Map();
      this.memos[id] = steps;
    } else {
      const known = steps.get(code);
      if (known !== undefined) {
        this.hits++;
        return known;
      }
    }
    const step = this.run(from, code, event);
    if (this.stepsKept === this.stepsMax) {
      this.memos = [];
      this.stepsKept = 0;
      steps = new Map();
      this.memos[id] = steps;
    }
    this.stepsKept++;
    steps.set(code, step);
    return step;
  }
}

/** An interned machine state (plain data): its fingerprint and its number. */
interface Interned<S> extends Fingerprinted<S> {
  readonly id: number;
}
