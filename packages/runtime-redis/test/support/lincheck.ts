// The runtime's recorded multi-process histories as histories of the core machines, checked for
// linearizability with @interleave/sim's checker (issue 19, part 2), backing the hand-written checkers of
// support/history.ts and support/mailbox-history.ts. Every runtime call is recorded around the Redis call
// (support/calls.ts: a "call" line before it is sent, a "return" or "threw" line after, on the host's wall
// clock, which every process and the local Redis share), so a call a SIGKILL or a dropped connection cut short
// stays in the history as a pending op.
//
// What is checked, and why it is exact (a history the runtime can produce is never reported):
// - Lease (`leaseOps`): the core Lease, one machine per lease name. The runtime's state is the core's.
// - FencedResource (`fencedOps`): the core FencedResource, one machine per resource. The mailbox's own
//   dispatch (Take, Heartbeat, Complete) runs inside each instance's loop and its effect (an order handed to
//   a handler) goes to that process only, so no client call observes a Mailbox result we could compare; the
//   mailbox tests check the part of it clients do observe — the fenced writes its handlers make with their
//   orders' lease tokens — which is exact.
// - ClaimQueue (`claimQueueOps`, `CLAIM_QUEUE_ITEM`): a per-scope projection of the core ClaimQueue. The core
//   queue is one object (a Claim picks among every item, tokens come from one counter), and a whole-queue
//   search is out of reach once connections drop (every lost reply is a pending op, each doubling the search),
//   so each scope is checked on its own: a Claim that granted the scope becomes a Claim of that item with the
//   recorded token (the token must not be below any token the item saw, and the item must be claimable).
//   Dropped: which items a batch chose and in what order, empty claims, the token counter across scopes (the
//   hand-written checker keeps "no token granted twice"), a pending Claim (its grants are unknown), and
//   `reclaimed: true` where the item shows no earlier claim (a claim whose reply was lost may have left one).
// - SyncCoordinator (`syncCoordinatorOps`): the core SyncCoordinator, one machine for the whole coordinator
//   (tokens are coordinator-wide and `mrCountMax` bounds every MR together, so a split by MR would not be
//   exact). Every event goes through `RedisSyncCoordinator.apply`, recorded with the server time its script
//   used; the output is `{ result, effects }`, compared with the core step through `withEffects`. The reads
//   (`snapshot`, a waiting sync's `HGET`) change nothing and are not recorded.
// A pending op's server time is unknown; it is taken as its call time, the earliest it can have run (Redis
// reads the same clock). In the claim-queue projection every time compared only makes a later op more
// permitted when an earlier one ran earlier (an expiry, a backoff's end, a new item's `notBeforeMs`), so the
// earlier time never makes a false alarm; FencedResource keeps no time. For a Lease it could (a later `Busy`
// needs the grant still valid, a later `reclaimed` needs it expired rather than released): the lease tests have
// pending calls only at an epoch's end, where no later call observes them. For the SyncCoordinator it could too
// (a pending Heartbeat's time decides when the lease expires, which later calls observe both ways): its tests
// have no pending call and assert it (sync-coordinator.processes.test.ts).
// A call whose connection dropped may run twice (ioredis resends an unanswered command after reconnecting):
// each reconnect of the caller during the call adds one pending copy of it.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ClaimQueue, FencedResource, Lease, SyncCoordinator } from "@interleave/core";
import {
  checkLinearizable,
  formatHistory,
  type LinMachine,
  type LinOperation,
  type LinResult,
  type LinSpec,
  renderWindow,
  type StepOutcome,
  withEffects,
} from "@interleave/sim";
import type { CallRecord } from "./calls.js";

/** One recorded call, its outcome joined: `returnMs` and `value` absent while pending. */
interface Call {
  readonly id: string;
  readonly process: string;
  readonly op: string;
  readonly args: readonly unknown[];
  readonly callMs: number;
  readonly returnMs: number | null;
  /** The resolved value; `undefined` for a pending call (no return, or it threw). */
  readonly value: unknown;
  /** The message when it threw. */
  readonly threw: string | null;
  /** Reconnects of its process between its call and its return (or since its call, for a pending one). */
  readonly resends: number;
}

/**
 * Which calls to keep: those called before `untilMs` and those still running at `sinceMs` or later; one
 * running across either bound is pending (it may have taken effect on the other side). With a Redis restart
 * that loses the data, each side of it is a history of its own.
 */
export interface Epoch {
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

/**
 * The calls of `records`. A call that threw `NotInitializedError` had no effect (the script found no
 * config) and is dropped; any other that threw, or never returned, is pending.
 */
function joinCalls(records: readonly CallRecord[], epoch: Epoch = {}): Call[] {
  const outcomes = new Map<string, CallRecord>();
  const reconnects = new Map<string, number[]>();
  for (const r of records) {
    if (r.kind === "return" || r.kind === "threw") outcomes.set(r.id, r);
    if (r.kind === "reconnecting")
      reconnects.set(r.process, [...(reconnects.get(r.process) ?? []), r.wallMs]);
  }
  const sinceMs = epoch.sinceMs ?? Number.NEGATIVE_INFINITY;
  const untilMs = epoch.untilMs ?? Number.POSITIVE_INFINITY;
  const calls: Call[] = [];
  for (const r of records) {
    if (r.kind !== "call" || r.callMs >= untilMs) continue;
    const outcome = outcomes.get(r.id);
    if (outcome?.kind === "threw" && outcome.message.startsWith("NotInitializedError")) continue;
    const endMs =
      outcome === undefined ? Number.POSITIVE_INFINITY : (outcome as { returnMs: number }).returnMs;
    if (endMs < sinceMs) continue;
    // A call running across either end of the epoch may have taken effect on the other side: pending.
    const done = outcome?.kind === "return" && r.callMs >= sinceMs && endMs < untilMs;
    const resends = (reconnects.get(r.process) ?? []).filter((t) => t >= r.callMs && t <= endMs).length;
    calls.push({
      id: r.id,
      process: r.process,
      op: r.op,
      args: r.args,
      callMs: r.callMs,
      returnMs: done ? endMs : null,
      value: done ? outcome.value : undefined,
      threw: outcome?.kind === "threw" ? outcome.message : null,
      resends,
    });
  }
  return calls;
}

/** `op` completed as recorded, plus one pending copy of it per resend (with its call time as `atMs`). */
function withResends<E extends { readonly atMs: number }>(
  call: Call,
  op: LinOperation<E>,
  pendingInput: E,
): LinOperation<E>[] {
  const copies = Array.from({ length: call.resends }, () => ({
    process: `${call.process} (resent)`,
    input: pendingInput,
    callMs: call.callMs,
    returnMs: null,
  }));
  return [op, ...copies];
}

/** `call` as op(s) of `input(atMs)` with `output`; pending (at `atMs = callMs`) when it did not return. */
function opsOf<E extends { readonly atMs: number }>(
  call: Call,
  input: (atMs: number) => E,
  done: { readonly atMs: number; readonly output: unknown } | null,
): LinOperation<E>[] {
  const pending = input(call.callMs);
  if (done === null || call.returnMs === null) {
    return withResends(
      call,
      { process: call.process, input: pending, callMs: call.callMs, returnMs: null },
      pending,
    );
  }
  return withResends(
    call,
    {
      process: call.process,
      input: input(done.atMs),
      output: done.output,
      callMs: call.callMs,
      returnMs: call.returnMs,
    },
    pending,
  );
}

type Timed = { readonly atMs: number; readonly result: unknown };

// ---------------------------------------------------------------------------------------------------------
// Lease

/** A core Lease event with the lease's name (`lease`, the partition; the core ignores the field). */
export type LeaseOpInput = Lease.Event & { readonly lease: string };

/** The Lease ops of `LeaseManager.apply` calls recorded by {@link recordCalls}. */
export function leaseOps(records: readonly CallRecord[], epoch?: Epoch): LinOperation<LeaseOpInput>[] {
  return joinCalls(records, epoch).flatMap((call) => {
    if (call.op !== "apply") return [];
    const [lease, command] = call.args as [string, Omit<Lease.Event, "atMs">];
    const timed = call.value as Timed | undefined;
    return opsOf<LeaseOpInput>(
      call,
      (atMs) => ({ ...command, atMs, lease }) as LeaseOpInput,
      timed === undefined ? null : { atMs: timed.atMs, output: timed.result },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// FencedResource

/** A core FencedResource event with its resource's name (`resource`, the partition). */
export type FencedOpInput = FencedResource.Event<string> & {
  readonly resource: string;
  readonly atMs: number;
};

/**
 * The FencedResource ops of `RedisFencedResource.fencedWrite` and `fence` calls. The machine keeps no time;
 * `atMs` is the call time (unused).
 */
export function fencedOps(records: readonly CallRecord[], epoch?: Epoch): LinOperation<FencedOpInput>[] {
  return joinCalls(records, epoch).flatMap((call) => {
    if (call.op !== "fencedWrite" && call.op !== "fence") return [];
    const [resource, token, value] = call.args as [string, number, string];
    const input = (atMs: number): FencedOpInput =>
      call.op === "fence"
        ? { _tag: "Fence", token, resource, atMs }
        : { _tag: "Write", token, value, resource, atMs };
    return opsOf(call, input, call.returnMs === null ? null : { atMs: call.callMs, output: call.value });
  });
}

/** The spec of fenced resources: the core FencedResource, one machine per resource. */
export const FENCED_SPEC: LinSpec<
  undefined,
  FencedResource.State<string>,
  FencedOpInput,
  FencedResource.Result
> = {
  machine: {
    initial: () => FencedResource.initial<string>(),
    transition: (state, event) => FencedResource.transition(state, event),
  },
  config: undefined,
  partition: (input) => input.resource,
};

/** The spec of leases: the core Lease with `config`, one machine per lease name. */
export function leaseSpec(
  config: Lease.Config,
): LinSpec<Lease.Config, Lease.State, LeaseOpInput, Lease.Result> {
  return { machine: Lease, config, partition: (input) => input.lease };
}

// ---------------------------------------------------------------------------------------------------------
// ClaimQueue, per scope

/**
 * An event of one claim-queue item: the core's events of one scope, a Claim carrying the scope and the
 * token the runtime granted.
 */
export type ClaimQueueItemEvent =
  | Exclude<ClaimQueue.Event, { readonly _tag: "Claim" }>
  | {
      readonly _tag: "Claim";
      readonly holder: string;
      readonly scope: string;
      readonly token: number;
      readonly atMs: number;
    };

/**
 * One claim-queue item as a machine: the core ClaimQueue holding that one scope. A Claim sets the queue's
 * next token to the granted one — refused (it throws, so the op cannot take effect there) when it is below a
 * token the item has already seen, since tokens strictly increase — then applies the core Claim of one item:
 * `Claimed` with the grant when the item is claimable, else `Claimed` with none.
 */
export const CLAIM_QUEUE_ITEM: LinMachine<
  ClaimQueue.Config,
  ClaimQueue.State,
  ClaimQueueItemEvent,
  ClaimQueue.Result
> = {
  initial: (config) => ClaimQueue.initial(config),
  transition(state, event) {
    if (event._tag !== "Claim") return ClaimQueue.transition(state, event);
    if (event.token < state.nextToken) {
      throw new Error(`token ${event.token} is below the item's next token ${state.nextToken}`);
    }
    return ClaimQueue.transition(
      { ...state, nextToken: event.token },
      { _tag: "Claim", holder: event.holder, batchSize: 1, atMs: event.atMs },
    );
  },
};

/**
 * Whether a recorded claim-queue output is the item machine's result: deep equality, except that a grant
 * the runtime reports `reclaimed` may be one the machine does not (a claim whose reply was lost is not in the
 * history); the converse is a difference.
 */
function claimQueueMatches(output: unknown, result: ClaimQueue.Result): boolean {
  if (result._tag !== "Claimed" || (output as { _tag?: string })._tag !== "Claimed") {
    return isDeepStrictEqual(output, result);
  }
  const seen = (output as { claims: readonly ClaimQueue.Granted[] }).claims;
  return (
    seen.length === result.claims.length &&
    seen.every((g, i) => {
      const expected = result.claims[i]!;
      return (
        isDeepStrictEqual({ ...g, reclaimed: expected.reclaimed }, expected) &&
        (g.reclaimed || !expected.reclaimed)
      );
    })
  );
}

/** The per-scope spec of a claim queue with `config`. */
export function claimQueueSpec(
  config: ClaimQueue.Config,
): LinSpec<ClaimQueue.Config, ClaimQueue.State, ClaimQueueItemEvent, ClaimQueue.Result> {
  return {
    machine: CLAIM_QUEUE_ITEM,
    config,
    matches: claimQueueMatches,
    partition: (input) => input.scope,
  };
}

type Granted = ClaimQueue.Granted;

/** The per-scope ops of the Claim part of a completed claim: one per grant. */
function grantOps(call: Call, holder: string, claimed: Timed): LinOperation<ClaimQueueItemEvent>[] {
  const { claims } = claimed.result as { readonly claims: readonly Granted[] };
  return claims.map((g) => ({
    process: call.process,
    input: { _tag: "Claim", holder, scope: g.scope, token: g.token, atMs: claimed.atMs },
    output: { _tag: "Claimed", claims: [g] },
    callMs: call.callMs,
    returnMs: call.returnMs,
  }));
}

/**
 * The per-scope ops of the claim-queue calls recorded by {@link recordCalls} on `ClaimQueue` instances
 * (`enqueue`, `claim`, `ackAndClaim`, `ackManyAndClaim`, `heartbeat`, `ack`, `retry`, `fail`, `release`).
 * `ackAndClaim` gives its Ack and its Claim's grants as separate ops over the same interval, and
 * `ackManyAndClaim` each of its Acks and its grants (the script applies them at one instant; checking them
 * apart allows more orders, never fewer).
 */
export function claimQueueOps(
  records: readonly CallRecord[],
  epoch?: Epoch,
): LinOperation<ClaimQueueItemEvent>[] {
  return joinCalls(records, epoch).flatMap((call): LinOperation<ClaimQueueItemEvent>[] => {
    switch (call.op) {
      case "enqueue": {
        const [scope] = call.args as [string];
        const timed = call.value as Timed | undefined;
        return opsOf<ClaimQueueItemEvent>(
          call,
          (atMs) => ({ _tag: "Enqueue", scope, atMs }),
          timed === undefined ? null : { atMs: timed.atMs, output: timed.result },
        );
      }
      case "claim": {
        const [holder] = call.args as [string];
        // A pending claim's grants are unknown: it is left out (see the file's header).
        return call.value === undefined ? [] : grantOps(call, holder, call.value as Timed);
      }
      case "ackAndClaim": {
        const [scope, token, holder] = call.args as [string, number, string];
        const both = call.value as { readonly ack: Timed; readonly claim: Timed } | undefined;
        return [
          ...opsOf<ClaimQueueItemEvent>(
            call,
            (atMs) => ({ _tag: "Ack", scope, token, atMs }),
            both === undefined ? null : { atMs: both.ack.atMs, output: both.ack.result },
          ),
          ...(both === undefined ? [] : grantOps(call, holder, both.claim)),
        ];
      }
      case "ackManyAndClaim": {
        const [acks, holder] = call.args as [readonly { scope: string; token: number }[], string];
        const all = call.value as { readonly acks: readonly Timed[]; readonly claim: Timed } | undefined;
        return [
          ...acks.flatMap(({ scope, token }, i) =>
            opsOf<ClaimQueueItemEvent>(
              call,
              (atMs) => ({ _tag: "Ack", scope, token, atMs }),
              all === undefined ? null : { atMs: all.acks[i]!.atMs, output: all.acks[i]!.result },
            ),
          ),
          ...(all === undefined ? [] : grantOps(call, holder, all.claim)),
        ];
      }
      case "heartbeat":
      case "ack":
      case "release": {
        const [scope, token] = call.args as [string, number];
        const tag = call.op === "heartbeat" ? "Heartbeat" : call.op === "ack" ? "Ack" : "Release";
        const timed = call.value as Timed | undefined;
        return opsOf<ClaimQueueItemEvent>(
          call,
          (atMs) => ({ _tag: tag, scope, token, atMs }),
          timed === undefined ? null : { atMs: timed.atMs, output: timed.result },
        );
      }
      case "retry":
      case "fail": {
        const [scope, token, error] = call.args as [string, number, string];
        const tag = call.op === "retry" ? "Retry" : "Fail";
        const timed = call.value as Timed | undefined;
        return opsOf<ClaimQueueItemEvent>(
          call,
          (atMs) => ({ _tag: tag, scope, token, error, atMs }),
          timed === undefined ? null : { atMs: timed.atMs, output: timed.result },
        );
      }
      default:
        return [];
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// SyncCoordinator, whole

/** What a coordinator call returned, as compared: the core step's result and effects. */
export type SyncStepOutcome = StepOutcome<SyncCoordinator.Result, SyncCoordinator.Effect>;

/**
 * The SyncCoordinator ops of `RedisSyncCoordinator.apply` calls recorded by {@link recordCalls} (every event
 * method, `syncCodeOwners`, `runReset`, the waiting syncs' polls and `reclaimExpired` go through `apply`; the
 * reads — `snapshot`, a poll's `HGET` — change nothing and are not recorded): the command with `atMs` = the
 * server time the script used (the reply's), output `{ result, effects }`. One object, not partitioned: tokens
 * are coordinator-wide and `mrCountMax` bounds every MR together.
 */
export function syncCoordinatorOps(
  records: readonly CallRecord[],
  epoch?: Epoch,
): LinOperation<SyncCoordinator.Event>[] {
  return joinCalls(records, epoch).flatMap((call) => {
    if (call.op !== "apply") return [];
    const [command] = call.args as [Omit<SyncCoordinator.Event, "atMs">];
    const step = call.value as
      | { readonly atMs: number; readonly result: unknown; readonly effects: unknown }
      | undefined;
    return opsOf<SyncCoordinator.Event>(
      call,
      (atMs) => ({ ...command, atMs }) as SyncCoordinator.Event,
      step === undefined ? null : { atMs: step.atMs, output: { result: step.result, effects: step.effects } },
    );
  });
}

/**
 * The spec of a Redis SyncCoordinator: the core SyncCoordinator with `config` (the coordinator's), its
 * result being `{ result, effects }` (`withEffects`), one machine for the whole coordinator.
 */
export function syncCoordinatorSpec(
  config: SyncCoordinator.Config,
): LinSpec<SyncCoordinator.Config, SyncCoordinator.State, SyncCoordinator.Event, SyncStepOutcome> {
  return { machine: withEffects(SyncCoordinator), config };
}

// ---------------------------------------------------------------------------------------------------------
// Checking

/** What one check measured: ops, pending ops, processes, memoised states, elapsed ms; the history file. */
export interface LincheckReport {
  readonly label: string;
  /** The history file written, when asked (see {@link HistoryFile}). */
  readonly path: string | null;
  readonly ops: number;
  readonly pending: number;
  readonly processes: number;
  readonly states: number;
  readonly elapsedMs: number;
  readonly result: LinResult;
}

/**
 * Where a check writes its history (docs/linearizability.md's format, under the OS temp dir): the header's
 * `machine` and `config`, and the input field to partition by (`interleave lincheck <file> --partition-by
 * <field>` replays it for `Lease` and `FencedResource`; the claim-queue projection is written as
 * `ClaimQueueItem`, a machine of these tests only, which the CLI does not know).
 */
export interface HistoryFile {
  readonly machine: string;
  readonly config?: unknown;
  /** Absent for a history of one object (the SyncCoordinator). */
  readonly partitionBy?: string;
}

/** The history files of the specs of this module. */
export const HISTORY_FILES = {
  lease: (config: Lease.Config): HistoryFile => ({ machine: "Lease", config, partitionBy: "lease" }),
  fenced: { machine: "FencedResource", partitionBy: "resource" } as HistoryFile,
  claimQueue: (config: ClaimQueue.Config): HistoryFile => ({
    machine: "ClaimQueueItem",
    config,
    partitionBy: "scope",
  }),
  /** The whole coordinator, outputs `{ result, effects }`: the CLI's `SyncCoordinatorStep`. */
  syncCoordinator: (config: SyncCoordinator.Config): HistoryFile => ({
    machine: "SyncCoordinatorStep",
    config,
  }),
};

/**
 * Checks `ops` against `spec` (60 s time budget) and prints one line: ops, pending, processes, states, time
 * (measured, never asserted) and, with `file`, the history file it wrote. Returns the report;
 * {@link assertLinearizable} turns a verdict other than `linearizable` into a failure.
 */
export function lincheck<C, S, E, R>(
  label: string,
  ops: readonly LinOperation<E>[],
  spec: LinSpec<C, S, E, R>,
  file?: HistoryFile,
): LincheckReport {
  const startMs = performance.now();
  const result = checkLinearizable(ops, spec, { timeBudgetMs: 60_000, now: () => performance.now() });
  const elapsedMs = performance.now() - startMs;
  const path = file === undefined ? null : writeHistoryFile(label, file.machine, file.config, ops);
  const report: LincheckReport = {
    label,
    path,
    ops: ops.length,
    pending: ops.filter((op) => op.returnMs === null || op.returnMs === undefined).length,
    processes: new Set(ops.map((op) => op.process.replace(/ \(resent\)$/, ""))).size,
    states: result.states,
    elapsedMs,
    result,
  };
  console.log(
    `lincheck ${label}: ${result.verdict}, ${report.ops} ops (${report.pending} pending), ` +
      `${report.processes} processes, ${report.states} states, ${elapsedMs.toFixed(1)} ms` +
      (path === null
        ? ""
        : `; history: ${path}` +
          (file?.partitionBy === undefined ? "" : ` (--partition-by ${file.partitionBy})`)),
  );
  return report;
}

/**
 * {@link lincheck}, then throws unless the verdict is `linearizable`: with the failing window rendered, or
 * with the budget's message for `unknown` (an unknown verdict is never a pass).
 */
export function assertLinearizable<C, S, E, R>(
  label: string,
  ops: readonly LinOperation<E>[],
  spec: LinSpec<C, S, E, R>,
  file?: HistoryFile,
): LincheckReport {
  const report = lincheck(label, ops, spec, file);
  const { result } = report;
  if (result.verdict === "not-linearizable") {
    throw new Error(`${label}: not linearizable\n${renderWindow(result.window)}`);
  }
  if (result.verdict === "unknown") throw new Error(`${label}: unknown (${result.message})`);
  return report;
}

let historyDir: string | undefined; // one per test process

/**
 * Writes `ops` as a history file (docs/linearizability.md) named after `label` under the OS temp dir, with
 * `machine` and `config` in its header; returns its path.
 */
export function writeHistoryFile(
  label: string,
  machine: string,
  config: unknown,
  ops: readonly LinOperation<unknown>[],
): string {
  historyDir ??= mkdtempSync(join(tmpdir(), "interleave-lincheck-"));
  const path = join(historyDir, `${label.replace(/[^a-z0-9-]+/gi, "-")}.jsonl`);
  const header = {
    format: "interleave-history" as const,
    version: 1 as const,
    machine,
    ...(config === undefined ? {} : { config }),
  };
  writeFileSync(path, formatHistory({ header, ops: ops as never }));
  return path;
}
