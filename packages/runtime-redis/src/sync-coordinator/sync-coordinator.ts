// The SyncCoordinator on Redis (issue 8): the core's SyncCoordinator transitions (packages/core/src/
// sync-coordinator.ts, modelled on seed 000: a reset of approvals that ran during the code-owner rules sync
// read half-built rules) applied atomically, one Lua script per event (src/lua/syncCoordinator-*.lua), at the
// Redis server's clock, so several service instances share one coordinator. Only the serial coordinator is
// offered: an MR's syncs and resets run one after another, so no reset runs during a sync of its MR (the seed's
// racy routes, which the project's own scenario shows violating, live in scenarios/sync-vs-reset).
// test/sync-coordinator.conformance.test.ts proves every result, effect and the full state equal to the
// core's. Promise API; `syncCodeOwners` is the seed's `sync_code_owners!` wrapper (start → wait for its turn →
// execute → finish → hand out the MR's next reset, also on throw). The order in flight holds a fenced lease
// (issue 19, "Nothing can wedge"): its holder heartbeats, and an order whose holder died is reclaimed once the
// lease expired, by the MR's next event or by `reclaimExpired`.

import { randomUUID } from "node:crypto";
import { SyncCoordinator as Core } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { initConfig } from "../shared/config.js";
import { checkReply, type Machine } from "../shared/errors.js";
import { taggedKey, validateName, validatePrefix } from "../shared/keys.js";
import { replyInt } from "../shared/redis-script.js";
import { decodeFence, decodeMr, decodeState, decodeStep } from "./sync-codec.js";
import { EVENT_SCRIPTS, syncScripts as scripts } from "./sync-scripts.js";

/**
 * A reset handed to the caller's `enqueueReset` callback, from a `RunReset` effect: the reset's turn came;
 * start it now with {@link RedisSyncCoordinator.runReset}, passing `token`, or the MR's queue waits for the
 * lease to expire (`expiresAtMs`, server ms) and the reset is handed out again with a new token.
 * `delayMs` is always 0 and `via` always `"RunReset"` (kept from the racy modes, which had a delayed
 * `EnqueueReset`).
 */
export interface ResetOrder {
  readonly mr: string;
  readonly resetId: string;
  /** The fencing token of this run of the reset (a reset run again after its lease expired gets a new one). */
  readonly token: number;
  /** When the lease expires unless heartbeated, server ms. */
  readonly expiresAtMs: number;
  readonly delayMs: 0;
  readonly via: "RunReset";
}

/**
 * What the work of an order (`syncCodeOwners`'s `execute`, `runReset`'s `fn`) receives: the lease's fencing
 * `token` (pass it to fenced storage writes, e.g. `RedisFencedResource.fencedWrite`) and a `signal` aborted
 * (with a {@link SyncLeaseLostError}) when a heartbeat answered `Stale`: the order was reclaimed, stop
 * writing. `token` is 0 only for a `runReset` called without one (not fenced).
 */
export interface OrderLease {
  readonly token: number;
  readonly signal: AbortSignal;
}

/**
 * Options of {@link RedisSyncCoordinator.open}.
 *
 * - `name`: the coordinator's name, inside the hash tag (no `{` `}`); every MR of it lives in one slot.
 * - `config`: the core's `SyncCoordinator.Config` (`mrCountMax`, `pendingPerMrMax`, `legacyTtlMs`; validated
 *   by the core's `initial`; stored in Redis on first open, every later open must give the same values). The
 *   deprecated `featureFlag: true` and `mode: "serial"` are accepted and change nothing; the racy
 *   `featureFlag: false` and `mode: "entry-check"` are refused (`InvalidConfigError`).
 * - `enqueueReset`: receives every reset the coordinator releases (see {@link ResetOrder}); awaited.
 * - `prefix`: key prefix for tenant isolation, default `"interleave"`.
 * - `pollIntervalMs`: how often a queued sync whose `RunSync` went to another client checks
 *   whether its turn came (sending `Expire` for its MR, so a dead holder's lease is reclaimed), ms; positive
 *   integer, default 20.
 * - `heartbeatIntervalMs`: how often the holder of an order in flight (`syncCodeOwners`, `runReset` with a
 *   token) renews its lease, ms; positive integer below the config's `leaseTtlMs`; default
 *   `floor(leaseTtlMs / 3)` (at least 1).
 * - `reclaimIntervalMs`: when given, {@link RedisSyncCoordinator.reclaimExpired} runs every so often (an
 *   unref'd timer, stopped by `close()`), ms; positive integer. Without it, an expired order is reclaimed by
 *   the MR's next event (or a waiting sync's poll) only.
 */
export interface SyncCoordinatorOptions {
  readonly name: string;
  readonly config: Core.Config;
  readonly enqueueReset: (reset: ResetOrder) => void | Promise<void>;
  readonly prefix?: string;
  readonly pollIntervalMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly reclaimIntervalMs?: number;
}

/**
 * A core event as the runtime takes it: without `atMs` (the server supplies it). `token` (FinishSync,
 * BeginReset, FinishReset) fences the event to the lease of its order; omitted = not fenced.
 */
export type SyncCommand =
  | { readonly _tag: "StartSync"; readonly mr: string; readonly syncId: string }
  | {
      readonly _tag: "FinishSync";
      readonly mr: string;
      readonly syncId: string;
      readonly outcome: "ok" | "failed";
      readonly token?: number | undefined;
    }
  | { readonly _tag: "ScheduleReset"; readonly mr: string; readonly resetId: string }
  | {
      readonly _tag: "BeginReset" | "FinishReset";
      readonly mr: string;
      readonly resetId: string;
      readonly token?: number | undefined;
    }
  | { readonly _tag: "Heartbeat"; readonly mr: string; readonly token: number }
  | { readonly _tag: "Expire"; readonly mr: string };

/** A core step applied on Redis: the result, the effects, and the server time (ms, Redis `TIME`) it used. */
export interface TimedStep {
  readonly atMs: number;
  readonly result: Core.Result;
  readonly effects: readonly Core.Effect[];
}

/** `syncCodeOwners` could not start the sync: the core answered `Rejected` (`mr-limit` or `pending-full`). */
export class SyncRejectedError extends Error {
  override readonly name = "SyncRejectedError";
  constructor(
    readonly mr: string,
    readonly reason: "mr-limit" | "pending-full",
  ) {
    super(`code-owner sync of MR ${JSON.stringify(mr)} was rejected (${reason}); retry later`);
  }
}

/** A sync waiting for its turn found its order gone (finished by another caller, or the data flushed). */
export class SyncOrderLostError extends Error {
  override readonly name = "SyncOrderLostError";
  constructor(
    readonly mr: string,
    readonly syncId: string,
  ) {
    super(
      `sync ${JSON.stringify(syncId)} of MR ${JSON.stringify(mr)} is neither queued nor in flight any more`,
    );
  }
}

/**
 * The lease of an order was lost: a heartbeat or the order's FinishSync / BeginReset / FinishReset answered
 * `Stale` (the lease expired and the order was reclaimed: a sync completed as failed, a reset handed out again
 * with a new token). Whatever the work wrote with `token` after that may have been refused by fenced storage.
 * `cause`: the work's own error, when it also threw.
 */
export class SyncLeaseLostError extends Error {
  override readonly name = "SyncLeaseLostError";
  constructor(
    readonly mr: string,
    readonly kind: "Sync" | "Reset",
    readonly id: string,
    readonly token: number,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `${kind === "Sync" ? "sync" : "reset"} ${JSON.stringify(id)} of MR ${JSON.stringify(mr)} lost its lease (token ${token}): it expired and the order was reclaimed`,
      options,
    );
  }
}

/** What {@link RedisSyncCoordinator.syncCodeOwners} returns once the sync finished and its resets drained. */
export interface SyncOutcome {
  readonly syncId: string;
  /** The StartSync step (`SyncStarted`). */
  readonly started: TimedStep;
  /** The FinishSync step (`SyncFinished` with the drained reset ids, or `Unknown` if the sync was lost). */
  readonly finished: TimedStep;
}

/** What {@link RedisSyncCoordinator.runReset} did: `ran` iff the entry check answered `Proceed`. */
export interface ResetRun {
  readonly ran: boolean;
  /**
   * The BeginReset step: `Proceed`, `Deferred` (skip: it is dispatched later), `Unknown`, or `Stale` (the
   * token's lease was reclaimed: the reset is handed out again with a new token).
   */
  readonly begun: TimedStep;
  /** The FinishReset step, when it ran. */
  readonly finished: TimedStep | null;
}

const MACHINE: Machine = "sync coordinator";

const CONFIG_FIELDS = ["legacyTtlMs", "mrCountMax", "pendingPerMrMax", "leaseTtlMs"] as const;

/**
 * Stored with the config as constants: a coordinator that an earlier client stored in a racy mode
 * (`featureFlag` "0" or `mode` "entry-check") is refused at open as a config mismatch.
 */
const SERIAL_ONLY = [
  ["featureFlag", "1"],
  ["mode", "serial"],
] as const;

const OUTCOMES: readonly unknown[] = ["ok", "failed"];

/**
 * A SyncCoordinator stored in Redis under `${prefix}:{${name}}:sc:…`. Every event method is one script call
 * applying the core's transition atomically with the server's time; it returns the core's result and effects
 * with that `atMs` and hands the released resets to `enqueueReset`. Operating outcomes (`Rejected`,
 * `Unknown`, `Deferred`) are results; errors are thrown for bad arguments, corrupt stored values, a missing
 * config or a failed connection.
 *
 * The order in flight holds a lease (`leaseTtlMs`, config) with a fencing token: `syncCodeOwners` and
 * `runReset` heartbeat every `heartbeatIntervalMs` and finish with the token; a holder that stops
 * heartbeating loses the order when the lease expires: the MR's next event, a queued sync's poll or
 * {@link reclaimExpired} completes an expired sync as failed, or hands an expired reset out again (new token).
 * A holder that resumes after that gets `Stale` answers, its signal is aborted and it rejects with
 * {@link SyncLeaseLostError}; its writes must go through fenced storage (with the token) to be refused.
 *
 * Known limitations: an MR's orders wait for the one in flight, so an MR whose holder died stays blocked for
 * at most `leaseTtlMs` after its last heartbeat — plus the delay until something reclaims it (its next event,
 * a queued sync's poll, or `reclaimExpired`; with none of them the MR waits until its next event). A holder
 * paused past its lease (GC, SIGSTOP) may still write to unfenced storage after the reset that followed it
 * started: only fenced writes are safe. Orders dispatched by a version without leases get a lease at their
 * MR's next event (see lua/includes/syncCoordinator.lua).
 *
 * @example
 * const coordinator = await RedisSyncCoordinator.open(redis, {
 *   name: "approvals", config, enqueueReset: ({ mr, resetId }) => queue.add({ mr, resetId }),
 * });
 * await coordinator.syncCodeOwners("!42", () => rebuildCodeOwnerRules("!42"));
 * // in the reset worker:
 * await coordinator.runReset(mr, resetId, () => deleteApprovals(mr));
 */
export class RedisSyncCoordinator<R extends Redis | Cluster = Redis> {
  /** The validated core config. */
  readonly config: Core.ResolvedConfig;
  readonly prefix: string;
  readonly name: string;
  /** `${prefix}:{${name}}:sc` — every key of this coordinator starts with it. */
  readonly base: string;
  readonly pollIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly reclaimIntervalMs: number | null;
  private readonly keys: { readonly config: string; readonly mrs: string; readonly fence: string };
  private readonly enqueueResetFn: (reset: ResetOrder) => void | Promise<void>;
  private readonly waiters = new Map<string, (token: number) => void>();
  private reclaimTimer: NodeJS.Timeout | undefined;
  private reclaiming = false;

  private constructor(
    readonly redis: R,
    options: SyncCoordinatorOptions,
  ) {
    const fields: Partial<SyncCoordinatorOptions> =
      typeof options === "object" && options !== null ? options : {};
    this.config = Core.initial(fields.config as Core.Config).config;
    this.prefix = validatePrefix("SyncCoordinator", fields.prefix);
    this.name = validateName("coordinator name", fields.name, true);
    if (typeof fields.enqueueReset !== "function") {
      throw new TypeError("SyncCoordinator options: enqueueReset must be a function (mr, resetId, …) => …");
    }
    this.enqueueResetFn = fields.enqueueReset;
    this.pollIntervalMs = positiveOption("pollIntervalMs", fields.pollIntervalMs ?? 20);
    const { leaseTtlMs } = this.config;
    this.heartbeatIntervalMs = positiveOption(
      "heartbeatIntervalMs",
      fields.heartbeatIntervalMs ?? Math.max(1, Math.floor(leaseTtlMs / 3)),
    );
    if (this.heartbeatIntervalMs >= leaseTtlMs) {
      throw new RangeError(
        `SyncCoordinator options: heartbeatIntervalMs (${this.heartbeatIntervalMs}) must be below the config's leaseTtlMs (${leaseTtlMs})`,
      );
    }
    this.reclaimIntervalMs =
      fields.reclaimIntervalMs === undefined
        ? null
        : positiveOption("reclaimIntervalMs", fields.reclaimIntervalMs);
    this.base = taggedKey(this.prefix, "coordinator name", this.name, "sc");
    this.keys = { config: `${this.base}:config`, mrs: `${this.base}:mrs`, fence: `${this.base}:fence` };
  }

  /**
   * Opens the coordinator `options.name` on `redis`: validates the options (the config with the core's
   * `initial`), stores the config in Redis when the coordinator is new, or checks it against the stored one;
   * starts the `reclaimIntervalMs` timer when asked.
   *
   * Upgrade: a coordinator stored by a version without order leases (config without `leaseTtlMs`) gets this
   * opener's `leaseTtlMs` written into its config (only when absent, src/lua/syncCoordinator-upgrade-1.lua);
   * every later open must give the same value. Its orders in flight get a lease at their MR's next event.
   *
   * @throws core `InvalidConfigError` naming the field for a bad config; `InvalidNameError` for a bad name;
   *   `TypeError` when `enqueueReset` is not a function; `RangeError` for a bad `pollIntervalMs`,
   *   `heartbeatIntervalMs` (or one not below `leaseTtlMs`) or `reclaimIntervalMs`; `ConfigMismatchError`
   *   (machine `"sync coordinator"`) when Redis holds a different config for this coordinator.
   */
  static async open<R extends Redis | Cluster = Redis>(
    redis: R,
    options: SyncCoordinatorOptions,
  ): Promise<RedisSyncCoordinator<R>> {
    const coordinator = new RedisSyncCoordinator(redis, options);
    scripts.define(redis);
    const { config } = coordinator;
    await scripts.run(
      redis,
      "syncCoordinator-upgrade-1",
      [coordinator.keys.config],
      [String(config.leaseTtlMs)],
    );
    const fields = [...SERIAL_ONLY, ...CONFIG_FIELDS.map((field) => [field, String(config[field])] as const)];
    await initConfig(redis, MACHINE, coordinator.keys.config, fields);
    coordinator.startReclaiming();
    return coordinator;
  }

  /**
   * Applies one core event on Redis (one script call) and returns the core's step with the server's `atMs`;
   * hands NO effect to anyone (the caller interprets them). The building block of the other methods and of
   * the conformance tests.
   *
   * @throws `InvalidNameError` for an `mr` or id that is not a non-empty string of at most 1024 characters;
   *   `TypeError` for an unknown `_tag` or outcome, or a `token` that is not a non-negative safe integer;
   *   {@link CorruptValueError} when the MR's stored entry (or, when a new MR needs room, any entry), the
   *   fence counter or the config's `leaseTtlMs` is malformed — nothing changed;
   *   `NotInitializedError` (machine `"sync coordinator"`) when the config is gone.
   */
  async apply(command: SyncCommand): Promise<TimedStep> {
    if (typeof command !== "object" || command === null || !Object.hasOwn(EVENT_SCRIPTS, command._tag)) {
      throw new TypeError(`unknown SyncCoordinator command ${JSON.stringify(command)}`);
    }
    const mr = validateName("mr", command.mr, false);
    const args: string[] = [mr];
    switch (command._tag) {
      case "StartSync":
        args.push(validateName("syncId", command.syncId, false));
        break;
      case "FinishSync":
        args.push(validateName("syncId", command.syncId, false));
        if (!OUTCOMES.includes(command.outcome)) {
          throw new TypeError(`outcome must be "ok" or "failed", got ${JSON.stringify(command.outcome)}`);
        }
        args.push(command.outcome, tokenArg(command.token));
        break;
      case "ScheduleReset":
        args.push(validateName("resetId", command.resetId, false));
        break;
      case "BeginReset":
      case "FinishReset":
        args.push(validateName("resetId", command.resetId, false), tokenArg(command.token));
        break;
      case "Heartbeat":
        args.push(tokenArg(command.token, true));
        break;
      case "Expire":
        break;
    }
    const script = EVENT_SCRIPTS[command._tag];
    const keys = [this.keys.config, this.keys.mrs, this.keys.fence];
    const reply = await scripts.run(this.redis, script, keys, args);
    checkReply(reply, { machine: MACHINE, configKey: this.keys.config, corruptKey: this.keys.mrs });
    return { atMs: replyInt(reply, 0, script), ...decodeStep(reply, mr, script) };
  }

  /** StartSync of `syncId` for `mr`, effects handed out (see {@link apply}). */
  startSync(mr: string, syncId: string): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "StartSync", mr, syncId });
  }

  /**
   * FinishSync (fenced by `token`, the sync's RunSync token, when given: `Stale` once its lease was
   * reclaimed): hands the MR's next order out (a reset to `enqueueReset`, a sync to its waiting caller).
   */
  finishSync(mr: string, syncId: string, outcome: "ok" | "failed", token?: number): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "FinishSync", mr, syncId, outcome, token });
  }

  /**
   * ScheduleReset (the seed's `schedule_reset_approvals!`): the reset joins the MR's queue and is handed to
   * `enqueueReset` when its turn comes (now, if the MR is idle). `resetId` defaults to a random UUID.
   */
  scheduleReset(mr: string, resetId: string = randomUUID()): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "ScheduleReset", mr, resetId });
  }

  /**
   * BeginReset, the reset worker's entry check: `Proceed`, `Deferred` (skip this MR now), `Unknown`, or
   * `Stale` (fenced by `token`, its RunReset token, when given).
   */
  beginReset(mr: string, resetId: string, token?: number): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "BeginReset", mr, resetId, token });
  }

  /** FinishReset (`finish_reset_approvals!`, fenced by `token` when given): hands out the MR's next order. */
  finishReset(mr: string, resetId: string, token?: number): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "FinishReset", mr, resetId, token });
  }

  /**
   * Heartbeat: the holder of lease `token` of `mr`'s order in flight renews it (`Renewed` with the new
   * `expiresAtMs`), or learns it lost it (`Stale`). `syncCodeOwners` and `runReset` call it themselves.
   */
  heartbeat(mr: string, token: number): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "Heartbeat", mr, token });
  }

  /** Expire: reclaims `mr`'s order in flight if its lease expired (`Expired`), handing out what it dispatched. */
  expire(mr: string): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "Expire", mr });
  }

  /**
   * The recovery pass: reads every MR in one snapshot and sends `Expire` for each whose order's lease had
   * expired at the snapshot's server time (and each whose order in flight has no lease yet: stored by a
   * version without leases), handing out what each reclaim dispatched (resets to `enqueueReset`, syncs to
   * their waiting callers). Returns the `Expire` steps that reclaimed an order. O(MRs) for the snapshot.
   *
   * @throws {@link CorruptValueError} when a stored entry is malformed (nothing is reclaimed then).
   */
  async reclaimExpired(): Promise<readonly TimedStep[]> {
    const { atMs, state } = await this.snapshot();
    const due = Object.entries(state.mrs).filter(([mr, entry]) =>
      entry.lease === null ? Object.hasOwn(state.mailbox.keys, mr) : atMs >= entry.lease.expiresAtMs,
    );
    const reclaimed: TimedStep[] = [];
    for (const [mr] of due) {
      const step = await this.expire(mr);
      if (step.result._tag === "Expired" && step.result.reclaimed !== null) reclaimed.push(step);
    }
    return reclaimed;
  }

  /** Stops the `reclaimIntervalMs` timer (the Redis client is the caller's). Idempotent. */
  close(): void {
    clearInterval(this.reclaimTimer);
    this.reclaimTimer = undefined;
  }

  /**
   * The reset worker's body for the reset `order` (what `enqueueReset` received; or `mr`, `resetId` and an
   * optional `token`): the entry check (BeginReset with the token); when it answers `Proceed`, runs `fn` with
   * the {@link OrderLease} while heartbeating every `heartbeatIntervalMs`, then FinishReset with the token —
   * also when `fn` throws (the error is rethrown after). On `Deferred`, `Unknown` or `Stale`, `fn` does not run:
   * a deferred or reclaimed reset comes back through `enqueueReset`. Without a token (a caller of the previous
   * API) nothing is fenced nor heartbeated: `fn` gets token 0 and a signal never aborted, and the reset is
   * handed out again once its lease expired.
   *
   * @throws {@link SyncLeaseLostError} when a heartbeat or FinishReset answered `Stale` (the lease expired and
   *   the reset was handed out again; `cause`: `fn`'s error, if any); `fn`'s error.
   */
  runReset(order: Pick<ResetOrder, "mr" | "resetId" | "token">, fn: OrderWork): Promise<ResetRun>;
  runReset(mr: string, resetId: string, fn: OrderWork, token?: number): Promise<ResetRun>;
  async runReset(
    first: string | Pick<ResetOrder, "mr" | "resetId" | "token">,
    second: string | OrderWork,
    third?: OrderWork,
    fourth?: number,
  ): Promise<ResetRun> {
    const [mr, resetId, fn, token] =
      typeof first === "string"
        ? [first, second as string, third as OrderWork, fourth]
        : [first.mr, first.resetId, second as OrderWork, first.token];
    const begun = await this.beginReset(mr, resetId, token);
    if (begun.result._tag !== "Proceed") return { ran: false, begun, finished: null };
    const held = token === undefined ? null : this.holdLease(mr, "Reset", resetId, token);
    const lease: OrderLease = { token: token ?? 0, signal: held?.signal ?? new AbortController().signal };
    const failure = await settle(() => fn(lease));
    await held?.stop();
    const finished = await this.finishReset(mr, resetId, token);
    if (finished.result._tag === "Stale" && token !== undefined) {
      throw new SyncLeaseLostError(mr, "Reset", resetId, token, failure);
    }
    if (failure !== undefined) throw failure.cause;
    return { ran: true, begun, finished };
  }

  /**
   * The seed's `sync_code_owners!`: StartSync for a fresh sync id; waits until the sync's turn (its
   * `RunSync`, here or, polling, from another client — the poll sends `Expire` for the MR, so a dead holder's
   * order is reclaimed once its lease expired); runs `execute` with the {@link OrderLease} (its fencing token
   * for fenced writes, and a signal aborted when the lease is lost) while heartbeating every
   * `heartbeatIntervalMs`; then FinishSync with the token and `"ok"` or `"failed"` — also when `execute`
   * throws — and awaits `enqueueReset` for the reset this releases (drain). Rethrows `execute`'s error after
   * the drain.
   *
   * @throws {@link SyncRejectedError} when StartSync is `Rejected` (`execute` did not run);
   *   {@link SyncOrderLostError} when a queued sync's order vanished; {@link SyncLeaseLostError} when a
   *   heartbeat or the FinishSync answered `Stale` (the lease expired and the sync was completed as failed by
   *   a reclaim; thrown after `execute` settled, `cause`: its error if any); `execute`'s error.
   */
  async syncCodeOwners(mr: string, execute: OrderWork): Promise<SyncOutcome> {
    const syncId = randomUUID();
    const key = JSON.stringify([mr, syncId]);
    let token: number | undefined;
    const turn = new Promise<void>((resolve) => {
      this.waiters.set(key, (granted) => {
        token = granted;
        resolve();
      });
    });
    let started: TimedStep;
    try {
      started = await this.startSync(mr, syncId);
      if (started.result._tag === "Rejected") throw new SyncRejectedError(mr, started.result.reason);
      if (token === undefined) {
        token = await this.waitForTurn(mr, syncId, turn, () => token);
      }
    } finally {
      this.waiters.delete(key);
    }
    const held = this.holdLease(mr, "Sync", syncId, token);
    const failure = await settle(() => execute({ token: token!, signal: held.signal }));
    await held.stop();
    const outcome = failure === undefined ? "ok" : "failed";
    const finished = await this.finishSync(mr, syncId, outcome, token);
    if (finished.result._tag === "Stale") throw new SyncLeaseLostError(mr, "Sync", syncId, token, failure);
    if (failure !== undefined) throw failure.cause;
    return { syncId, started, finished };
  }

  /**
   * The whole coordinator read back as the core's `State` (with its Mailbox rebuilt and `lastToken` from the
   * fence counter), at the server time `atMs`, in one script call (consistent with concurrent writers).
   * O(MRs).
   *
   * @throws {@link CorruptValueError} for a malformed MR entry or fence counter.
   */
  async snapshot(): Promise<{ readonly atMs: number; readonly state: Core.State }> {
    const script = "syncCoordinator-snapshot-2";
    const reply = await scripts.run(this.redis, script, [this.keys.mrs, this.keys.fence], []);
    const atMs = replyInt(reply, 0, script);
    const lastToken = decodeFence(this.keys.fence, reply[2]);
    return { atMs, state: decodeState(this.config, this.keys.mrs, reply[1] as string[], lastToken) };
  }

  private async applyAndHandOut(command: SyncCommand): Promise<TimedStep> {
    const step = await this.apply(command);
    for (const effect of step.effects) {
      if (effect._tag === "RunSync") {
        this.waiters.get(JSON.stringify([effect.mr, effect.syncId]))?.(effect.token);
      } else {
        const { mr, resetId, token, expiresAtMs } = effect;
        await this.enqueueResetFn({ mr, resetId, token, expiresAtMs, delayMs: 0, via: effect._tag });
      }
    }
    return step;
  }

  /**
   * Heartbeats lease `token` of `mr`'s order `kind`/`id` every `heartbeatIntervalMs` until `stop()`; aborts
   * `signal` with a {@link SyncLeaseLostError} when a heartbeat answers `Stale`. A heartbeat that fails (a
   * Redis error) is retried at the next interval: if none succeeds, the lease expires.
   */
  private holdLease(
    mr: string,
    kind: "Sync" | "Reset",
    id: string,
    token: number,
  ): { readonly signal: AbortSignal; stop(): Promise<void> } {
    const controller = new AbortController();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let beating: Promise<void> = Promise.resolve();
    const beat = async () => {
      try {
        const step = await this.heartbeat(mr, token);
        if (step.result._tag === "Stale") controller.abort(new SyncLeaseLostError(mr, kind, id, token));
      } catch {
        // retried at the next interval; the lease expires if no heartbeat gets through
      }
      if (!stopped && !controller.signal.aborted) timer = setTimeout(tick, this.heartbeatIntervalMs);
    };
    const tick = () => {
      beating = beat();
    };
    timer = setTimeout(tick, this.heartbeatIntervalMs);
    return {
      signal: controller.signal,
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await beating;
      },
    };
  }

  /** Runs {@link reclaimExpired} every `reclaimIntervalMs` (unref'd; a pass still running is not doubled). */
  private startReclaiming(): void {
    if (this.reclaimIntervalMs === null) return;
    this.reclaimTimer = setInterval(() => {
      if (this.reclaiming) return;
      this.reclaiming = true;
      this.reclaimExpired()
        .catch(() => {
          // the next pass retries; a corrupt entry keeps failing until repaired (snapshot() names it)
        })
        .finally(() => {
          this.reclaiming = false;
        });
    }, this.reclaimIntervalMs);
    this.reclaimTimer.unref();
  }

  /**
   * Serial: waits for the local `RunSync` (`turn`, `granted()` then holds its token) or, polling — each poll
   * sends `Expire` for the MR, then reads its entry —, for the order to be in flight in Redis; returns the
   * order's lease token.
   */
  private async waitForTurn(
    mr: string,
    syncId: string,
    turn: Promise<void>,
    granted: () => number | undefined,
  ): Promise<number> {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        turn,
        new Promise((resolve) => (timer = setTimeout(resolve, this.pollIntervalMs))),
      ]);
      clearTimeout(timer);
      if (granted() !== undefined) return granted()!;
      await this.expire(mr);
      if (granted() !== undefined) return granted()!;
      const raw = await this.redis.hget(this.keys.mrs, mr);
      const stored = raw === null ? null : decodeMr(this.keys.mrs, mr, raw);
      const mine = (o: readonly [string, string] | null) => o !== null && o[0] === "Sync" && o[1] === syncId;
      if (stored !== null && mine(stored.inFlight) && stored.mr.lease !== null) return stored.mr.lease.token;
      if (stored === null || !(mine(stored.inFlight) || stored.pending.some(mine))) {
        throw new SyncOrderLostError(mr, syncId);
      }
    }
  }
}

/** The work of an order: `syncCodeOwners`'s `execute`, `runReset`'s `fn`. */
export type OrderWork = (lease: OrderLease) => Promise<void> | void;

/** Runs `work`; `undefined` when it succeeded, else `{ cause }` holding what it threw. */
async function settle(work: () => Promise<void> | void): Promise<{ readonly cause: unknown } | undefined> {
  try {
    await work();
    return undefined;
  } catch (cause) {
    return { cause };
  }
}

function positiveOption(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`SyncCoordinator options: ${name} (${String(value)}) must be a positive integer`);
  }
  return value;
}

/** A token as a script argument: `""` when absent (not fenced; `required`: a TypeError). */
function tokenArg(token: number | undefined, required = false): string {
  if (token === undefined && !required) return "";
  if (typeof token !== "number" || !Number.isSafeInteger(token) || token < 0) {
    throw new TypeError(`token must be a non-negative safe integer, got ${JSON.stringify(token)}`);
  }
  return String(token);
}
