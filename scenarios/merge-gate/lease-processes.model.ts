/**
 * The lease model as processes, one step per Promela statement of bench/peer/spin/lease.pml (SPIN's side of the
 * benchmark): 3 holders and a clock around the core `Lease`. Unlike ./lease.model.ts, where a holder's operation
 * is one input, a holder here first *chooses* what to do (a local step: it writes only its own `op`), then
 * *performs* it on the lease (and records what it was told) and is idle again. The choices are what partial-order
 * reduction removes: they are declared local through the model's `reduction` (a holder whose `op` is idle has
 * only local moves), so the checker expands one idle holder's choices instead of every interleaving of them.
 * Unreduced, the space equals SPIN's with `-DNOREDUCE` minus `init`'s own states (bench/peer/spin/run.ts prints
 * both).
 */
import { Lease } from "@interleave/core";
import { defineModel } from "@interleave/sim";
import { type Fingerprinted, MachineCache, type StateSpaceModel } from "@interleave/sim/statespace";
import { capitalize, sizeOption } from "../model-options.js";
import {
  acquireOutcome,
  describeHolders,
  fingerprintBeliefs,
  fingerprintLease,
  type LeaseBelief,
  releaseStep,
  renewOutcome,
  withBelief,
} from "./lease.model.js";

/** What a holder is about to do: nothing chosen yet (`idle`), or the operation it chose. */
export type HolderOp = "idle" | "acquire" | "renew" | "release";
const OPS: readonly HolderOp[] = ["idle", "acquire", "renew", "release"];

/**
 * State of {@link leaseProcessesModel}: the lease model's fields (./lease.model.ts) plus each holder's chosen
 * operation, packed two bits per holder in `ops` (holder h's is `(ops >> 2h) & 3`, an index of `idle`,
 * `acquire`, `renew`, `release`): one number instead of an array keeps the many choose steps cheap.
 */
export interface LeaseProcessesState {
  readonly lease: Fingerprinted<Lease.State>;
  readonly nowMs: number;
  readonly beliefs: readonly (LeaseBelief | null)[];
  readonly ops: number;
  readonly broken: string | null;
}

/** Holder `h`'s chosen operation in `state`. */
export function opOf(state: LeaseProcessesState, h: number): HolderOp {
  return OPS[(state.ops >> (2 * h)) & 3]!;
}

/** A state, always built here so that every state has the same shape (one hidden class). */
function make(
  lease: Fingerprinted<Lease.State>,
  nowMs: number,
  beliefs: readonly (LeaseBelief | null)[],
  ops: number,
  broken: string | null,
): LeaseProcessesState {
  return { lease, nowMs, beliefs, ops, broken };
}

/** An input: the clock ticks, a holder (index) chooses an operation, or performs the one it chose. */
export type LeaseProcessesInput =
  | { readonly op: "tick" }
  | { readonly op: "choose"; readonly holder: number; readonly choice: Exclude<HolderOp, "idle"> }
  | { readonly op: "perform"; readonly holder: number };

/** Size and variant of {@link leaseProcessesModel}; durations in ms. */
export interface LeaseProcessesOptions {
  /** Holders. Default 3. */
  readonly holders?: number;
  /** The lease's `leaseTtlMs`. Default 3,000. */
  readonly leaseTtlMs?: number;
  /** One tick. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here. Default 8,000. */
  readonly horizonMs?: number;
  /** Grants allowed (fencing tokens 1..grantsMax). Default 4. */
  readonly grantsMax?: number;
  /** `holder-aware` (default) or `unguarded` (frees whatever grant is current: the planted bug). */
  readonly release?: "holder-aware" | "unguarded";
  /** Declare the holders' choices local (partial-order reduction). Default `true`. */
  readonly reduction?: boolean;
  readonly name?: string;
}

/** The instance SPIN is compared on (bench/peer/spin): clock to 10 s, 5 grants — 1.5 million states unreduced. */
export const LEASE_PROCESSES_SPIN: LeaseProcessesOptions = {
  horizonMs: 10_000,
  grantsMax: 5,
  name: "lease-processes-spin",
};

const ONE_HOLDER = "at most one holder has a live lease";
const BACKED = "a holder's live lease is the grant the lease records";
const FENCING = "fencing tokens strictly increase per grant";

/**
 * Holders choose and perform acquire / renew / release on one `Lease`; a clock ticks to `horizonMs`. Perform:
 * an acquire is not enabled when it would grant a token beyond `grantsMax`; renew and release without a grant do
 * nothing but return the holder to idle. Invariants as {@link leaseModel}'s. Process 0 is the clock, holder `h`
 * is process `h + 1`.
 *
 * @throws `RangeError` for a size that is not a positive integer.
 */
export function leaseProcessesModel(
  options: LeaseProcessesOptions = {},
): StateSpaceModel<LeaseProcessesState, LeaseProcessesInput> {
  const holders = sizeOption(options.holders, 3, "holders");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 8_000, "horizonMs");
  const grantsMax = sizeOption(options.grantsMax, 4, "grantsMax");
  const unguarded = options.release === "unguarded";
  const leases = new MachineCache(Lease.transition, fingerprintLease);
  const names = Array.from({ length: holders }, (_, i) => `h${i + 1}`);
  const code = (op: number, h: number, token: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * (grantsMax + 2) + token) * holders + h) * 4 + op;
  const alphabet: LeaseProcessesInput[] = [{ op: "tick" }];
  for (let holder = 0; holder < holders; holder++) {
    for (const choice of ["acquire", "renew", "release"] as const)
      alphabet.push({ op: "choose", holder, choice });
    alphabet.push({ op: "perform", holder });
  }
  const idle = (ops: number, h: number) => ops & ~(3 << (2 * h));
  const CHOICE = { acquire: 1, renew: 2, release: 3 } as const;

  const perform = (s: LeaseProcessesState, h: number): LeaseProcessesState | null => {
    const holder = names[h]!;
    const belief = s.beliefs[h]!;
    const atMs = s.nowMs;
    const ops = idle(s.ops, h);
    const op = opOf(s, h);
    if (op === "acquire") {
      const step = leases.step(s.lease, code(0, h, 0, atMs), () => ({ _tag: "Acquire", holder, atMs }));
      const out = acquireOutcome(s.lease, step, holder, atMs, belief, grantsMax);
      if (out === null) return null;
      if (out === "same") return make(s.lease, atMs, s.beliefs, ops, null);
      return make(
        out.lease,
        atMs,
        out.belief === undefined ? s.beliefs : withBelief(s.beliefs, h, out.belief),
        ops,
        out.fresh ? null : FENCING,
      );
    }
    if (belief === null) return make(s.lease, atMs, s.beliefs, ops, null);
    if (op === "renew") {
      const token = belief.token;
      const step = leases.step(s.lease, code(1, h, token, atMs), () => ({
        _tag: "Renew",
        holder,
        token,
        atMs,
      }));
      const out = renewOutcome(s.lease, step, belief);
      if (out === "same") return make(s.lease, atMs, s.beliefs, ops, null);
      return make(out.lease, atMs, withBelief(s.beliefs, h, out.belief), ops, null);
    }
    const step = releaseStep(leases, s.lease, h, holder, belief.token, atMs, unguarded, code);
    return make(step.unchanged ? s.lease : step.next, atMs, withBelief(s.beliefs, h, null), ops, null);
  };

  const live = (b: LeaseBelief | null, nowMs: number) => b !== null && b.untilMs > nowMs;
  return {
    name: options.name ?? (unguarded ? "lease-processes-unguarded-release" : "lease-processes"),
    initial: make(
      leases.wrap(Lease.initial({ leaseTtlMs: options.leaseTtlMs ?? 3_000 })),
      0,
      Array.from({ length: holders }, () => null),
      0,
      null,
    ),
    inputs: () => alphabet,
    next: (s, input) => {
      if (input.op === "tick") {
        const nowMs = s.nowMs + stepMs;
        return nowMs > horizonMs ? null : make(s.lease, nowMs, s.beliefs, s.ops, null);
      }
      const shift = 2 * input.holder;
      if (input.op === "choose") {
        return ((s.ops >> shift) & 3) === 0
          ? make(s.lease, s.nowMs, s.beliefs, s.ops | (CHOICE[input.choice] << shift), s.broken)
          : null;
      }
      return ((s.ops >> shift) & 3) === 0 ? null : perform(s, input.holder);
    },
    invariants: [
      {
        name: ONE_HOLDER,
        holds: (s) => {
          let n = 0;
          for (const b of s.beliefs) if (live(b, s.nowMs)) n++;
          return n <= 1;
        },
      },
      {
        name: BACKED,
        holds: (s) =>
          s.beliefs.every(
            (b, h) =>
              !live(b, s.nowMs) || (s.lease.state.holder === names[h] && s.lease.state.token === b?.token),
          ),
      },
      { name: FENCING, holds: (s) => s.broken !== FENCING },
    ],
    ...(options.reduction === false
      ? {}
      : {
          reduction: {
            process: (input: LeaseProcessesInput) => (input.op === "tick" ? 0 : input.holder + 1),
            localOnly: (s: LeaseProcessesState, process: number) =>
              process > 0 && ((s.ops >> (2 * (process - 1))) & 3) === 0,
          },
        }),
    fingerprint: (s, into) => {
      into.int(s.lease.hi);
      into.int(s.lease.lo);
      into.int(s.nowMs);
      into.int(s.broken === null ? 0 : 1);
      fingerprintBeliefs(s.beliefs, into);
      into.int(s.ops);
    },
    describe: (input) =>
      input.op === "tick"
        ? `tick +${stepMs}ms`
        : input.op === "choose"
          ? `${names[input.holder]} chooses ${input.choice}`
          : `${capitalize(input.op)} ${names[input.holder]}`,
    describeState: (s) => {
      const { lease, beliefs } = describeHolders(s.lease.state, s.beliefs, names);
      const ops = names.map((_, h) => opOf(s, h)).join(",");
      return `now=${s.nowMs} lease=${lease} believed ${beliefs} ops ${ops}`;
    },
  };
}

const SOURCE = "bench/peer/spin/lease.pml (the same system in Promela); Kleppmann 2016 (fencing tokens)";

/** The lease as processes: every invariant in every state (with partial-order reduction when enabled). */
export const leaseProcessesChecked = defineModel({
  name: "lease-processes",
  machine: "Lease",
  description:
    "3 holders each choose (a local step) then perform acquire, renew or release; 1 s ticks to 8 s; TTL 3 s; 4 grants",
  source: SOURCE,
  expect: "pass",
  why: "the lease's promises with each operation split into a local choice and the step on the lease",
  build: () => leaseProcessesModel(),
});

/** The same with the unguarded release: the violation must survive partial-order reduction. */
export const leaseProcessesUnguardedChecked = defineModel({
  name: "lease-processes-unguarded-release",
  machine: "Lease",
  description: "the same with a release that frees whatever grant is current (DEL without compare)",
  source: SOURCE,
  expect: "violation",
  why: "a holder whose lease expired releases its successor's lease, found through the reduced state space",
  build: () => leaseProcessesModel({ release: "unguarded" }),
});
