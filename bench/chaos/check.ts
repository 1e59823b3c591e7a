// The checks of a chaos run's history (pure: records in, verdicts out; bench/chaos/run.ts does the I/O). The
// history is every queue and fenced-store call of every process, recorded around its Redis call
// (packages/runtime-redis/test/support/calls.ts), plus the producer's enqueues, the Redis restarts that lost data
// (`--aof off`) with what the server held at the kill, and the queue's final state after the drain. Checks:
// 1. linearizable against the core ClaimQueue, item by item (the runtime tests' projection,
//    support/lincheck.ts, and @interleave/sim's WGL checker), and the fenced store against the core
//    FencedResource, resource by resource;
// 2. no item processed by two live holders at once: per item, each claim's live interval (grant → its expiry at
//    server time, moved by renewals, cut by its own ack/retry/fail/release) overlaps no other claim's;
// 3. no write with a stale fencing token applied: no accepted write's token is below one already accepted
//    (returned) before the write was sent;
// 4. every acknowledged enqueue is acked or dead-lettered (no item lost) — except, after a Redis restart
//    without persistence, the items the server held at the kill, which are the unpersisted writes and are
//    reported as such; the history must agree with that snapshot, item by item.
// A Redis restart that lost the data starts a new epoch: each side is checked on its own (tokens restart at 1).
// On a failure, the failing item's sub-history is shrunk to the shortest prefix that still fails
// (`minimiseWindow`) and rendered.

import { ClaimQueue, type ClaimQueue as Core } from "@interleave/core";
import {
  checkLinearizable,
  type LinOperation,
  type LinResult,
  type LinSpec,
  renderWindow,
} from "@interleave/sim";
import type { CallRecord } from "../../packages/runtime-redis/test/support/calls.js";
import {
  type ClaimQueueItemEvent,
  claimQueueOps,
  claimQueueSpec,
  type Epoch,
  FENCED_SPEC,
  fencedOps,
} from "../../packages/runtime-redis/test/support/lincheck.js";

/** A Redis restart that lost the data (`--aof off`): writes were paused at `pausedMs`; the scopes the queue held then. */
export interface LossyRestart {
  readonly pausedMs: number;
  /** When the new server answered (ms): calls running across [pausedMs, resumedMs] are pending on both sides. */
  readonly resumedMs: number;
  readonly heldScopes: readonly string[];
}

/** What the checks read. */
export interface ChaosHistory {
  readonly records: readonly CallRecord[];
  readonly lossyRestarts: readonly LossyRestart[];
  /** The queue after the drain: scopes still holding an item, and the dead-lettered scopes. */
  readonly finalItems: readonly string[];
  readonly config: Core.ResolvedConfig;
  /** When the run started (host ms): times in the report are shown after it. */
  readonly startMs?: number;
}

/** One check's verdict. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** One sentence each, naming the item and the times (ms) of the ops involved. */
  readonly violations: readonly string[];
  /** What else the check measured (e.g. the unpersisted writes lost), one line each. */
  readonly notes: readonly string[];
  /** The smallest failing window, rendered (a table), when the check failed. */
  readonly window: string | null;
  readonly elapsedMs: number;
}

/** A recorded call joined with its outcome: `value` when it returned, `returnMs` null when it did not. */
interface Joined {
  readonly process: string;
  readonly op: string;
  readonly args: readonly unknown[];
  readonly callMs: number;
  readonly returnMs: number | null;
  readonly value: unknown;
  /**
   * Whether the caller's connection came back while the call ran: ioredis then resends an unanswered command,
   * so the call may also have run once before the run whose reply was recorded (as support/lincheck.ts models).
   */
  readonly resent: boolean;
}

function join(records: readonly CallRecord[]): Joined[] {
  const outcomes = new Map<string, CallRecord>();
  const reconnects = new Map<string, number[]>();
  for (const r of records) {
    if (r.kind === "return" || r.kind === "threw") outcomes.set(r.id, r);
    if (r.kind === "reconnecting")
      reconnects.set(r.process, [...(reconnects.get(r.process) ?? []), r.wallMs]);
  }
  const out: Joined[] = [];
  for (const r of records) {
    if (r.kind !== "call") continue;
    const o = outcomes.get(r.id);
    if (o?.kind === "threw" && o.message.startsWith("NotInitializedError")) continue; // no effect
    const endMs = o === undefined ? Number.POSITIVE_INFINITY : (o as { returnMs: number }).returnMs;
    const joined: Joined = {
      process: r.process,
      op: r.op,
      args: r.args,
      callMs: r.callMs,
      returnMs: o?.kind === "return" ? o.returnMs : null,
      value: o?.kind === "return" ? o.value : undefined,
      resent: (reconnects.get(r.process) ?? []).some((t) => t >= r.callMs && t <= endMs),
    };
    if (joined.op === "ackManyAndClaim") out.push(...unbatch(joined));
    else out.push(joined);
  }
  return out;
}

/**
 * A Worker's batched `ackManyAndClaim([{ scope, token }…], holder)` as the calls it stands for, at its call and
 * return: one `ack` per entry (its reply `acks[i]`) and one `claim` (its reply `claim`). The script applies them
 * at one server time, which each reply carries.
 */
function unbatch(c: Joined): Joined[] {
  const [acks, holder] = c.args as [readonly { readonly scope: string; readonly token: number }[], string];
  const all = c.value as { readonly acks: readonly Timed[]; readonly claim: Timed } | undefined;
  return [
    ...acks.map(({ scope, token }, i) => ({ ...c, op: "ack", args: [scope, token], value: all?.acks[i] })),
    { ...c, op: "claim", args: [holder], value: all?.claim },
  ];
}

/** The epochs of the history: one, or one per side of each lossy restart. */
export function epochsOf(restarts: readonly LossyRestart[]): Epoch[] {
  if (restarts.length === 0) return [{}];
  const sorted = [...restarts].sort((a, b) => a.pausedMs - b.pausedMs);
  const epochs: Epoch[] = sorted.map((r, i) => ({
    ...(i === 0 ? {} : { sinceMs: sorted[i - 1]!.resumedMs }),
    untilMs: r.pausedMs,
  }));
  return [...epochs, { sinceMs: sorted.at(-1)!.resumedMs }];
}

/** `ms` (host or server time) as seconds after `originMs`, e.g. `+12.345 s`. */
export function relativeTime(ms: number, originMs: number): string {
  return `+${((ms - originMs) / 1_000).toFixed(3)} s`;
}

/** The index of the epoch a server time `atMs` belongs to. */
function epochAt(restarts: readonly LossyRestart[], atMs: number): number {
  return restarts.filter((r) => r.pausedMs <= atMs).length;
}

type Timed = { readonly atMs: number; readonly result: { readonly _tag: string } & Record<string, unknown> };
type Grant = { readonly scope: string; readonly token: number; readonly expiresAtMs: number };

/** A claim's live interval at server time. */
interface Claim {
  readonly scope: string;
  readonly token: number;
  readonly holder: string;
  readonly epoch: number;
  readonly fromMs: number;
  untilMs: number;
}

/** Every claim granted (completed `claim` and `ackAndClaim`), and the ops that end or renew a claim. */
function claimsOf(calls: readonly Joined[], restarts: readonly LossyRestart[]): Claim[] {
  const claims = new Map<string, Claim>();
  const key = (epoch: number, scope: string, token: number) => `${epoch}\u0000${scope}\u0000${token}`;
  for (const c of calls) {
    if (c.returnMs === null) continue;
    const claimed =
      c.op === "claim"
        ? (c.value as Timed)
        : c.op === "ackAndClaim"
          ? (c.value as { claim: Timed }).claim
          : null;
    if (claimed === null) continue;
    const holder = String(c.args[c.op === "claim" ? 0 : 2]);
    const epoch = epochAt(restarts, claimed.atMs);
    for (const g of (claimed.result as unknown as { claims: readonly Grant[] }).claims) {
      claims.set(key(epoch, g.scope, g.token), {
        scope: g.scope,
        token: g.token,
        holder,
        epoch,
        fromMs: claimed.atMs,
        untilMs: g.expiresAtMs,
      });
    }
  }
  for (const c of calls) {
    if (!["heartbeat", "ack", "ackAndClaim", "retry", "fail", "release"].includes(c.op)) continue;
    const [scope, token] = c.args as [string, number];
    const timed = c.op === "ackAndClaim" ? (c.value as { ack: Timed } | undefined)?.ack : (c.value as Timed);
    // a call that did not return may have run as early as its call: it may have ended the claim then
    const atMs = timed?.atMs ?? c.callMs;
    const claim = claims.get(key(epochAt(restarts, atMs), scope, token));
    if (claim === undefined) continue;
    if (timed === undefined || c.resent) {
      // it may have run (again) as early as its call
      if (c.op !== "heartbeat") claim.untilMs = Math.min(claim.untilMs, c.callMs);
      if (timed === undefined) continue;
    }
    const r = timed.result;
    if (r._tag === "Renewed") claim.untilMs = Math.max(claim.untilMs, r.expiresAtMs as number);
    const ended =
      (r._tag === "Acked" && r.owned === true) ||
      r._tag === "Retried" ||
      r._tag === "DeadLettered" ||
      r._tag === "Released";
    if (ended) claim.untilMs = Math.min(claim.untilMs, timed.atMs);
  }
  return [...claims.values()];
}

/** Check 2: no item processed by two live holders at once (live: before its claim's expiry, at server time). */
export function checkLiveHolders(history: ChaosHistory): string[] {
  const rel = (ms: number) => relativeTime(ms, history.startMs ?? 0);
  const claims = claimsOf(join(history.records), history.lossyRestarts);
  const byItem = new Map<string, Claim[]>();
  for (const c of claims) {
    const k = `${c.epoch}\u0000${c.scope}`;
    byItem.set(k, [...(byItem.get(k) ?? []), c]);
  }
  const violations: string[] = [];
  for (const list of byItem.values()) {
    list.sort((a, b) => a.fromMs - b.fromMs || a.token - b.token);
    for (let i = 1; i < list.length; i++) {
      for (let j = 0; j < i; j++) {
        const [a, b] = [list[j]!, list[i]!];
        if (b.fromMs < a.untilMs) {
          violations.push(
            `item ${a.scope}: ${b.holder} was granted token ${b.token} at ${rel(b.fromMs)} while ${a.holder}'s ` +
              `token ${a.token} (granted at ${rel(a.fromMs)}) was live until ${rel(a.untilMs)}`,
          );
        }
      }
    }
  }
  return violations;
}

/** Check 3: no fenced write applied with a token below one accepted (and returned) before the write was sent. */
export function checkStaleWrites(history: ChaosHistory): string[] {
  const rel = (ms: number) => relativeTime(ms, history.startMs ?? 0);
  const writes = join(history.records).filter(
    (c) => c.op === "fencedWrite" && c.returnMs !== null && (c.value as { _tag: string })._tag === "Accepted",
  );
  const byResource = new Map<string, Joined[]>();
  for (const w of writes) {
    const k = `${epochAt(history.lossyRestarts, w.callMs)}\u0000${String(w.args[0])}`;
    byResource.set(k, [...(byResource.get(k) ?? []), w]);
  }
  const violations: string[] = [];
  for (const list of byResource.values()) {
    const byReturn = [...list].sort((a, b) => a.returnMs! - b.returnMs!);
    for (const w of list) {
      const token = w.args[1] as number;
      const newer = byReturn.find((v) => v.returnMs! < w.callMs && (v.args[1] as number) > token);
      if (newer !== undefined) {
        violations.push(
          `resource ${String(w.args[0])}: ${w.process}'s write with token ${token} (sent at ${rel(w.callMs)}) was ` +
            `applied after ${newer.process}'s write with token ${String(newer.args[1])} was accepted (at ${rel(newer.returnMs!)})`,
        );
      }
    }
  }
  return violations;
}

/**
 * Check 4: every acknowledged enqueue is acked or dead-lettered, and what a lossy restart lost is exactly what the
 * server held then. Returns the violations and notes (the unpersisted writes lost).
 */
export function checkNoneLost(history: ChaosHistory): { violations: string[]; notes: string[] } {
  const rel = (ms: number) => relativeTime(ms, history.startMs ?? 0);
  const calls = join(history.records);
  const restarts = history.lossyRestarts;
  const claims = claimsOf(calls, restarts);
  const grantAt = new Map(claims.map((c) => [`${c.epoch}\u0000${c.scope}\u0000${c.token}`, c.fromMs]));
  const finalItems = new Set(history.finalItems);
  // per scope: the terminal ops (an owned ack, a dead letter) with the grant time of their claim
  const terminals = new Map<string, { grantMs: number; atMs: number; epoch: number; pending: boolean }[]>();
  for (const c of calls) {
    if (!["ack", "ackAndClaim", "retry", "fail"].includes(c.op)) continue;
    const [scope, token] = c.args as [string, number];
    const timed = c.op === "ackAndClaim" ? (c.value as { ack: Timed } | undefined)?.ack : (c.value as Timed);
    const atMs = timed?.atMs ?? c.callMs;
    const epoch = epochAt(restarts, atMs);
    const grantMs = grantAt.get(`${epoch}\u0000${scope}\u0000${token}`);
    if (grantMs === undefined) continue;
    const r = timed?.result;
    const terminal =
      r === undefined
        ? c.op !== "retry"
        : (r._tag === "Acked" && r.owned === true) || r._tag === "DeadLettered";
    // a resent call may also have run before the run whose reply was recorded: possibly terminal then
    const maybe = r !== undefined && !terminal && c.resent;
    if (terminal || maybe) {
      terminals.set(scope, [
        ...(terminals.get(scope) ?? []),
        { grantMs, atMs: maybe ? c.callMs : atMs, epoch, pending: r === undefined || maybe },
      ]);
    }
  }
  const violations: string[] = [];
  // scopes an enqueue that did not return may have put into the queue, per epoch (by its call time)
  const maybeEnqueued = restarts.map(() => new Set<string>());
  for (const c of calls) {
    if (c.op === "enqueue" && c.returnMs === null)
      maybeEnqueued[epochAt(restarts, c.callMs)]?.add(String(c.args[0]));
  }
  const lostByRestart = restarts.map(() => new Set<string>());
  const heldByHistory = restarts.map(() => new Set<string>());
  for (const c of calls) {
    if (c.op !== "enqueue" || c.returnMs === null) continue;
    const e = c.value as Timed;
    if (e.result._tag !== "Enqueued") continue;
    const scope = String(c.args[0]);
    const epoch = epochAt(restarts, e.atMs);
    const covering = (terminals.get(scope) ?? []).filter(
      (t) => t.epoch === epoch && t.grantMs >= e.atMs && (!t.pending || !finalItems.has(scope)),
    );
    const restart = restarts[epoch];
    if (restart !== undefined) {
      // held at the kill: enqueued, not finished (by a terminal op that returned) before writes were paused
      const finished = covering.some((t) => !t.pending && t.atMs < restart.pausedMs);
      if (!finished) heldByHistory[epoch]!.add(scope);
      if (!finished && restart.heldScopes.includes(scope)) {
        lostByRestart[epoch]!.add(scope);
        continue;
      }
    }
    if (covering.length === 0) {
      violations.push(
        `item ${scope}: enqueued at ${rel(e.atMs)} (by ${c.process}), never acked or dead-lettered`,
      );
    }
  }
  for (const scope of finalItems) violations.push(`item ${scope}: still in the queue after the drain`);
  const notes: string[] = [];
  restarts.forEach((r, i) => {
    const held = new Set(r.heldScopes);
    const history = heldByHistory[i]!;
    const serverOnly = [...held].filter((s) => !history.has(s) && !maybeEnqueued[i]!.has(s));
    const both = [...held].filter((s) => history.has(s)).length;
    notes.push(
      `Redis restart without persistence at ${rel(r.pausedMs)}: the server held ${held.size} items at the kill (the ` +
        `unpersisted writes), all lost; ${both} of them the history also shows held, ` +
        `${held.size - both - serverOnly.length} explained by an enqueue whose reply was lost; ` +
        `${history.size - both} more the history shows possibly held (an op in flight) were not on the server`,
    );
    for (const s of serverOnly) {
      violations.push(
        `item ${s}: the server held it at the kill (${rel(r.pausedMs)}), the history says it was done`,
      );
    }
  });
  return { violations, notes };
}

/**
 * The shortest prefix of `ops` (one item's sub-history) that still `fails`: ops called after the cut are dropped,
 * ops running across it become pending. Binary search over the call times (a prefix of a failing history fails
 * no less once it contains the failure). Returns the ops of that prefix and the cut (ms).
 */
export function minimiseWindow<E>(
  ops: readonly LinOperation<E>[],
  fails: (ops: readonly LinOperation<E>[]) => boolean,
): { readonly ops: readonly LinOperation<E>[]; readonly untilMs: number } {
  const cut = (untilMs: number): LinOperation<E>[] =>
    ops
      .filter((op) => op.callMs <= untilMs)
      .map((op) =>
        op.returnMs === null || op.returnMs === undefined || op.returnMs <= untilMs
          ? op
          : { process: op.process, input: op.input, callMs: op.callMs, returnMs: null },
      );
  const times = [
    ...new Set(ops.flatMap((op) => [op.callMs, ...(op.returnMs == null ? [] : [op.returnMs])])),
  ].sort((a, b) => a - b);
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(cut(times[mid]!))) hi = mid;
    else lo = mid + 1;
  }
  const untilMs = times[lo] ?? 0;
  return { ops: cut(untilMs), untilMs };
}

/** `ops` as a table, one line each: process, call and return (ms after `originMs`), input, output. */
export function opsTable(ops: readonly LinOperation<unknown>[], originMs: number): string {
  const cell = (v: unknown) => {
    const text = v === undefined ? "? (pending)" : JSON.stringify(v);
    return text.length > 90 ? `${text.slice(0, 89)}…` : text;
  };
  const at = (ms: number | null | undefined) =>
    ms == null ? "—" : `+${((ms - originMs) / 1_000).toFixed(3)} s`;
  return ops
    .map(
      (op) =>
        `  ${op.process.padEnd(18)} ${at(op.callMs).padStart(11)} → ${at(op.returnMs).padStart(11)}  ${cell(op.input)}  ⇒ ${cell(op.output)}`,
    )
    .join("\n");
}

/**
 * Check 1 for one spec: per epoch, per partition; on a failure, the failing partition's minimised window.
 * `unseen(epoch, key)` gives ops that may have happened unseen (claims whose reply was lost), added to a partition
 * only when it fails without them.
 */
export function checkLinearizability<S, E, R, C>(
  name: string,
  opsOf: (epoch: Epoch) => LinOperation<E>[],
  spec: LinSpec<C, S, E, R>,
  epochs: readonly Epoch[],
  now: () => number,
  originMs = 0,
  unseen: (epoch: Epoch, key: string) => LinOperation<E>[] = () => [],
): CheckResult {
  const startMs = now();
  const violations: string[] = [];
  const notes: string[] = [];
  let window: string | null = null;
  let opCount = 0;
  let partitions = 0;
  let explained = 0;
  const deadlineMs = now() + 300_000;
  for (const epoch of epochs) {
    const ops = opsOf(epoch);
    opCount += ops.length;
    const byKey = new Map<string, LinOperation<E>[]>();
    for (const op of ops) {
      const key = spec.partition === undefined ? "" : spec.partition(op.input);
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [op]);
      else list.push(op);
    }
    partitions += byKey.size;
    for (const [key, mine] of byKey) {
      const budget = { timeBudgetMs: Math.max(1, deadlineMs - now()), now };
      let result: LinResult = checkLinearizable(mine, spec, budget);
      let all = mine;
      if (result.verdict === "not-linearizable") {
        const extra = unseen(epoch, key);
        if (extra.length > 0) {
          all = [...mine, ...extra];
          result = checkLinearizable(all, spec, budget);
          if (result.verdict === "linearizable") explained++;
        }
      }
      if (result.verdict === "linearizable") continue;
      if (result.verdict === "unknown") {
        violations.push(`item ${key}: unknown (${result.message}): nothing is claimed`);
        continue;
      }
      const failing = (sub: readonly LinOperation<E>[]) =>
        checkLinearizable(sub, spec, {}).verdict === "not-linearizable";
      const small = minimiseWindow(all, failing);
      const again = checkLinearizable(small.ops, spec, {});
      const fromMs = Math.min(...small.ops.map((op) => op.callMs));
      violations.push(
        `item ${key}: not linearizable; smallest failing window: ${small.ops.length} of its ${all.length} ops, ` +
          `${relativeTime(fromMs, originMs)} to ${relativeTime(small.untilMs, originMs)} ` +
          `(${small.untilMs - fromMs} ms)`,
      );
      window ??= `the item's ops up to the cut (times after the run's start):\n${opsTable(small.ops, originMs)}\n${
        again.verdict === "not-linearizable" ? renderWindow(again.window) : renderWindow(result.window)
      }`;
    }
  }
  notes.push(
    `${opCount} ops in ${partitions} partitions, ${epochs.length} epoch(s)` +
      (explained === 0 ? "" : `; ${explained} linearizable only with a claim whose reply was lost`),
  );
  return { name, ok: violations.length === 0, violations, notes, window, elapsedMs: now() - startMs };
}

/** A Claim whose token is unknown (its reply was lost): the item machine grants the item's next token. */
const UNKNOWN_TOKEN = -1;

/** The item machine's state with the earliest server time a later op may have: set by a claim whose reply was lost. */
interface ItemState {
  readonly queue: Core.State;
  readonly notBeforeMs: number;
}

/**
 * The claim-queue item spec of `config`, where a Claim with token {@link UNKNOWN_TOKEN} is a claim whose reply was
 * lost: its time is unknown (any time after its call), so it runs at the earliest time it can take the item — when
 * the item's current claim expires, if it has one — and every op placed after it must have a server time no
 * earlier (else it throws, which the checker reads as "cannot take effect there"). No later op of its holder
 * carries its token, so which token it got does not matter (real tokens are larger: they only grow).
 */
function claimQueueItemSpec(
  config: Core.ResolvedConfig,
): LinSpec<Core.Config, ItemState, ClaimQueueItemEvent, Core.Result> {
  const spec = claimQueueSpec(config);
  return {
    config: spec.config,
    ...(spec.matches === undefined ? {} : { matches: spec.matches }),
    ...(spec.partition === undefined ? {} : { partition: spec.partition }),
    machine: {
      initial: (c) => ({ queue: spec.machine.initial(c), notBeforeMs: Number.NEGATIVE_INFINITY }),
      transition(state, event) {
        if (event.atMs < state.notBeforeMs) {
          throw new Error(`at ${event.atMs}, before a lost claim that ran at ${state.notBeforeMs}`);
        }
        if (event._tag === "Claim" && event.token === UNKNOWN_TOKEN) {
          const claim = state.queue.items[event.scope]?.claim;
          const atMs = Math.max(event.atMs, claim?.expiresAtMs ?? Number.NEGATIVE_INFINITY);
          const step = ClaimQueue.transition(state.queue, {
            _tag: "Claim",
            holder: event.holder,
            batchSize: 1,
            atMs,
          });
          return { state: { queue: step.state, notBeforeMs: atMs }, result: step.result };
        }
        const step = spec.machine.transition(state.queue, event);
        return { state: { queue: step.state, notBeforeMs: state.notBeforeMs }, result: step.result };
      },
    },
  };
}

/**
 * The claims whose reply was lost in `epoch` (a `claim` or an `ackAndClaim` with no reply), as pending Claims of
 * item `scope` with an unknown token: the {@link LOST_CLAIMS_MAX} earliest, since a pending op may take effect at
 * any time after its call, so the earliest calls allow every order later ones would.
 */
function lostClaims(
  calls: readonly Joined[],
  epoch: Epoch,
  scope: string,
): LinOperation<ClaimQueueItemEvent>[] {
  return calls
    .filter(
      (c) =>
        (c.op === "claim" || c.op === "ackAndClaim") &&
        c.returnMs === null &&
        c.callMs >= (epoch.sinceMs ?? Number.NEGATIVE_INFINITY) &&
        c.callMs < (epoch.untilMs ?? Number.POSITIVE_INFINITY),
    )
    .sort((a, b) => a.callMs - b.callMs)
    .slice(0, LOST_CLAIMS_MAX)
    .map((c) => ({
      process: `${c.process} (claim, reply lost)`,
      input: {
        _tag: "Claim",
        holder: String(c.args[c.op === "claim" ? 0 : 2]),
        scope,
        token: UNKNOWN_TOKEN,
        atMs: c.callMs,
      },
      callMs: c.callMs,
      returnMs: null,
    }));
}

/** How many claims with a lost reply may have taken one item unseen (each is one more pending op to search). */
export const LOST_CLAIMS_MAX = 4;

/** Every check of a chaos run's history, in order. `now` is a clock for the checks' times (ms). */
export function checkChaosHistory(history: ChaosHistory, now: () => number): CheckResult[] {
  const epochs = epochsOf(history.lossyRestarts);
  const calls = join(history.records);
  const timed = (name: string, run: () => { violations: string[]; notes: string[] }): CheckResult => {
    const startMs = now();
    const { violations, notes } = run();
    return { name, ok: violations.length === 0, violations, notes, window: null, elapsedMs: now() - startMs };
  };
  return [
    checkLinearizability(
      "linearizable: claim queue vs core ClaimQueue, per item",
      (epoch) => claimQueueOps(history.records, epoch),
      claimQueueItemSpec(history.config),
      epochs,
      now,
      history.startMs ?? 0,
      (epoch, scope) => lostClaims(calls, epoch, scope),
    ),
    checkLinearizability(
      "linearizable: fenced store vs core FencedResource, per resource",
      (epoch) => fencedOps(history.records, epoch),
      FENCED_SPEC,
      epochs,
      now,
      history.startMs ?? 0,
    ),
    timed("no item held by two live holders at once", () => ({
      violations: checkLiveHolders(history),
      notes: [],
    })),
    timed("no write with a stale fencing token applied", () => ({
      violations: checkStaleWrites(history),
      notes: [],
    })),
    timed("every enqueued scope acked or dead-lettered (none lost)", () => checkNoneLost(history)),
  ];
}
