// The checks of a mailbox-mode chaos run's history (pure: records in, verdicts out; `pnpm chaos --machine
// mailbox`). The history: the producer's `submitWhenRoom` calls (the core Submit's result at its server time),
// every dispatcher script call of every process (`run`: `mailbox-finish-2` completes an order — `Completed`, or
// `Reaped` for orders whose lease expired — and takes the next ones, each with its fencing token and the server
// time; `mailbox-held-2` takes back orders a lost reply had leased), and every fenced write its handlers made to
// `mb:<key>` with their order's token (packages/runtime-redis/test/support/calls.ts). As support/lincheck.ts
// explains, the dispatch itself is observed by no client call we could compare with the core Mailbox; the exact
// part is the fenced writes. Checks:
// 1. the fenced store linearizable against the core FencedResource, resource (key) by resource;
// 2. no write with a stale fencing token applied (bench/chaos/check.ts's `checkStaleWrites`);
// 3. every accepted order accounted for: taken by a dispatcher, or superseded (coalesced or dropped) by a later
//    accepted order of its key, as the policy's Submit result says; none left in the mailbox after the drain. An
//    order no recorded take shows is excused only by a take (`mailbox-finish-2`) whose reply was lost, or that was
//    resent, and that ran after the order was accepted (by its process's last record + 1 s): each excuses at
//    most the number of orders it asked for (its `room`); counted in the notes; with a Redis restart that lost the data, an order
//    accepted before it and not taken before it is reported as lost to the restart (the unpersisted writes);
// 4. per key, orders run in submission order (FIFO among those not superseded): taken orders sorted by token
//    were accepted in that order; and one at a time: an order's end (its `Completed`, or the `Reaped` that
//    completed it when its lease expired, at server time) is no later than the take of the key's next order. An
//    order whose end is not recorded (its process was killed; the reaper's reply was lost) is not compared.
// Not checked: whether a `cancelled` outcome had a cancelling order (the dispatcher also reports a lost lease as
// `cancelled`).

import type { Mailbox } from "@interleave/core";
import type { CallRecord } from "../../packages/runtime-redis/test/support/calls.js";
import { FENCED_SPEC, fencedOps } from "../../packages/runtime-redis/test/support/lincheck.js";
import {
  type ChaosHistory,
  type CheckResult,
  checkLinearizability,
  checkStaleWrites,
  epochsOf,
  relativeTime,
} from "./check.js";

interface Call {
  readonly process: string;
  readonly op: string;
  readonly args: readonly unknown[];
  readonly callMs: number;
  /** The recorded value; `undefined` when the call did not return. */
  readonly value: unknown;
  readonly resent: boolean;
}

function calls(records: readonly CallRecord[]): Call[] {
  const outcomes = new Map<string, CallRecord>();
  const reconnects = new Map<string, number[]>();
  for (const r of records) {
    if (r.kind === "return" || r.kind === "threw") outcomes.set(r.id, r);
    if (r.kind === "reconnecting")
      reconnects.set(r.process, [...(reconnects.get(r.process) ?? []), r.wallMs]);
  }
  return records.flatMap((r) => {
    if (r.kind !== "call") return [];
    const o = outcomes.get(r.id);
    const endMs = o === undefined ? Number.POSITIVE_INFINITY : (o as { returnMs: number }).returnMs;
    return [
      {
        process: r.process,
        op: r.op,
        args: r.args,
        callMs: r.callMs,
        value: o?.kind === "return" ? o.value : undefined,
        resent: (reconnects.get(r.process) ?? []).some((t) => t >= r.callMs && t <= endMs),
      },
    ];
  });
}

/** A take: order `id` of `key` leased with `token` at server time `atMs`. */
interface Take {
  readonly id: string;
  readonly key: string;
  readonly token: number;
  readonly atMs: number;
  readonly process: string;
}

/** What the dispatcher calls show: the takes, the ends by order id (server ms), and the takes whose reply was lost. */
/** A take whose reply was lost (or that was resent): it may have leased up to `room` orders accepted by `untilMs`. */
interface LostTake {
  readonly untilMs: number;
  room: number;
}

function dispatch(all: readonly Call[]): { takes: Take[]; ends: Map<string, number>; lostTakes: LostTake[] } {
  const takes = new Map<string, Take>();
  const ends = new Map<string, number>();
  const lostTakes: LostTake[] = [];
  // a process's last recorded moment: a call it sent ran by then, or soon after (a chunk the proxy delayed)
  const lastMs = new Map<string, number>();
  for (const c of all) lastMs.set(c.process, Math.max(lastMs.get(c.process) ?? 0, c.callMs));
  for (const c of all) {
    if (c.op !== "run") continue;
    const [script, args] = c.args as [string, readonly unknown[]];
    if (script !== "mailbox-finish-2" && script !== "mailbox-held-2") continue;
    const reply = c.value as unknown[] | undefined;
    if ((reply === undefined || c.resent) && script === "mailbox-finish-2") {
      lostTakes.push({
        untilMs: (lastMs.get(c.process) ?? c.callMs) + LOST_TAKE_SLACK_MS,
        room: Number(args[4]),
      });
    }
    if (reply === undefined) {
      // a Complete whose reply was lost may have ended its order as early as its call
      if (script === "mailbox-finish-2" && args[0] !== "")
        ends.set(String(args[0]), Math.min(ends.get(String(args[0])) ?? Infinity, c.callMs));
      continue;
    }
    const atMs = reply[0] as number;
    if (script === "mailbox-finish-2") {
      if (reply[1] === "Completed") ends.set(String(args[0]), atMs);
      if (reply[1] === "Reaped") for (const id of reply[2] as string[]) ends.set(String(id), atMs);
    }
    const taken = (script === "mailbox-finish-2" ? reply[4] : reply[1]) as unknown[][] | undefined;
    for (const [id, key, , token] of Array.isArray(taken) ? taken : []) {
      const k = `${String(id)}\u0000${String(token)}`;
      if (takes.has(k)) continue; // taken back (mailbox-held-2): the same lease
      takes.set(k, { id: String(id), key: String(key), token: token as number, atMs, process: c.process });
    }
  }
  return { takes: [...takes.values()], ends, lostTakes };
}

/** How long after its process's last record a lost take may still have run (a chunk the proxy delayed), ms. */
const LOST_TAKE_SLACK_MS = 1_000;

type Submitted = { readonly atMs: number; readonly result: Mailbox.Result };

/** Checks 3 and 4 (see the file's head). */
export function checkMailboxOrders(history: ChaosHistory): { violations: string[]; notes: string[] } {
  const rel = (ms: number) => relativeTime(ms, history.startMs ?? 0);
  const all = calls(history.records);
  const { takes, ends, lostTakes } = dispatch(all);
  const accepted = new Map<string, { order: Mailbox.Order; atMs: number }>();
  const superseded = new Set<string>();
  for (const c of all) {
    if (c.op !== "submitWhenRoom" || c.value === undefined) continue;
    const { atMs, result } = c.value as Submitted;
    if (result._tag !== "Accepted") continue;
    accepted.set(result.orderId, { order: c.args[0] as Mailbox.Order, atMs });
    for (const id of result.superseded) superseded.add(id);
  }
  const violations: string[] = [];
  const taken = new Map<string, Take[]>();
  for (const t of takes) taken.set(t.id, [...(taken.get(t.id) ?? []), t]);
  for (const [id, list] of taken) {
    if (list.length > 1)
      violations.push(
        `order ${id}: taken ${list.length} times (tokens ${list.map((t) => t.token).join(", ")})`,
      );
  }
  const pausedMs = history.lossyRestarts.map((r) => r.pausedMs);
  let excused = 0;
  let lostToRestart = 0;
  // latest accepted first: each takes any lost take with room left that ran late enough (fewer choices first)
  for (const [id, { order, atMs }] of [...accepted].sort((a, b) => b[1].atMs - a[1].atMs)) {
    if (taken.has(id) || superseded.has(id)) continue;
    if (pausedMs.some((p) => p >= atMs)) {
      lostToRestart++;
      continue;
    }
    const lost = lostTakes.find((t) => t.room > 0 && t.untilMs >= atMs);
    if (lost !== undefined) {
      lost.room--;
      excused++;
      continue;
    }
    violations.push(
      `order ${id} (key ${order.key}): accepted at ${rel(atMs)}, neither taken nor superseded by a later order`,
    );
  }
  for (const id of history.finalItems) violations.push(`order ${id}: still in the mailbox after the drain`);
  // per key: FIFO by token, one at a time
  const byKey = new Map<string, Take[]>();
  for (const t of takes) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.token - b.token);
    for (let i = 0; i + 1 < list.length; i++) {
      const [a, b] = [list[i]!, list[i + 1]!];
      const [sa, sb] = [accepted.get(a.id)?.atMs, accepted.get(b.id)?.atMs];
      if (sa !== undefined && sb !== undefined && sa > sb) {
        violations.push(
          `key ${key}: order ${b.id} (accepted at ${rel(sb)}) ran after ${a.id} (accepted at ${rel(sa)}): not FIFO`,
        );
      }
      const end = ends.get(a.id);
      if (end !== undefined && end > b.atMs) {
        violations.push(
          `key ${key}: order ${a.id} (token ${a.token}) was in flight until ${rel(end)}, after ${b.id} ` +
            `(token ${b.token}) was taken at ${rel(b.atMs)}`,
        );
      }
    }
  }
  const notes = [
    `${accepted.size} orders accepted, ${superseded.size} superseded, ${taken.size} taken, ${ends.size} ends seen` +
      (excused === 0 ? "" : `; ${excused} not seen taken, excused by a take whose reply was lost`) +
      (lostToRestart === 0 ? "" : `; ${lostToRestart} lost to a Redis restart without persistence`),
  ];
  return { violations, notes };
}

/** Every check of a mailbox-mode chaos run's history, in order. `now` is a clock for the checks' times (ms). */
export function checkMailboxChaosHistory(history: ChaosHistory, now: () => number): CheckResult[] {
  const timed = (name: string, run: () => { violations: string[]; notes: string[] }): CheckResult => {
    const startMs = now();
    const { violations, notes } = run();
    return { name, ok: violations.length === 0, violations, notes, window: null, elapsedMs: now() - startMs };
  };
  return [
    checkLinearizability(
      "linearizable: fenced store vs core FencedResource, per key",
      (epoch) => fencedOps(history.records, epoch),
      FENCED_SPEC,
      epochsOf(history.lossyRestarts),
      now,
      history.startMs ?? 0,
    ),
    timed("no write with a stale fencing token applied", () => ({
      violations: checkStaleWrites(history),
      notes: [],
    })),
    timed("every accepted order taken or superseded; per key FIFO, one at a time", () =>
      checkMailboxOrders(history),
    ),
  ];
}
