// The history checker of the Redis claim queue (issue 7, "History check"): given every enqueue, claim,
// heartbeat, ack, retry, fail and release recorded by workers and producers (each with the Redis server time
// `atMs` its script used, so records from several processes are comparable), it lists the violations of the
// queue's safety and liveness properties. Used by worker.history.test.ts (workers in one process),
// worker.processes.test.ts and worker.faults.test.ts (worker processes).

import type { ClaimQueue as Core } from "@interleave/core";
import type { WorkerRecord } from "../../src/claim-queue/worker.js";

/** One recorded operation: a worker's record, or a producer's enqueue with its server time (ms). */
export type HistoryEntry =
  | WorkerRecord
  | { readonly kind: "enqueue"; readonly scope: string; readonly atMs: number };

/** Whether `record` changed the queue (a claim always does; the others only for the owner). */
export function tookEffect(r: WorkerRecord): boolean {
  switch (r.result._tag) {
    case "Acked":
      return r.result.owned;
    case "Renewed":
    case "Retried":
    case "DeadLettered":
    case "Released":
    case "Claimed":
      return true;
    default:
      return false;
  }
}

/**
 * The violations of the history's properties, one sentence each (empty when it is correct):
 * - "no two live claims of one item overlap": a claim's validity (its grant, extended by effective
 *   heartbeats, cut short by its effective ack/retry/fail/release) ends before the item's next claim;
 * - "no ack, retry, fail or release by a non-holder takes effect": an effective operation carries the token of
 *   a claim by the same holder, and no newer claim of the item was granted before it;
 * - "every enqueued scope is acked or dead-lettered": each enqueue is followed by a claim that ended in an
 *   owned ack or a dead letter;
 * - "fencing tokens strictly increase per item", and no token is granted twice.
 *
 * Assumes the history is complete (every operation that took effect was recorded); an operation whose reply
 * was lost (a killed process, a dropped connection) can make the last property report a false violation.
 */
export function checkHistory(history: readonly HistoryEntry[]): string[] {
  const violations: string[] = [];
  const byScope = new Map<string, HistoryEntry[]>();
  for (const e of history) byScope.set(e.scope, [...(byScope.get(e.scope) ?? []), e]);
  const seenTokens = new Set<number>();
  for (const [scope, events] of byScope) {
    const records = events.filter((e): e is WorkerRecord => e.kind !== "enqueue");
    const claims = records
      .filter((r) => r.kind === "claim")
      .sort((a, b) => a.atMs - b.atMs || a.token - b.token);
    for (const c of claims) {
      if (seenTokens.has(c.token)) violations.push(`token ${c.token} granted twice`);
      seenTokens.add(c.token);
    }
    for (let i = 1; i < claims.length; i++) {
      if (claims[i]!.token <= claims[i - 1]!.token) {
        violations.push(
          `${scope}: token ${claims[i]!.token} at ${claims[i]!.atMs} does not exceed ${claims[i - 1]!.token}`,
        );
      }
    }
    const claimOf = new Map(claims.map((c) => [c.token, c]));
    const effective = records.filter((r) => r.kind !== "claim" && tookEffect(r));
    const endOf = new Map<number, WorkerRecord>();
    for (const op of effective) {
      const claim = claimOf.get(op.token);
      if (claim === undefined || claim.holder !== op.holder) {
        violations.push(
          `${scope}: ${op.kind} by ${op.holder} with token ${op.token} took effect without its claim`,
        );
        continue;
      }
      const newer = claims.find((c) => c.token > op.token && c.atMs < op.atMs);
      if (newer !== undefined) {
        violations.push(
          `${scope}: ${op.kind} with token ${op.token} at ${op.atMs} took effect after token ${newer.token}'s claim`,
        );
      }
      if (op.kind !== "heartbeat") {
        if (endOf.has(op.token)) violations.push(`${scope}: claim ${op.token} ended twice`);
        endOf.set(op.token, op);
      }
    }
    for (let i = 1; i < claims.length; i++) {
      const prev = claims[i - 1]!;
      const renewedUntil = effective
        .filter((r) => r.kind === "heartbeat" && r.token === prev.token && r.result._tag === "Renewed")
        .map((r) => (r.result as { expiresAtMs: number }).expiresAtMs);
      const granted = (prev.result as { claims: readonly Core.Granted[] }).claims.find(
        (g) => g.token === prev.token,
      );
      let validUntil = Math.max(granted?.expiresAtMs ?? 0, ...renewedUntil);
      const end = endOf.get(prev.token);
      if (end !== undefined) validUntil = Math.min(validUntil, end.atMs);
      if (claims[i]!.atMs < validUntil) {
        violations.push(
          `${scope}: claim ${claims[i]!.token} at ${claims[i]!.atMs} overlaps claim ${prev.token} live until ${validUntil}`,
        );
      }
    }
    for (const e of events) {
      if (e.kind !== "enqueue") continue;
      const covered = claims.some((c) => {
        const end = endOf.get(c.token);
        return (
          c.atMs >= e.atMs && end !== undefined && (end.kind === "ack" || end.result._tag === "DeadLettered")
        );
      });
      if (!covered) violations.push(`${scope}: the enqueue at ${e.atMs} was never acked or dead-lettered`);
    }
  }
  return violations;
}
