/**
 * Explicit-state model of the core `FencedResource` used with the core `Lease` (Kleppmann 2016, "How to do
 * distributed locking"; seed 004's merge lease, which had no fencing token): N holders acquire, renew and
 * release one lease, may stall past its expiry, and then write to (or fence) one resource with the fencing
 * token they were granted — stale ones included. The fenced resource (`fenced-resource`) is verified; the
 * seed's unfenced store, a wrapper here that accepts any write, is found with the shortest stale-holder write
 * (`fenced-resource-unfenced-write`). The model keeps, next to the lease and the resource, what each holder
 * believes (its token and expiry) and ghost fields for the properties of a transition.
 */
import { FencedResource, Lease } from "@interleave/core";
import { defineModel } from "@interleave/sim";
import { type Fingerprinted, MachineCache, type StateSpaceModel } from "@interleave/sim/statespace";
import { capitalize, sizeOption } from "../model-options.js";
import {
  acquireOutcome,
  describeHolders,
  fingerprintBeliefs,
  fingerprintLease,
  type LeaseBelief,
  renewOutcome,
  withBelief,
} from "./lease.model.js";

/**
 * The store of seed 004 (merge_gate.py's file lease guards `main`, and `main` takes any push): a write is
 * stored whatever its fencing token, since nothing compares tokens — what ./repository.ts does with
 * `fenced: false`. A wrapper around the core, not a mode of it: a Write runs the core's `transition` with the
 * token raised to the highest seen (so the core accepts it) and answers `Accepted` with the writer's own
 * token; a Fence is the core's. The value written is kept as given.
 */
export const unfencedStore = {
  transition<V>(
    state: FencedResource.State<V>,
    event: FencedResource.Event<V>,
  ): ReturnType<typeof FencedResource.transition<V>> {
    if (event._tag !== "Write") return FencedResource.transition(state, event);
    const step = FencedResource.transition(state, {
      ...event,
      token: Math.max(event.token, state.highestToken),
    });
    return { ...step, result: { _tag: "Accepted", token: event.token } };
  },
};

/**
 * State of {@link fencedResourceModel}: the `Lease`, the resource (its value is the fencing token of the
 * write it last accepted, so it says whose write it kept), the clock (`nowMs`), each holder's belief (`null`
 * when it holds nothing), and two ghost fields: `seenToken`, the highest token of any write or fence the
 * resource accepted (the model's own count, from the results, not the resource's `highestToken`), and `broken`,
 * the transition properties the last input broke (a bit per property: 1 {@link FR_HIGHEST}, 2
 * {@link FR_STALE_HOLDER}, 4 {@link FR_FENCING}, 8 {@link FR_LIVE_HOLDER}; 0 when none).
 */
export interface FencedResourceModelState {
  /** The lease and its fingerprint, from the model's lease {@link MachineCache}. */
  readonly lease: Fingerprinted<Lease.State>;
  /** The resource and its fingerprint, from the model's resource {@link MachineCache}. */
  readonly resource: Fingerprinted<FencedResource.State<number>>;
  readonly nowMs: number;
  readonly beliefs: readonly (LeaseBelief | null)[];
  readonly seenToken: number;
  readonly broken: number;
}

/**
 * An input of {@link fencedResourceModel}: advance the clock, or a holder (index) acquires, renews or releases
 * the lease, or writes to or fences the resource with the token it holds.
 */
export type FencedResourceInput =
  | { readonly op: "tick" }
  | {
      readonly op: "acquire" | "renew" | "release" | "write" | "fence";
      readonly holder: number;
    };

/** Size and variant of {@link fencedResourceModel}; every duration is integer ms. */
export interface FencedResourceModelOptions {
  /** Holders `h1..hN`. Default 3. */
  readonly holders?: number;
  /** The lease's `leaseTtlMs`. Default 3,000. */
  readonly leaseTtlMs?: number;
  /** One `tick` advances the clock by this much. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here (no `tick` beyond). Default 9,000. */
  readonly horizonMs?: number;
  /** Grants allowed (fencing tokens 1..grantsMax); an Acquire granting beyond is not enabled. Default 4. */
  readonly grantsMax?: number;
  /** Writes the resource may accept in all; a Write is not enabled beyond. Default 3. */
  readonly writesMax?: number;
  /**
   * `fenced` (the core `FencedResource`: a write or fence is accepted only with a token ≥ the highest seen) or
   * `unfenced` ({@link unfencedStore}: seed 004's store, any write is accepted). Default `fenced`.
   */
  readonly store?: "fenced" | "unfenced";
  /** Slots of each of the model's {@link MachineCache}s (a power of two). Default 2^14. */
  readonly cacheSlots?: number;
  /**
   * Called with the event and the result of every lease or resource step the model takes (cached or not),
   * e.g. to see which results a check reached. Observation only; it does not change the model.
   */
  readonly observe?: (
    event: Lease.Event | FencedResource.Event<number>,
    result: Lease.Result | FencedResource.Result,
  ) => void;
  /** The model's name in reports. Default `fenced-resource` or `fenced-resource-unfenced-write`. */
  readonly name?: string;
}

/** Invariant: an accepted write's token is at least every token the resource accepted before (Kleppmann). */
export const FR_HIGHEST = "the resource never accepts a write with a token below the highest it has seen";
/** Invariant: the stale-holder write never lands after its successor's write. */
export const FR_STALE_HOLDER = "a holder whose lease was taken over can never write after its successor did";
/** Invariant: every new grant of the lease gets a token above every earlier one. */
export const FR_FENCING = "fencing tokens strictly increase per grant";
/** Invariant: fencing never refuses the holder whose lease is live (no write is lost to it). */
export const FR_LIVE_HOLDER = "the resource accepts the writes and fences of the holder of the live lease";

/** Bits of the properties in {@link FencedResourceModelState.broken}. */
const BROKEN_HIGHEST = 1;
const BROKEN_STALE_HOLDER = 2;
const BROKEN_FENCING = 4;
const BROKEN_LIVE_HOLDER = 8;

/** Op codes of the lease events in the lease cache. */
const LEASE_OPS = { acquire: 0, renew: 1, release: 2 } as const;

/**
 * N holders × Acquire / Renew / Release on one `Lease` and Write / Fence on one resource, with a `tick` that
 * advances the clock by `stepMs` up to `horizonMs`. A holder acts on the grant it was told about (`Granted`
 * or `Renewed`: its lease is live until some time): it renews and releases with that token, and writes (its
 * token as the value) or fences with it at any later time — it may have stalled past its expiry meanwhile
 * and not know (a GC pause), so stale tokens reach the resource. That is the check-then-write in two steps:
 * the check is the lease's answer, the write a later step. (A separate "check the clock" step would change
 * nothing: a holder can always check right after its grant, while the lease is live, and stall after.) A
 * holder forgets its grant when it releases or its renewal is refused; a refused write or fence leaves its
 * belief as it is.
 *
 * Invariants: {@link FR_HIGHEST} (an accepted write's token is at least the highest token of every write and
 * fence accepted before it, counted by the model), {@link FR_STALE_HOLDER} (an accepted write's token is at
 * least that of the write the resource last accepted: tokens order grants, so a write of an earlier grant
 * never lands after a later grant's write), {@link FR_FENCING} (each new grant's token is above the lease's
 * last token; a same-holder re-acquire while valid keeps its token), and {@link FR_LIVE_HOLDER} (fencing never
 * refuses the holder whose lease is live, so it is not bought with lost writes). All four are transition
 * properties, checked through the ghost field `broken`.
 *
 * Size: the defaults (3 holders, TTL 3 s, 1 s ticks to 9 s, 4 grants, 3 accepted writes) give 217,644 states;
 * {@link FENCED_RESOURCE_SMALL} 3,821 (tests). Lease and resource transitions go through a {@link MachineCache}
 * each. `store: "unfenced"` breaks {@link FR_HIGHEST} and {@link FR_STALE_HOLDER} after
 * `leaseTtlMs / stepMs + 4` inputs: Acquire h1, ticks to its expiry, Acquire h2, Write h2, Write h1.
 *
 * @throws `RangeError` naming a size that is not a positive integer; `InvalidConfigError` (from the core)
 *   for a bad `leaseTtlMs`.
 */
export function fencedResourceModel(
  options: FencedResourceModelOptions = {},
): StateSpaceModel<FencedResourceModelState, FencedResourceInput> {
  const holders = sizeOption(options.holders, 3, "holders");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 9_000, "horizonMs");
  const grantsMax = sizeOption(options.grantsMax, 4, "grantsMax");
  const writesMax = sizeOption(options.writesMax, 3, "writesMax");
  const unfenced = (options.store ?? "fenced") === "unfenced";
  const store = unfenced ? unfencedStore : FencedResource;
  const slots = options.cacheSlots ?? 1 << 14;
  const observe = options.observe;
  const leases = new MachineCache(Lease.transition, fingerprintLease, { slots });
  const resources = new MachineCache(
    (r: FencedResource.State<number>, e: FencedResource.Event<number>) => store.transition(r, e),
    (r: FencedResource.State<number>, into) => {
      into.int(r.highestToken);
      into.int(r.value ?? -1);
      into.int(r.writeCount);
    },
    { slots },
  );
  /** Lease cache code: op, holder, token and time, packed. */
  const leaseCode = (op: number, h: number, token: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * (grantsMax + 2) + token) * holders + h) * 4 + op;
  const names = Array.from({ length: holders }, (_, i) => `h${i + 1}`);
  const alphabet: FencedResourceInput[] = [{ op: "tick" }];
  for (const op of ["acquire", "renew", "release", "write", "fence"] as const) {
    for (let holder = 0; holder < holders; holder++) alphabet.push({ op, holder });
  }
  const leaseStep = (s: FencedResourceModelState, code: number, event: () => Lease.Event) => {
    const st = leases.step(s.lease, code, event);
    observe?.(event(), st.result);
    return st;
  };

  const next = (s: FencedResourceModelState, input: FencedResourceInput): FencedResourceModelState | null => {
    if (input.op === "tick") {
      const nowMs = s.nowMs + stepMs;
      if (nowMs > horizonMs) return null;
      return { ...s, nowMs, broken: 0 };
    }
    const h = input.holder;
    const holder = names[h]!;
    const belief = s.beliefs[h]!;
    const atMs = s.nowMs;
    const lease = s.lease.state;
    if (input.op === "acquire") {
      const st = leaseStep(s, leaseCode(LEASE_OPS.acquire, h, 0, atMs), () => ({
        _tag: "Acquire",
        holder,
        atMs,
      }));
      const out = acquireOutcome(s.lease, st, holder, atMs, belief, grantsMax);
      if (out === null || out === "same") return out === null ? null : s;
      return {
        ...s,
        lease: out.lease,
        beliefs: out.belief === undefined ? s.beliefs : withBelief(s.beliefs, h, out.belief),
        broken: out.fresh ? 0 : BROKEN_FENCING,
      };
    }
    if (belief === null) return null;
    const { token } = belief;
    if (input.op === "renew" || input.op === "release") {
      const tag = input.op === "renew" ? "Renew" : "Release";
      const st = leaseStep(s, leaseCode(LEASE_OPS[input.op], h, token, atMs), () => ({
        _tag: tag,
        holder,
        token,
        atMs,
      }));
      const out = renewOutcome(s.lease, st, belief);
      if (out === "same") return s;
      return { ...s, lease: out.lease, beliefs: withBelief(s.beliefs, h, out.belief), broken: 0 };
    }
    // Write or Fence with the token the holder was granted, live or not.
    const before = s.resource.state;
    const write = input.op === "write";
    if (write && before.writeCount >= writesMax) return null;
    const event = (): FencedResource.Event<number> =>
      write ? { _tag: "Write", token, value: token } : { _tag: "Fence", token };
    const st = resources.step(s.resource, token * 2 + (write ? 0 : 1), event);
    const r = st.result;
    observe?.(event(), r);
    const live = lease.holder === holder && lease.token === token && atMs < lease.expiresAtMs;
    let broken = 0;
    if (r._tag === "Accepted") {
      if (token < s.seenToken) broken |= BROKEN_HIGHEST;
      if (before.value !== null && token < before.value) broken |= BROKEN_STALE_HOLDER;
    } else if (live && r._tag === "StaleToken") broken |= BROKEN_LIVE_HOLDER;
    const seenToken = r._tag === "StaleToken" ? s.seenToken : Math.max(s.seenToken, token);
    if (st.unchanged && broken === 0 && seenToken === s.seenToken) return s;
    return { ...s, resource: st.unchanged ? s.resource : st.next, seenToken, broken };
  };

  return {
    name: options.name ?? (unfenced ? "fenced-resource-unfenced-write" : "fenced-resource"),
    initial: {
      lease: leases.wrap(Lease.initial({ leaseTtlMs: options.leaseTtlMs ?? 3_000 })),
      resource: resources.wrap(FencedResource.initial<number>()),
      nowMs: 0,
      beliefs: Array.from({ length: holders }, () => null),
      seenToken: 0,
      broken: 0,
    },
    inputs: () => alphabet,
    next,
    invariants: [
      { name: FR_HIGHEST, holds: (s) => (s.broken & BROKEN_HIGHEST) === 0 },
      { name: FR_STALE_HOLDER, holds: (s) => (s.broken & BROKEN_STALE_HOLDER) === 0 },
      { name: FR_FENCING, holds: (s) => (s.broken & BROKEN_FENCING) === 0 },
      { name: FR_LIVE_HOLDER, holds: (s) => (s.broken & BROKEN_LIVE_HOLDER) === 0 },
    ],
    fingerprint: (s, into) => {
      into.int(s.lease.hi);
      into.int(s.lease.lo);
      into.int(s.resource.hi);
      into.int(s.resource.lo);
      into.int(s.nowMs);
      into.int(s.seenToken);
      into.int(s.broken);
      fingerprintBeliefs(s.beliefs, into);
    },
    describe: (input) =>
      input.op === "tick" ? `tick +${stepMs}ms` : `${capitalize(input.op)} ${names[input.holder]}`,
    describeState: (s) => {
      const { lease, beliefs } = describeHolders(s.lease.state, s.beliefs, names);
      const r = s.resource.state;
      const resource = `highest ${r.highestToken}, value ${r.value ?? "-"}, ${r.writeCount} write(s)`;
      return `now=${s.nowMs} lease=${lease} resource=${resource} believed ${beliefs}`;
    },
  };
}

/** A small instance for tests: 2 holders, ticks to 5 s, 3 grants, 2 writes. */
export const FENCED_RESOURCE_SMALL: FencedResourceModelOptions = {
  holders: 2,
  horizonMs: 5_000,
  grantsMax: 3,
  writesMax: 2,
};

const SOURCE = "Kleppmann 2016, How to do distributed locking; shared/seeds/004_1b9ac3a108b9e833.txt";

/** The fenced resource with the lease's tokens: every invariant in every state. */
export const fencedResourceChecked = defineModel({
  name: "fenced-resource",
  machine: "Lease + FencedResource",
  description:
    "3 holders acquire, renew and release one lease (TTL 3 s), stall past expiry, then Write or Fence with the token they hold (stale ones too); 1 s ticks to 9 s; 4 grants; 3 accepted writes",
  source: SOURCE,
  expect: "pass",
  why: "no write below the highest token seen; a taken-over holder never writes after its successor; tokens increase per grant; the live holder is never refused",
  build: () => fencedResourceModel(),
});

/** Seed 004's store without fencing: the stale-holder write, found in 7 inputs. */
export const fencedResourceUnfencedWriteChecked = defineModel({
  name: "fenced-resource-unfenced-write",
  machine: "Lease + FencedResource",
  description:
    "the same with seed 004's store, which accepts any write from a holder that believes its lease is live",
  source: SOURCE,
  expect: "violation",
  why: "a holder stalls past its lease, a successor is granted and writes, and the stalled holder's write lands after it",
  build: () => fencedResourceModel({ store: "unfenced" }),
});

/** The fenced-resource models, in the order `interleave check` lists them. */
export const fencedResourceModels = [fencedResourceChecked, fencedResourceUnfencedWriteChecked] as const;
