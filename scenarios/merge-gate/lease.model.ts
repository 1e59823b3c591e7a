/**
 * Explicit-state model of the core `Lease` (seed 004's merge lease: acquire, stale reclaim after expiry,
 * holder-aware release; with fencing tokens, Kleppmann 2016): N holders acquire, renew and release one lease
 * over a discrete clock. The fixed lease (`lease`) is verified; `lease-unguarded-release` — a release that frees
 * whatever grant is current, the bug seed 004's holder-aware `release_merge_lease` exists to prevent — is found
 * with its shortest counterexample. Each model keeps, next to the lease, what its holders believe (the token and
 * expiry they were told) and a ghost field for the transition property "fencing tokens strictly increase".
 */
import { Lease } from "@interleave/core";
import { defineModel } from "@interleave/sim";
import {
  type CachedStep,
  type FingerprintBuilder,
  type Fingerprinted,
  MachineCache,
  type StateEncoding,
  type StateSpaceModel,
} from "@interleave/sim/statespace";
import { capitalize, sizeOption } from "../model-options.js";

/** What a holder was told by its last Granted / Renewed: its fencing token and the expiry (ms). */
export interface LeaseBelief {
  readonly token: number;
  readonly untilMs: number;
}

// --- lease holders: the pieces every model of holders around one Lease shares (this one, fenced-resource) ---

/** Feeds a lease state's canonical key to `into` (holder, token, expiry): the fingerprint of its cache. */
export function fingerprintLease(l: Lease.State, into: FingerprintBuilder): void {
  if (l.holder === null) into.int(-1);
  else into.string(l.holder);
  into.int(l.token);
  into.int(l.expiresAtMs);
}

/** Feeds each holder's belief to `into` (token and expiry; −1 for a holder that holds nothing). */
export function fingerprintBeliefs(beliefs: readonly (LeaseBelief | null)[], into: FingerprintBuilder): void {
  for (const b of beliefs) {
    if (b === null) into.int(-1);
    else {
      into.int(b.token);
      into.int(b.untilMs);
    }
  }
}

/** `beliefs` with holder `h`'s replaced by `belief` (a new array). */
export function withBelief(
  beliefs: readonly (LeaseBelief | null)[],
  h: number,
  belief: LeaseBelief | null,
): readonly (LeaseBelief | null)[] {
  const next = beliefs.slice();
  next[h] = belief;
  return next;
}

/** The lease and the beliefs as counterexamples print them: `lease=h2 token 2 until 6000 believed h1:- h2:2@6000`. */
export function describeHolders(
  l: Lease.State,
  beliefs: readonly (LeaseBelief | null)[],
  names: readonly string[],
): { readonly lease: string; readonly beliefs: string } {
  const lease =
    l.holder === null ? `free (token ${l.token})` : `${l.holder} token ${l.token} until ${l.expiresAtMs}`;
  return {
    lease,
    beliefs: beliefs.map((b, h) => `${names[h]}:${b === null ? "-" : `${b.token}@${b.untilMs}`}`).join(" "),
  };
}

/**
 * What holder `holder` (believing `belief`) learns from `step`, its Acquire at `atMs` on the lease `before`:
 * `null` when the grant's token is beyond `grantsMax` (the input is not enabled); `"same"` when neither the
 * lease nor the belief changes; otherwise the lease after the step, the new belief (`undefined`: unchanged, as
 * after a refusal) and `fresh` — whether the grant's fencing token is above the previous grant's, or equal for
 * the valid holder's own re-acquire ("fencing tokens strictly increase per grant").
 */
export function acquireOutcome(
  from: Fingerprinted<Lease.State>,
  step: CachedStep<Lease.State, Lease.Result>,
  holder: string,
  atMs: number,
  belief: LeaseBelief | null,
  grantsMax: number,
):
  | null
  | "same"
  | { readonly lease: Fingerprinted<Lease.State>; readonly belief?: LeaseBelief; readonly fresh: boolean } {
  const r = step.result;
  if (r._tag !== "Granted") return step.unchanged ? "same" : { lease: step.next, fresh: true };
  if (r.token > grantsMax) return null;
  const before = from.state;
  const wasValid = before.holder === holder && atMs < before.expiresAtMs;
  const fresh = wasValid ? r.token === before.token : r.token > before.token;
  if (step.unchanged && belief?.token === r.token && belief.untilMs === r.expiresAtMs) return "same";
  return {
    lease: step.unchanged ? from : step.next,
    belief: { token: r.token, untilMs: r.expiresAtMs },
    fresh,
  };
}

/**
 * What a holder believing `belief` learns from `step`, its Renew: `"same"` when nothing changes; otherwise the
 * lease after it and the new belief — the renewed expiry, or `null` when the renewal was refused (it forgets).
 */
export function renewOutcome(
  from: Fingerprinted<Lease.State>,
  step: CachedStep<Lease.State, Lease.Result>,
  belief: LeaseBelief,
): "same" | { readonly lease: Fingerprinted<Lease.State>; readonly belief: LeaseBelief | null } {
  const r = step.result;
  const told = r._tag === "Renewed" ? { token: belief.token, untilMs: r.expiresAtMs } : null;
  if (step.unchanged && told?.untilMs === belief.untilMs) return "same";
  return { lease: step.unchanged ? from : step.next, belief: told };
}

/**
 * The lease step of holder `holder` (index `h`, believing it holds `token`) releasing at `atMs`: the Release of its
 * own grant, or — `unguarded`, the seeded bug of a release that does not check who holds the lease — the Release
 * of whoever holds it. `code(op, h, token, atMs)` is the model's cache code (op 2 release, 3 unguarded release).
 */
export function releaseStep(
  leases: MachineCache<Lease.State, Lease.Event, Lease.Result>,
  from: Fingerprinted<Lease.State>,
  h: number,
  holder: string,
  token: number,
  atMs: number,
  unguarded: boolean,
  code: (op: number, h: number, token: number, atMs: number) => number,
): CachedStep<Lease.State, Lease.Result> {
  const lease = from.state;
  const current = lease.holder;
  return unguarded && current !== null
    ? leases.step(from, code(3, 0, 0, atMs), () => ({
        _tag: "Release",
        holder: current,
        token: lease.token,
        atMs,
      }))
    : leases.step(from, code(2, h, token, atMs), () => ({ _tag: "Release", holder, token, atMs }));
}

// --- the lease model -----------------------------------------------------------------------------------

/**
 * State of {@link leaseModel}: the `Lease`, the clock (`nowMs`), each holder's belief (`null` when it
 * holds nothing), and `broken`, the name of a transition property the last input broke (a ghost field).
 */
export interface LeaseModelState {
  /** The lease and its fingerprint, from the model's {@link MachineCache}; `lease.state` is the lease. */
  readonly lease: Fingerprinted<Lease.State>;
  readonly nowMs: number;
  readonly beliefs: readonly (LeaseBelief | null)[];
  readonly broken: string | null;
}

/** An input of {@link leaseModel}: advance the clock, or a holder (index) acquires, renews or releases. */
export type LeaseInput =
  | { readonly op: "tick" }
  | { readonly op: "acquire" | "renew" | "release"; readonly holder: number };

/** Size and variant of {@link leaseModel}; every duration is integer ms. */
export interface LeaseModelOptions {
  /** Holders `h1..hN`. Default 3. */
  readonly holders?: number;
  /** The lease's `leaseTtlMs`. Default 3,000. */
  readonly leaseTtlMs?: number;
  /** One `tick` advances the clock by this much. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here (no `tick` beyond). Default 12,000. */
  readonly horizonMs?: number;
  /** Grants allowed (fencing tokens 1..grantsMax); an Acquire granting beyond is not enabled. Default 6. */
  readonly grantsMax?: number;
  /**
   * `holder-aware` (the core `Release`: holder and token must match) or `unguarded`: a release deletes
   * whatever grant is current, like a Redis `DEL` without a compare — the classic bug where a holder whose
   * lease expired frees its successor's lease. Default `holder-aware`.
   */
  readonly release?: "holder-aware" | "unguarded";
  /**
   * Slots of a direct-mapped {@link MachineCache} (a power of two), with states checked as objects. Default:
   * an interning cache (2^18 steps kept) and states packed as 3 + 2 × holders words (`encoding`), faster.
   */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `lease`, or `lease-unguarded-release`. */
  readonly name?: string;
}

const LEASE_ONE_HOLDER = "at most one holder has a live lease";
const LEASE_FENCING = "fencing tokens strictly increase per grant";
const LEASE_BACKED = "a holder's live lease is the grant the lease records";

/**
 * N holders × acquire / renew / release on one `Lease`, with a `tick` that advances the clock by `stepMs`
 * up to `horizonMs`. A holder renews and releases with the token it was granted; it forgets its grant when
 * it releases or a renewal is refused. Invariants: "at most one holder has a live lease" (live = its
 * belief's expiry is after now), "a holder's live lease is the grant the lease records" (same holder and
 * token), and "fencing tokens strictly increase per grant" (each new grant's token is above every earlier
 * one; checked on the transition through the ghost field `broken`).
 *
 * Size: the defaults give 95,047 states; `{ holders: 2, horizonMs: 8_000, grantsMax: 4 }` 2,181 (tests);
 * {@link LEASE_LARGE} 1,134,299 (the benchmark). Lease transitions go through a {@link MachineCache}.
 * `release: "unguarded"` breaks "a holder's live lease is the grant the lease records" after
 * `leaseTtlMs / stepMs + 3` inputs (acquire, ticks to expiry, the successor's acquire, the stale release),
 * and "at most one holder has a live lease" one input later (the stale holder acquires again).
 *
 * @throws `RangeError` naming a size that is not a positive integer; `InvalidConfigError` (from the
 *   core) for a bad `leaseTtlMs`.
 */
export function leaseModel(options: LeaseModelOptions = {}): StateSpaceModel<LeaseModelState, LeaseInput> {
  const holders = sizeOption(options.holders, 3, "holders");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 12_000, "horizonMs");
  const grantsMax = sizeOption(options.grantsMax, 6, "grantsMax");
  const unguarded = (options.release ?? "holder-aware") === "unguarded";
  // Interned (every lease state once, numbered) unless a direct-mapped cache size is asked for: the
  // numbers let the model pack its states (`encoding`), which needs interning.
  const interned = options.cacheSlots === undefined;
  const leases = new MachineCache(
    Lease.transition,
    fingerprintLease,
    interned ? { intern: true } : { slots: options.cacheSlots },
  );
  const initialLease = leases.wrap(Lease.initial({ leaseTtlMs: options.leaseTtlMs ?? 3_000 }));
  /** Cache code of an event: op (0 acquire, 1 renew, 2 release, 3 unguarded release), holder, token, time. */
  const code = (op: number, h: number, token: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * (grantsMax + 2) + token) * holders + h) * 4 + op;
  const names = Array.from({ length: holders }, (_, i) => `h${i + 1}`);
  const alphabet: LeaseInput[] = [{ op: "tick" }];
  for (const op of ["acquire", "renew", "release"] as const) {
    for (let holder = 0; holder < holders; holder++) alphabet.push({ op, holder });
  }

  const next = (s: LeaseModelState, input: LeaseInput): LeaseModelState | null => {
    if (input.op === "tick") {
      const nowMs = s.nowMs + stepMs;
      return nowMs > horizonMs ? null : { lease: s.lease, nowMs, beliefs: s.beliefs, broken: null };
    }
    const h = input.holder;
    const holder = names[h]!;
    const belief = s.beliefs[h]!;
    const atMs = s.nowMs;
    if (input.op === "acquire") {
      const step = leases.step(s.lease, code(0, h, 0, atMs), () => ({ _tag: "Acquire", holder, atMs }));
      const out = acquireOutcome(s.lease, step, holder, atMs, belief, grantsMax);
      if (out === null || out === "same") return out === null ? null : s;
      return {
        lease: out.lease,
        nowMs: s.nowMs,
        beliefs: out.belief === undefined ? s.beliefs : withBelief(s.beliefs, h, out.belief),
        broken: out.fresh ? null : LEASE_FENCING,
      };
    }
    if (belief === null) return null;
    if (input.op === "renew") {
      const token = belief.token;
      const step = leases.step(s.lease, code(1, h, token, atMs), () => ({
        _tag: "Renew",
        holder,
        token,
        atMs,
      }));
      const out = renewOutcome(s.lease, step, belief);
      if (out === "same") return s;
      return {
        lease: out.lease,
        nowMs: s.nowMs,
        beliefs: withBelief(s.beliefs, h, out.belief),
        broken: null,
      };
    }
    // release: the holder is done with its grant, whatever the lease answers.
    const step = releaseStep(leases, s.lease, h, holder, belief.token, atMs, unguarded, code);
    return {
      lease: step.unchanged ? s.lease : step.next,
      nowMs: s.nowMs,
      beliefs: withBelief(s.beliefs, h, null),
      broken: null,
    };
  };

  return {
    name: options.name ?? (unguarded ? "lease-unguarded-release" : "lease"),
    initial: {
      lease: initialLease,
      nowMs: 0,
      beliefs: Array.from({ length: holders }, () => null),
      broken: null,
    },
    inputs: () => alphabet,
    next,
    invariants: [
      {
        name: LEASE_ONE_HOLDER,
        holds: (s) => {
          let live = 0;
          for (const b of s.beliefs) if (b !== null && b.untilMs > s.nowMs) live++;
          return live <= 1;
        },
      },
      {
        name: LEASE_BACKED,
        holds: (s) =>
          s.beliefs.every(
            (b, h) =>
              b === null ||
              b.untilMs <= s.nowMs ||
              (s.lease.state.holder === names[h] && s.lease.state.token === b.token),
          ),
      },
      { name: LEASE_FENCING, holds: (s) => s.broken !== LEASE_FENCING },
    ],
    ...(interned ? { encoding: leaseEncoding(leases, holders) } : {}),
    fingerprint: (s, into) => {
      into.int(s.lease.hi);
      into.int(s.lease.lo);
      into.int(s.nowMs);
      into.int(s.broken === null ? 0 : 1);
      fingerprintBeliefs(s.beliefs, into);
    },
    describe: (input) =>
      input.op === "tick" ? `tick +${stepMs}ms` : `${capitalize(input.op)} ${names[input.holder]}`,
    describeState: (s) => {
      const { lease, beliefs } = describeHolders(s.lease.state, s.beliefs, names);
      return `now=${s.nowMs} lease=${lease} believed ${beliefs}`;
    },
  };
}

/**
 * The packed form of a {@link LeaseModelState} (3 + 2 × holders words): the lease's number in the
 * interning cache `leases`, the clock, `broken` (1 for the fencing property, the only one it names), then
 * each holder's belief as token and expiry (−1 and 0 for none). Canonical, as the model's fingerprint.
 */
function leaseEncoding(
  leases: MachineCache<Lease.State, Lease.Event, Lease.Result>,
  holders: number,
): StateEncoding<LeaseModelState> {
  return {
    words: 3 + 2 * holders,
    encode: (s, out, at) => {
      out[at] = leases.id(s.lease);
      out[at + 1] = s.nowMs;
      out[at + 2] = s.broken === null ? 0 : 1;
      for (let h = 0; h < holders; h++) {
        const b = s.beliefs[h]!;
        out[at + 3 + 2 * h] = b === null ? -1 : b.token;
        out[at + 4 + 2 * h] = b === null ? 0 : b.untilMs;
      }
    },
    decode: (words, at) => {
      const beliefs: (LeaseBelief | null)[] = [];
      for (let h = 0; h < holders; h++) {
        const token = words[at + 3 + 2 * h]!;
        beliefs.push(token === -1 ? null : { token, untilMs: words[at + 4 + 2 * h]! });
      }
      return {
        lease: leases.byId(words[at]!),
        nowMs: words[at + 1]!,
        beliefs,
        broken: words[at + 2] === 0 ? null : LEASE_FENCING,
      };
    },
  };
}

/** {@link leaseModel} with over a million distinct states (1,134,299): the benchmark's lease instance. */
export const LEASE_LARGE: LeaseModelOptions = { horizonMs: 18_000, grantsMax: 7, name: "lease-large" };

const SOURCE =
  "shared/seeds/004_1b9ac3a108b9e833.txt (merge_gate.py's lease); Kleppmann 2016 (fencing tokens)";

/** The fixed lease: every invariant in every state. */
export const leaseChecked = defineModel({
  name: "lease",
  machine: "Lease",
  description:
    "3 holders acquire, renew (heartbeat) and release one lease in any order; 1 s ticks to 12 s; TTL 3 s; 6 grants",
  source: SOURCE,
  expect: "pass",
  why: "at most one holder has a live lease, it is the grant the lease records, and fencing tokens strictly increase",
  build: () => leaseModel(),
});

/** The release without a holder check (a `DEL` without compare): found in 6 inputs. */
export const leaseUnguardedReleaseChecked = defineModel({
  name: "lease-unguarded-release",
  machine: "Lease",
  description: "the same with a release that frees whatever grant is current (DEL without compare)",
  source: SOURCE,
  expect: "violation",
  why: "a holder whose lease expired releases its successor's lease (what seed 004's holder-aware release prevents)",
  build: () => leaseModel({ release: "unguarded" }),
});
