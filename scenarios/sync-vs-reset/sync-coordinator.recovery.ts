/**
 * The recovery model of the serial coordinator (issue 19, "Nothing can wedge"; seed 000,
 * ../../shared/seeds/000_a68bbd6ee7280424.txt): the core `SyncCoordinator`'s order leases checked with callers
 * that may stop at any point — a process SIGKILLed, or SIGSTOPped past its lease and resumed later with its old
 * fencing token. The merge request's rules and approvals live in one fenced store per MR (a write is accepted
 * iff its token is at least the highest accepted so far, as core `FencedResource` does); a recovery loop sends
 * `Expire` for every MR on each clock tick (the runtime's `reclaimExpired`).
 *
 * Callers: a sync starts, may heartbeat, writes the rules (half-built until it finishes), completes them and
 * sends a fenced FinishSync. A reset is scheduled; its worker (from a `RunReset` effect) sends a fenced
 * BeginReset, deletes the approvals through the store and sends a fenced FinishReset. Any caller may stop
 * acting at any point — the checker tries every interleaving, so a crash is a caller that never acts again
 * and a stop is one that acts after ticks went by. When a reset is dispatched again after its worker's lease
 * expired, the old worker lives on as a stale worker of that reset (the latest one is kept) and may still
 * send its events and write.
 */
import { SyncCoordinator } from "@interleave/core";
import type { StateSpaceModel } from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";

/** The promises of the recovery model, as the invariant names the checker reports. */
export const SC_NO_WEDGE =
  "no merge request stays blocked behind a holder that stopped heartbeating for longer than its lease";
export const SC_ONE_LIVE_HOLDER = "at most one caller of a merge request holds a live lease at a time";
export const SC_FENCED_RESET_DURING_SYNC =
  "the store never accepts a reset's delete while a sync with a live lease has the rules half-built";
export const SC_NO_LOST_RESET =
  "a scheduled reset stays scheduled in the coordinator until a holder of its lease finishes it";
export const SC_STALE_ANSWERS =
  "every step gets a documented answer: Renewed while the lease lives, Stale once it was reclaimed";

const SYNC_CODE: Readonly<Record<SyncCaller["stage"], number>> = {
  idle: 0,
  waiting: 1,
  running: 2,
  lost: 3,
  done: 4,
};
const RESET_CODE: Readonly<Record<ResetCaller["stage"], number>> = {
  idle: 0,
  queued: 1,
  dispatched: 2,
  proceeded: 3,
  deleted: 4,
  finished: 5,
};

const ANSWERS_BIT = 1;
const RESET_DURING_SYNC_BIT = 2;

/** A sync's caller: `token` and `renewedMs` (when its lease was granted or last renewed) once running. */
interface SyncCaller {
  readonly stage: "idle" | "waiting" | "running" | "lost" | "done";
  readonly token: number;
  readonly renewedMs: number;
  readonly wrote: boolean;
}

type WorkerStage = "dispatched" | "proceeded" | "deleted";

/** A reset's caller; `stale` is the worker of an earlier dispatch whose lease was reclaimed, if any. */
interface ResetCaller {
  readonly stage: "idle" | "queued" | WorkerStage | "finished";
  readonly token: number;
  readonly renewedMs: number;
  readonly stale: { readonly stage: WorkerStage; readonly token: number } | null;
}

/** State of {@link syncCoordinatorRecoveryModel}. `store[mr]`: the fence and the half-built rules' token. */
export interface RecoveryState {
  readonly coordinator: SyncCoordinator.State;
  readonly nowMs: number;
  readonly syncs: readonly SyncCaller[];
  readonly resets: readonly ResetCaller[];
  readonly store: readonly { readonly fence: number; readonly halfBuiltBy: number }[];
  readonly broken: number;
}

export type RecoveryInput =
  | { readonly op: "tick" }
  | {
      readonly op: "startSync" | "heartbeatSync" | "writeRules" | "finishSync";
      readonly mr: number;
      readonly k: number;
    }
  | {
      readonly op:
        | "scheduleReset"
        | "heartbeatReset"
        | "beginReset"
        | "deleteApprovals"
        | "finishReset"
        | "staleBegin"
        | "staleDelete"
        | "staleFinish";
      readonly mr: number;
      readonly k: number;
    };

/** Size and variant of {@link syncCoordinatorRecoveryModel}; durations are integer ms. */
export interface RecoveryModelOptions {
  readonly mrs?: number;
  readonly syncsPerMr?: number;
  readonly resetsPerMr?: number;
  readonly stepMs?: number;
  readonly horizonMs?: number;
  /** The lease the callers are promised (and the coordinator's `leaseTtlMs` unless `coordinatorLeaseTtlMs`). */
  readonly leaseTtlMs?: number;
  /** Bug variant: the coordinator's own `leaseTtlMs` (e.g. one that never expires within the horizon). */
  readonly coordinatorLeaseTtlMs?: number;
  /** Bug variant: the reset worker sends BeginReset and FinishReset without its token (unfenced). */
  readonly unfencedResetWorker?: boolean;
  readonly mrCountMax?: number;
  readonly pendingPerMrMax?: number;
  readonly invariants?: readonly string[];
  readonly name?: string;
}

/** Every promise of the recovery model, in reporting order. */
export const RECOVERY_PROMISES: readonly string[] = [
  SC_STALE_ANSWERS,
  SC_ONE_LIVE_HOLDER,
  SC_FENCED_RESET_DURING_SYNC,
  SC_NO_LOST_RESET,
  SC_NO_WEDGE,
];

/**
 * M merge requests with S syncs and R resets each, driven through the core `SyncCoordinator` by callers that
 * may stop at any point (see the file header), a clock ticking `stepMs` to `horizonMs`, and a recovery loop
 * sending `Expire` for every MR at each tick. Invariants: {@link RECOVERY_PROMISES}. A caller's lease is live
 * while `nowMs < renewedMs + leaseTtlMs` by its own account (the grant's or last renewal's time).
 *
 * @throws `RangeError` naming a size that is not a positive integer; `InvalidConfigError` (core) for a bad
 *   coordinator config.
 */
export function syncCoordinatorRecoveryModel(
  options: RecoveryModelOptions = {},
): StateSpaceModel<RecoveryState, RecoveryInput> {
  const mrCount = sizeOption(options.mrs, 1, "mrs");
  const syncsPerMr = sizeOption(options.syncsPerMr, 1, "syncsPerMr");
  const resetsPerMr = sizeOption(options.resetsPerMr, 2, "resetsPerMr");
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 5_000, "horizonMs");
  const leaseTtlMs = sizeOption(options.leaseTtlMs, 2_000, "leaseTtlMs");
  const fenced = options.unfencedResetWorker !== true;
  const initialCoordinator = SyncCoordinator.initial({
    mrCountMax: options.mrCountMax ?? mrCount,
    pendingPerMrMax: options.pendingPerMrMax ?? syncsPerMr + resetsPerMr,
    leaseTtlMs: options.coordinatorLeaseTtlMs ?? leaseTtlMs,
  });
  const coordinatorTtlMs = initialCoordinator.config.leaseTtlMs;
  const mrs = Array.from({ length: mrCount }, (_, i) => `!${i + 1}`);
  const syncId = (k: number) => `s${k + 1}`;
  const resetId = (k: number) => `r${k + 1}`;
  const invariantNames = options.invariants ?? RECOVERY_PROMISES;

  const alphabet: RecoveryInput[] = [{ op: "tick" }];
  for (let mr = 0; mr < mrCount; mr++) {
    for (let k = 0; k < syncsPerMr; k++) {
      for (const op of ["startSync", "heartbeatSync", "writeRules", "finishSync"] as const) {
        alphabet.push({ op, mr, k });
      }
    }
    for (let k = 0; k < resetsPerMr; k++) {
      for (const op of [
        "scheduleReset",
        "heartbeatReset",
        "beginReset",
        "deleteApprovals",
        "finishReset",
        "staleBegin",
        "staleDelete",
        "staleFinish",
      ] as const) {
        alphabet.push({ op, mr, k });
      }
    }
  }

  /** A successor under construction. */
  class Draft {
    coordinator: SyncCoordinator.State;
    syncs: SyncCaller[];
    resets: ResetCaller[];
    store: { fence: number; halfBuiltBy: number }[];
    broken = 0;
    constructor(readonly from: RecoveryState) {
      this.coordinator = from.coordinator;
      this.syncs = from.syncs.slice();
      this.resets = from.resets.slice();
      this.store = from.store.map((s) => ({ ...s }));
    }
    get nowMs(): number {
      return this.from.nowMs;
    }
    live(renewedMs: number): boolean {
      return this.nowMs < renewedMs + leaseTtlMs;
    }
    send(event: SyncCoordinator.Event): SyncCoordinator.Result {
      const step = SyncCoordinator.transition(this.coordinator, event);
      this.coordinator = step.state;
      for (const effect of step.effects) this.act(effect);
      return step.result;
    }
    /** The callers act on an effect: a RunSync / RunReset starts (or restarts) the order's holder. */
    act(effect: SyncCoordinator.Effect): void {
      const mr = mrs.indexOf(effect.mr);
      if (effect.expiresAtMs !== this.nowMs + coordinatorTtlMs) this.broken |= ANSWERS_BIT;
      if (effect._tag === "RunSync") {
        const i = mr * syncsPerMr + Number(effect.syncId.slice(1)) - 1;
        if (this.syncs[i]!.stage !== "waiting") this.broken |= ANSWERS_BIT;
        this.syncs[i] = { stage: "running", token: effect.token, renewedMs: this.nowMs, wrote: false };
        return;
      }
      const i = mr * resetsPerMr + Number(effect.resetId.slice(1)) - 1;
      const caller = this.resets[i]!;
      let stale = caller.stale;
      if (caller.stage === "dispatched" || caller.stage === "proceeded" || caller.stage === "deleted") {
        // Dispatched again: the old worker lives on with its old token.
        stale = { stage: caller.stage, token: caller.token };
      } else if (caller.stage !== "queued") {
        this.broken |= ANSWERS_BIT;
      }
      this.resets[i] = { stage: "dispatched", token: effect.token, renewedMs: this.nowMs, stale };
    }
    /** A fenced write to `mr`'s store with `token`: accepted iff no newer token wrote. */
    write(mr: number, token: number): boolean {
      const store = this.store[mr]!;
      if (token < store.fence) return false;
      store.fence = token;
      return true;
    }
    /** A reset's delete accepted: the rules must not be half-built by a sync that still holds a live lease. */
    deleted(mr: number): void {
      const by = this.store[mr]!.halfBuiltBy;
      if (by === 0) return;
      for (let k = 0; k < syncsPerMr; k++) {
        const sync = this.syncs[mr * syncsPerMr + k]!;
        if (sync.stage === "running" && sync.token === by && this.live(sync.renewedMs)) {
          this.broken |= RESET_DURING_SYNC_BIT;
        }
      }
    }
    done(nowMs = this.from.nowMs): RecoveryState {
      return {
        coordinator: this.coordinator,
        nowMs,
        syncs: this.syncs,
        resets: this.resets,
        store: this.store,
        broken: this.broken,
      };
    }
  }

  const tick = (s: RecoveryState): RecoveryState | null => {
    const nowMs = s.nowMs + stepMs;
    if (nowMs > horizonMs) return null;
    const d = new Draft({ ...s, nowMs, broken: 0 });
    // The recovery loop: Expire for every MR.
    for (const mr of mrs) {
      const before = d.coordinator.mrs[mr]?.lease ?? null;
      const result = d.send({ _tag: "Expire", mr, atMs: nowMs });
      if (result._tag !== "Expired") d.broken |= ANSWERS_BIT;
      else if ((result.reclaimed !== null) !== (before !== null && nowMs >= before.expiresAtMs)) {
        d.broken |= ANSWERS_BIT;
      }
    }
    return d.done(nowMs);
  };

  const syncStep = (s: RecoveryState, op: string, mr: number, k: number): RecoveryState | null => {
    const i = mr * syncsPerMr + k;
    const caller = s.syncs[i]!;
    const mrId = mrs[mr]!;
    const d = new Draft(s);
    if (op === "startSync") {
      if (caller.stage !== "idle") return null;
      d.syncs[i] = { ...caller, stage: "waiting" };
      const r = d.send({ _tag: "StartSync", mr: mrId, syncId: syncId(k), atMs: s.nowMs });
      if (r._tag === "Rejected") d.syncs[i] = caller;
      else if (r._tag !== "SyncStarted" || r.running !== (d.syncs[i]!.stage === "running")) {
        d.broken |= ANSWERS_BIT;
      }
      return d.done();
    }
    if (caller.stage !== "running") return null;
    const { token } = caller;
    const lost = () => {
      if (d.live(caller.renewedMs)) d.broken |= ANSWERS_BIT; // a live holder is never Stale
      d.syncs[i] = { ...d.syncs[i]!, stage: "lost" };
    };
    switch (op) {
      case "heartbeatSync": {
        const r = d.send({ _tag: "Heartbeat", mr: mrId, token, atMs: s.nowMs });
        if (r._tag === "Renewed" && d.live(caller.renewedMs)) {
          if (r.expiresAtMs !== s.nowMs + coordinatorTtlMs) d.broken |= ANSWERS_BIT;
          d.syncs[i] = { ...caller, renewedMs: s.nowMs };
        } else if (r._tag === "Stale") lost();
        else d.broken |= ANSWERS_BIT;
        return d.done();
      }
      case "writeRules": {
        if (caller.wrote) return null;
        if (!d.write(mr, token)) lost();
        else {
          d.store[mr]!.halfBuiltBy = token;
          d.syncs[i] = { ...caller, wrote: true };
        }
        return d.done();
      }
      default: {
        // finishSync: complete the rules (a fenced write), then FinishSync with the token.
        if (caller.wrote) {
          if (!d.write(mr, token)) {
            lost();
            return d.done();
          }
          d.store[mr]!.halfBuiltBy = 0;
        }
        d.syncs[i] = { ...caller, stage: "done" };
        const r = d.send({
          _tag: "FinishSync",
          mr: mrId,
          syncId: syncId(k),
          outcome: "ok",
          token,
          atMs: s.nowMs,
        });
        if (r._tag === "Stale") lost();
        else if (r._tag !== "SyncFinished" || !d.live(caller.renewedMs)) d.broken |= ANSWERS_BIT;
        return d.done();
      }
    }
  };

  const resetStep = (s: RecoveryState, op: string, mr: number, k: number): RecoveryState | null => {
    const i = mr * resetsPerMr + k;
    const caller = s.resets[i]!;
    const mrId = mrs[mr]!;
    const id = resetId(k);
    const d = new Draft(s);
    const fence = (token: number) => (fenced ? { token } : {});
    switch (op) {
      case "scheduleReset": {
        if (caller.stage !== "idle") return null;
        d.resets[i] = { ...caller, stage: "queued" };
        const r = d.send({ _tag: "ScheduleReset", mr: mrId, resetId: id, atMs: s.nowMs });
        if (r._tag === "Rejected") d.resets[i] = caller;
        else if (r._tag !== "ResetQueued" || r.running !== (d.resets[i]!.stage === "dispatched")) {
          d.broken |= ANSWERS_BIT;
        }
        return d.done();
      }
      case "heartbeatReset": {
        if (caller.stage !== "dispatched" && caller.stage !== "proceeded" && caller.stage !== "deleted")
          return null;
        const r = d.send({ _tag: "Heartbeat", mr: mrId, token: caller.token, atMs: s.nowMs });
        if (r._tag === "Renewed" && d.live(caller.renewedMs))
          d.resets[i] = { ...d.resets[i]!, renewedMs: s.nowMs };
        else if (r._tag !== "Stale" || d.live(caller.renewedMs)) d.broken |= ANSWERS_BIT;
        return d.done();
      }
      case "beginReset": {
        if (caller.stage !== "dispatched") return null;
        const r = d.send({
          _tag: "BeginReset",
          mr: mrId,
          resetId: id,
          ...fence(caller.token),
          atMs: s.nowMs,
        });
        if (r._tag === "Proceed") d.resets[i] = { ...d.resets[i]!, stage: "proceeded" };
        else if (r._tag !== "Stale" || d.live(caller.renewedMs)) d.broken |= ANSWERS_BIT;
        return d.done();
      }
      case "deleteApprovals": {
        if (caller.stage !== "proceeded") return null;
        if (d.write(mr, caller.token)) d.deleted(mr);
        else if (d.live(caller.renewedMs)) d.broken |= ANSWERS_BIT; // the fence turned a live holder away
        d.resets[i] = { ...caller, stage: "deleted" };
        return d.done();
      }
      case "finishReset": {
        if (caller.stage !== "deleted") return null;
        d.resets[i] = { ...caller, stage: "finished" };
        const r = d.send({
          _tag: "FinishReset",
          mr: mrId,
          resetId: id,
          ...fence(caller.token),
          atMs: s.nowMs,
        });
        if (r._tag === "Stale" && !d.live(caller.renewedMs)) d.resets[i] = { ...caller, stage: "deleted" };
        else if (r._tag !== "ResetFinished") d.broken |= ANSWERS_BIT;
        return d.done();
      }
      default: {
        // The stale worker of an earlier dispatch, with its old token.
        const stale = caller.stale;
        const stage = { staleBegin: "dispatched", staleDelete: "proceeded", staleFinish: "deleted" }[op];
        if (stale === null || stale.stage !== stage) return null;
        if (op === "staleDelete") {
          if (d.write(mr, stale.token)) d.deleted(mr);
          d.resets[i] = { ...caller, stale: { ...stale, stage: "deleted" } };
          return d.done();
        }
        const tag = op === "staleBegin" ? "BeginReset" : "FinishReset";
        const r = d.send({ _tag: tag, mr: mrId, resetId: id, ...fence(stale.token), atMs: s.nowMs });
        d.resets[i] = { ...d.resets[i]!, stale: null };
        if (r._tag !== "Stale" && fenced) d.broken |= ANSWERS_BIT;
        return d.done();
      }
    }
  };

  const next = (s: RecoveryState, input: RecoveryInput): RecoveryState | null => {
    if (input.op === "tick") return tick(s);
    const after =
      input.op === "startSync" ||
      input.op === "heartbeatSync" ||
      input.op === "writeRules" ||
      input.op === "finishSync"
        ? syncStep(s, input.op, input.mr, input.k)
        : resetStep(s, input.op, input.mr, input.k);
    return after;
  };

  const liveHolders = (s: RecoveryState, mr: number): number => {
    let n = 0;
    const live = (renewedMs: number) => s.nowMs < renewedMs + leaseTtlMs;
    for (let k = 0; k < syncsPerMr; k++) {
      const c = s.syncs[mr * syncsPerMr + k]!;
      if (c.stage === "running" && live(c.renewedMs)) n++;
    }
    for (let k = 0; k < resetsPerMr; k++) {
      const c = s.resets[mr * resetsPerMr + k]!;
      if ((c.stage === "dispatched" || c.stage === "proceeded" || c.stage === "deleted") && live(c.renewedMs))
        n++;
    }
    return n;
  };
  const waiting = (s: RecoveryState, mr: number): boolean =>
    s.syncs.slice(mr * syncsPerMr, (mr + 1) * syncsPerMr).some((c) => c.stage === "waiting") ||
    s.resets.slice(mr * resetsPerMr, (mr + 1) * resetsPerMr).some((c) => c.stage === "queued");
  const everyMr = (check: (s: RecoveryState, mr: number) => boolean) => (s: RecoveryState) => {
    for (let mr = 0; mr < mrCount; mr++) if (!check(s, mr)) return false;
    return true;
  };
  const all: Readonly<Record<string, (s: RecoveryState) => boolean>> = {
    [SC_STALE_ANSWERS]: (s) => (s.broken & ANSWERS_BIT) === 0,
    [SC_ONE_LIVE_HOLDER]: everyMr((s, mr) => liveHolders(s, mr) <= 1),
    [SC_FENCED_RESET_DURING_SYNC]: (s) => (s.broken & RESET_DURING_SYNC_BIT) === 0,
    [SC_NO_LOST_RESET]: everyMr((s, mr) => {
      for (let k = 0; k < resetsPerMr; k++) {
        const stage = s.resets[mr * resetsPerMr + k]!.stage;
        if (stage === "idle" || stage === "finished") continue;
        if (!(s.coordinator.mrs[mrs[mr]!]?.scheduledResets.includes(resetId(k)) ?? false)) return false;
      }
      return true;
    }),
    [SC_NO_WEDGE]: everyMr((s, mr) => !waiting(s, mr) || liveHolders(s, mr) > 0),
  };
  const invariants = invariantNames.map((name) => {
    const holds = all[name];
    if (holds === undefined) throw new RangeError(`no invariant named "${name}"`);
    return { name, holds };
  });

  return {
    name: options.name ?? "sync-coordinator-serial-recovery",
    initial: {
      coordinator: initialCoordinator,
      nowMs: 0,
      syncs: Array.from({ length: mrCount * syncsPerMr }, () => ({
        stage: "idle" as const,
        token: 0,
        renewedMs: 0,
        wrote: false,
      })),
      resets: Array.from({ length: mrCount * resetsPerMr }, () => ({
        stage: "idle" as const,
        token: 0,
        renewedMs: 0,
        stale: null,
      })),
      store: Array.from({ length: mrCount }, () => ({ fence: 0, halfBuiltBy: 0 })),
      broken: 0,
    },
    inputs: () => alphabet,
    next,
    invariants,
    fingerprint: (s, into) => {
      const c = s.coordinator;
      into.int(c.lastToken);
      into.int(s.nowMs);
      into.int(s.broken);
      for (const mr of mrs) {
        const e = c.mrs[mr];
        if (e === undefined) into.int(-1);
        else {
          into.int(e.unapprovedUntilMs);
          into.string(e.scheduledResets.join(","));
          into.string(e.runningResets.join(","));
          into.int(e.lease?.token ?? 0);
          into.int(e.lease?.expiresAtMs ?? 0);
        }
        const work = c.mailbox.keys[mr];
        if (work === undefined) into.int(-1);
        else {
          into.string(work.inFlight?.order.id ?? "");
          into.int(work.pending.length);
          for (const order of work.pending) into.string(order.id);
        }
      }
      for (const c of s.syncs) {
        into.int(SYNC_CODE[c.stage]);
        into.int(c.token);
        into.int(c.renewedMs);
        into.int(c.wrote ? 1 : 0);
      }
      for (const c of s.resets) {
        into.int(RESET_CODE[c.stage]);
        into.int(c.token);
        into.int(c.renewedMs);
        into.int(c.stale === null ? -1 : RESET_CODE[c.stale.stage]);
        into.int(c.stale?.token ?? 0);
      }
      for (const st of s.store) {
        into.int(st.fence);
        into.int(st.halfBuiltBy);
      }
    },
    describe: (input) => {
      if (input.op === "tick") return `tick +${stepMs / 1000}s (Expire every MR)`;
      const mr = mrs[input.mr]!;
      const sync = syncId(input.k);
      const reset = resetId(input.k);
      const labels: Record<string, string> = {
        startSync: `StartSync ${mr} ${sync}`,
        heartbeatSync: `${sync} heartbeats`,
        writeRules: `${sync} writes the rules of ${mr}`,
        finishSync: `${sync} completes the rules, FinishSync`,
        scheduleReset: `ScheduleReset ${mr} ${reset}`,
        heartbeatReset: `${reset} worker heartbeats`,
        beginReset: `BeginReset ${mr} ${reset}`,
        deleteApprovals: `${reset} deletes approvals of ${mr}`,
        finishReset: `FinishReset ${mr} ${reset}`,
        staleBegin: `${reset}'s stale worker: BeginReset`,
        staleDelete: `${reset}'s stale worker deletes approvals`,
        staleFinish: `${reset}'s stale worker: FinishReset`,
      };
      return labels[input.op]!;
    },
    describeState: (s) => {
      const syncs = s.syncs.map(
        (c, i) => `s${(i % syncsPerMr) + 1}:${c.stage}${c.token ? `#${c.token}@${c.renewedMs}` : ""}`,
      );
      const resets = s.resets.map((c, i) => {
        const stale = c.stale === null ? "" : `+stale#${c.stale.token}:${c.stale.stage}`;
        return `r${(i % resetsPerMr) + 1}:${c.stage}${c.token ? `#${c.token}@${c.renewedMs}` : ""}${stale}`;
      });
      const store = s.store.map((st) => `fence=${st.fence} halfBuilt=${st.halfBuiltBy}`);
      const leases = mrs.map((mr) => {
        const lease = s.coordinator.mrs[mr]?.lease ?? null;
        return lease === null ? `${mr}:free` : `${mr}:#${lease.token}<${lease.expiresAtMs}`;
      });
      return `t=${s.nowMs / 1000}s ${[...syncs, ...resets].join(" ")} store{${store.join(";")}} lease{${leases.join(" ")}}`;
    },
  };
}
