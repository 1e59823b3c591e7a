// The nemesis's schedule: which fault starts when, on what, for how long — a pure function of the run's seed
// (one PRNG per run, mulberry32), so the same seed gives the same schedule. The run has three phases: `before`
// (the first 15 % of the duration: no fault), `during` (faults), `after` (the rest and the drain: no fault).
// In `during`, every kind asked for occurs at least once, all of them once more in an overlapping storm (each
// starts within 2 s of the middle), and further faults of random kinds at random times overlap the rest. Faults
// start before 70 % of the duration; the phases reported are measured from the faults as carried out.

import type { Mailbox } from "@interleave/core";
import { prng } from "../support/prng.js";
import type { FaultKind } from "./spec.js";

export { prng };

/** One fault: `kind` starting at `atMs` (ms since the run started), on process `target` (kill, stop), lasting `durationMs`. */
export interface Fault {
  readonly atMs: number;
  readonly kind: Exclude<FaultKind, "skew">;
  /** The process index (kill, stop); -1 for Redis and the proxy. */
  readonly target: number;
  /** kill: until the restart; stop: until SIGCONT; latency: how long the delay lasts; others 0. */
  readonly durationMs: number;
  /** latency: the delay added to each chunk, ms; others 0. */
  readonly delayMs: number;
}

/** The phase bounds of a run of `durationMs`: faults start in `[faultsFromMs, faultsUntilMs)`. */
export function phaseBounds(durationMs: number): { faultsFromMs: number; faultsUntilMs: number } {
  return { faultsFromMs: Math.round(durationMs * 0.15), faultsUntilMs: Math.round(durationMs * 0.7) };
}

/**
 * The faults of a run: `kinds` (skew is not scheduled: it is a property of the processes, see
 * {@link clockSkews}), `processes` targets, a lease of `leaseTtlMs` (a stop lasts past it), sorted by `atMs`.
 * Every fault ends before `durationMs × 0.85`.
 */
export function nemesisSchedule(
  seed: number,
  durationMs: number,
  processes: number,
  kinds: readonly FaultKind[],
  leaseTtlMs: number,
): Fault[] {
  const random = prng(seed);
  const scheduled = kinds.filter((k): k is Fault["kind"] => k !== "skew");
  if (scheduled.length === 0) return [];
  const { faultsFromMs, faultsUntilMs } = phaseBounds(durationMs);
  const span = faultsUntilMs - faultsFromMs;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const fault = (kind: Fault["kind"], atMs: number): Fault => {
    const target = kind === "kill" || kind === "stop" ? between(0, processes - 1) : -1;
    switch (kind) {
      case "kill":
        return { atMs, kind, target, durationMs: between(300, 1_500), delayMs: 0 };
      case "stop":
        return { atMs, kind, target, durationMs: leaseTtlMs + between(300, 1_500), delayMs: 0 };
      case "latency":
        return { atMs, kind, target, durationMs: between(1_000, 3_000), delayMs: between(20, 150) };
      default:
        return { atMs, kind, target, durationMs: 0, delayMs: 0 };
    }
  };
  const faults: Fault[] = [];
  // every kind once, spread over the window
  for (const kind of scheduled) faults.push(fault(kind, faultsFromMs + between(0, span)));
  // the storm: every kind again, all starting within 2 s of the middle, so they overlap
  const middle = faultsFromMs + Math.floor(span / 2);
  for (const kind of scheduled) faults.push(fault(kind, middle + between(0, 2_000)));
  // more, about one every 1.5 s of the window; a stop twice as likely as another kind (a stop past the lease
  // is what makes a stale holder act after its item moved on, the case the fencing exists for)
  const weighted = scheduled.flatMap((k) => (k === "stop" ? [k, k] : [k]));
  const extra = Math.floor(span / 1_500);
  for (let i = 0; i < extra; i++) {
    faults.push(fault(weighted[between(0, weighted.length - 1)]!, faultsFromMs + between(0, span)));
  }
  return faults.sort((a, b) => a.atMs - b.atMs || a.kind.localeCompare(b.kind));
}

/**
 * The client clock offset of each process start (ms; 0 for none): with skew, every odd-numbered process runs
 * ahead or behind by 1 s to 1 h, drawn from the seed and the start's number, so a restarted process gets a
 * new offset.
 */
export function clockSkewMs(seed: number, process: number, start: number, skew: boolean): number {
  if (!skew || process % 2 === 0) return 0;
  const random = prng((seed ^ Math.imul(process + 1, 0x9e3779b1) ^ Math.imul(start + 1, 0x85ebca6b)) >>> 0);
  const magnitude = 1_000 + Math.floor(random() * 3_599_000);
  return random() < 0.5 ? -magnitude : magnitude;
}

/**
 * When the producer enqueues: `items` scopes `s0 … s<items-1>` at times spread uniformly over the first 85 % of
 * `durationMs`, and a share `reenqueueShare` of them a second time, 0-2 s after the first (often while the item is
 * claimed), sorted by time.
 */
export function enqueuePlan(
  seed: number,
  items: number,
  reenqueueShare: number,
  durationMs: number,
): { readonly atMs: number; readonly scope: string }[] {
  const random = prng((seed ^ 0x5bd1e995) >>> 0);
  const until = Math.round(durationMs * 0.85);
  const plan: { atMs: number; scope: string }[] = [];
  for (let i = 0; i < items; i++) {
    const atMs = Math.floor((i / items) * until);
    plan.push({ atMs, scope: `s${i}` });
    if (random() < reenqueueShare) {
      plan.push({ atMs: Math.min(until, atMs + Math.floor(random() * 2_000)), scope: `s${i}` });
    }
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/**
 * The mailbox mode's orders: `items` orders `o<i>` spread over 85 % of `durationMs` (as {@link enqueuePlan}), each
 * of a seeded key among `k0` … `k<keys - 1>` and a seeded kind of the fixture policy (`kinds`), with `version: i`.
 */
export function orderPlan(
  seed: number,
  items: number,
  keys: number,
  durationMs: number,
  kinds: readonly string[],
): { readonly atMs: number; readonly order: Mailbox.Order }[] {
  const random = prng((seed ^ 0x27d4eb2f) >>> 0);
  const until = Math.round(durationMs * 0.85);
  return Array.from({ length: items }, (_, i) => ({
    atMs: Math.floor((i / items) * until),
    order: {
      id: `o${i}`,
      key: `k${Math.floor(random() * keys)}`,
      kind: kinds[Math.floor(random() * kinds.length)]!,
      payload: { version: i },
    },
  }));
}
