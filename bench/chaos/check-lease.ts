// The checks of a lease-mode chaos run's history (pure: records in, verdicts out; `pnpm chaos --machine lease`).
// The history is every `LeaseManager.apply` and `RedisFencedResource.fencedWrite` call of every loop, recorded
// around its Redis call (packages/runtime-redis/test/support/calls.ts). Checks:
// 1. linearizable against the core Lease, lease name by lease name (the runtime tests' `leaseOps`/`leaseSpec`,
//    support/lincheck.ts, and @interleave/sim's WGL checker), and the fenced store against the core
//    FencedResource, resource by resource (`fencedOps`);
// 2. no two live holders of a lease at once: per lease name, each grant's live interval runs from its server
//    time to its expiry at server time (moved by each `Renewed`, and by a same-holder re-acquire, which keeps the
//    token), cut by its own `Released`, or by the call time of a Release whose reply was lost or that was resent
//    (its connection came back during the call); no two overlap;
// 3. no write with a stale fencing token applied (bench/chaos/check.ts's `checkStaleWrites`).
// A pending call's server time is unknown; support/lincheck.ts takes its call time, the earliest it can have run.
// For the Lease that is exact for a pending Release, but a pending Acquire or Renew (a reply lost, or a call resent
// after a reconnect) that ran later than its call moves the expiry later than its call time would: a later `Busy`
// naming its holder, or an `Expired` answered to its holder, shows that expiry, and so the op's server time. A lease
// name that fails is checked again with a copy of each pending Acquire and Renew at each time such a later reply
// reveals (`revealedAcquires`). An expiry no reply shows leaves no trace a later op could contradict except through
// the token counter (a reclaim's token), which the call time already allows.

import type { Lease } from "@interleave/core";
import type { LinOperation } from "@interleave/sim";
import type { CallRecord } from "../../packages/runtime-redis/test/support/calls.js";
import {
  type Epoch,
  FENCED_SPEC,
  fencedOps,
  type LeaseOpInput,
  leaseOps,
  leaseSpec,
} from "../../packages/runtime-redis/test/support/lincheck.js";
import {
  type ChaosHistory,
  type CheckResult,
  checkLinearizability,
  checkStaleWrites,
  epochsOf,
  type LossyRestart,
  relativeTime,
} from "./check.js";

/** A grant's live interval at server time (ms). */
interface Grant {
  readonly lease: string;
  readonly token: number;
  readonly holder: string;
  readonly epoch: number;
  fromMs: number;
  untilMs: number;
}

type Timed = { readonly atMs: number; readonly result: Lease.Result };
type Command = { readonly _tag: Lease.Event["_tag"]; readonly holder: string; readonly token?: number };

const epochAt = (restarts: readonly LossyRestart[], atMs: number) =>
  restarts.filter((r) => r.pausedMs <= atMs).length;

/** Every grant of every lease, with its live interval. */
function grantsOf(records: readonly CallRecord[], restarts: readonly LossyRestart[]): Grant[] {
  const outcomes = new Map<string, CallRecord>();
  const reconnects = new Map<string, number[]>();
  for (const r of records) {
    if (r.kind === "return" || r.kind === "threw") outcomes.set(r.id, r);
    if (r.kind === "reconnecting")
      reconnects.set(r.process, [...(reconnects.get(r.process) ?? []), r.wallMs]);
  }
  const calls = records.flatMap((r) => {
    if (r.kind !== "call" || r.op !== "apply") return [];
    const o = outcomes.get(r.id);
    const [lease, command] = r.args as [string, Command];
    const timed = o?.kind === "return" ? (o.value as Timed) : undefined;
    const endMs = o === undefined ? Number.POSITIVE_INFINITY : (o as { returnMs: number }).returnMs;
    // the connection came back during the call: ioredis may have run it twice, the first time unseen
    const resent = (reconnects.get(r.process) ?? []).some((t) => t >= r.callMs && t <= endMs);
    return [{ lease, command, callMs: r.callMs, timed, resent }];
  });
  const grants = new Map<string, Grant>();
  const key = (epoch: number, lease: string, token: number) => `${epoch}\u0000${lease}\u0000${token}`;
  for (const c of calls) {
    const r = c.timed?.result;
    if (c.command._tag !== "Acquire" || r?._tag !== "Granted") continue;
    const epoch = epochAt(restarts, c.timed!.atMs);
    const k = key(epoch, c.lease, r.token);
    const known = grants.get(k);
    if (known === undefined) {
      grants.set(k, {
        lease: c.lease,
        token: r.token,
        holder: c.command.holder,
        epoch,
        fromMs: c.timed!.atMs,
        untilMs: r.expiresAtMs,
      });
    } else {
      // a same-holder re-acquire keeps the token and moves the expiry
      known.fromMs = Math.min(known.fromMs, c.timed!.atMs);
      known.untilMs = Math.max(known.untilMs, r.expiresAtMs);
    }
  }
  for (const c of calls) {
    if (c.command._tag === "Acquire" || c.command.token === undefined) continue;
    const atMs = c.timed?.atMs ?? c.callMs;
    const grant = grants.get(key(epochAt(restarts, atMs), c.lease, c.command.token));
    if (grant === undefined) continue;
    const r = c.timed?.result;
    // a Release whose reply was lost, or that was resent, may have freed the lease as early as its call
    if ((r === undefined || c.resent) && c.command._tag === "Release")
      grant.untilMs = Math.min(grant.untilMs, c.callMs);
    if (r === undefined) continue;
    if (r._tag === "Renewed") grant.untilMs = Math.max(grant.untilMs, r.expiresAtMs);
    if (r._tag === "Released") grant.untilMs = Math.min(grant.untilMs, c.timed!.atMs);
  }
  return [...grants.values()];
}

/** Check 2 (lease mode): no two grants of one lease live at once (at server time). */
export function checkLeaseHolders(history: ChaosHistory): string[] {
  const rel = (ms: number) => relativeTime(ms, history.startMs ?? 0);
  const byLease = new Map<string, Grant[]>();
  for (const g of grantsOf(history.records, history.lossyRestarts)) {
    const k = `${g.epoch}\u0000${g.lease}`;
    byLease.set(k, [...(byLease.get(k) ?? []), g]);
  }
  const violations: string[] = [];
  for (const list of byLease.values()) {
    list.sort((a, b) => a.fromMs - b.fromMs || a.token - b.token);
    for (let i = 1; i < list.length; i++) {
      for (let j = 0; j < i; j++) {
        const [a, b] = [list[j]!, list[i]!];
        if (b.fromMs < a.untilMs) {
          violations.push(
            `lease ${a.lease}: ${b.holder} was granted token ${b.token} at ${rel(b.fromMs)} while ${a.holder}'s ` +
              `token ${a.token} (granted at ${rel(a.fromMs)}) was live until ${rel(a.untilMs)}`,
          );
        }
      }
    }
  }
  return violations;
}

/**
 * Copies of the pending Acquires and Renews of lease `name` in `epoch` at the server times later replies reveal:
 * a `Busy` naming the op's holder with expiry `E`, or an `Expired` answered to that holder at `E`, says a grant or
 * renewal of it ran at `E - leaseTtlMs`; each such time at or after the op's call gives one more pending copy (see
 * the file's head).
 */
function revealedAcquires(
  records: readonly CallRecord[],
  epoch: Epoch,
  name: string,
  leaseTtlMs: number,
): LinOperation<LeaseOpInput>[] {
  const ops = leaseOps(records, epoch).filter((op) => op.input.lease === name);
  return ops
    .filter((op) => op.returnMs === null && op.input._tag !== "Release")
    .flatMap((pending) => {
      const times = new Set<number>();
      for (const op of ops) {
        const out = op.output as Lease.Result | undefined;
        const revealedMs =
          out?._tag === "Busy" && out.holder === pending.input.holder
            ? out.expiresAtMs
            : out?._tag === "Expired" && op.input.holder === pending.input.holder
              ? out.expiredAtMs
              : null;
        if (revealedMs === null) continue;
        const atMs = revealedMs - leaseTtlMs;
        if (atMs >= pending.callMs && atMs !== pending.input.atMs) times.add(atMs);
      }
      return [...times].map((atMs) => ({
        ...pending,
        process: `${pending.process} (at a revealed time)`,
        input: { ...pending.input, atMs },
      }));
    });
}

/** Every check of a lease-mode chaos run's history, in order. `now` is a clock for the checks' times (ms). */
export function checkLeaseChaosHistory(
  history: ChaosHistory,
  config: Lease.Config,
  now: () => number,
): CheckResult[] {
  const epochs = epochsOf(history.lossyRestarts);
  const timed = (name: string, run: () => string[]): CheckResult => {
    const startMs = now();
    const violations = run();
    return {
      name,
      ok: violations.length === 0,
      violations,
      notes: [],
      window: null,
      elapsedMs: now() - startMs,
    };
  };
  return [
    checkLinearizability(
      "linearizable: leases vs core Lease, per lease name",
      (epoch) => leaseOps(history.records, epoch),
      leaseSpec(config),
      epochs,
      now,
      history.startMs ?? 0,
      (epoch, name) => revealedAcquires(history.records, epoch, name, config.leaseTtlMs),
    ),
    checkLinearizability(
      "linearizable: fenced store vs core FencedResource, per resource",
      (epoch) => fencedOps(history.records, epoch),
      FENCED_SPEC,
      epochs,
      now,
      history.startMs ?? 0,
    ),
    timed("no lease held by two live holders at once", () => checkLeaseHolders(history)),
    timed("no write with a stale fencing token applied", () => checkStaleWrites(history)),
  ];
}
