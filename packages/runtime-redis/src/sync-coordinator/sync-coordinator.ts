// The SyncCoordinator on Redis (issue 8): the core's SyncCoordinator transitions (packages/core/src/
// sync-coordinator.ts, modelled on seed 000: a reset of approvals that ran during the code-owner rules sync
// read half-built rules) applied atomically, one Lua script per event (src/lua/syncCoordinator-*.lua), at the
// Redis server's clock, so several service instances share one coordinator. Only the serial coordinator is
// offered: an MR's syncs and resets run one after another, so no reset runs during a sync of its MR (the seed's
// racy routes, which the project's own scenario shows violating, live in scenarios/sync-vs-reset).
// test/sync-coordinator.conformance.test.ts proves every result, effect and the full state equal to the
// core's. Promise API; `syncCodeOwners` is the seed's `sync_code_owners!` wrapper (start → wait for its turn →
// execute → finish → hand out the MR's next reset, also on throw).

import { randomUUID } from "node:crypto";
import { SyncCoordinator as Core } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { initConfig } from "../shared/config.js";
import { checkReply, type Machine } from "../shared/errors.js";
import { taggedKey, validateName, validatePrefix } from "../shared/keys.js";
import { replyInt } from "../shared/redis-script.js";
import { decodeMr, decodeState, decodeStep } from "./sync-codec.js";
import { EVENT_SCRIPTS, syncScripts as scripts } from "./sync-scripts.js";

/**
 * A reset handed to the caller's `enqueueReset` callback, from a `RunReset` effect: the reset's turn came;
 * start it now with {@link RedisSyncCoordinator.runReset}, or the MR's queue stays blocked behind it.
 * `delayMs` is always 0 and `via` always `"RunReset"` (kept from the racy modes, which had a delayed
 * `EnqueueReset`).
 */
export interface ResetOrder {
  readonly mr: string;
  readonly resetId: string;
  readonly delayMs: 0;
  readonly via: "RunReset";
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
 *   whether its turn came, ms; positive integer, default 20.
 */
export interface SyncCoordinatorOptions {
  readonly name: string;
  readonly config: Core.Config;
  readonly enqueueReset: (reset: ResetOrder) => void | Promise<void>;
  readonly prefix?: string;
  readonly pollIntervalMs?: number;
}

/** A core event as the runtime takes it: without `atMs` (the server supplies it). */
export type SyncCommand =
  | { readonly _tag: "StartSync"; readonly mr: string; readonly syncId: string }
  | {
      readonly _tag: "FinishSync";
      readonly mr: string;
      readonly syncId: string;
      readonly outcome: "ok" | "failed";
    }
  | {
      readonly _tag: "ScheduleReset" | "BeginReset" | "FinishReset";
      readonly mr: string;
      readonly resetId: string;
    };

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
  /** The BeginReset step: `Proceed`, `Deferred` (skip: it is dispatched later) or `Unknown`. */
  readonly begun: TimedStep;
  /** The FinishReset step, when it ran. */
  readonly finished: TimedStep | null;
}

const MACHINE: Machine = "sync coordinator";

const CONFIG_FIELDS = ["legacyTtlMs", "mrCountMax", "pendingPerMrMax"] as const;

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
 * Known limitations: an MR's orders wait for the one in flight, and nothing expires an order whose process
 * died: its MR stays blocked until a FinishSync / FinishReset for it arrives (a lease per order is the
 * Mailbox runtime's job).
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
  readonly config: Core.Config;
  readonly prefix: string;
  readonly name: string;
  /** `${prefix}:{${name}}:sc` — every key of this coordinator starts with it. */
  readonly base: string;
  readonly pollIntervalMs: number;
  private readonly keys: { readonly config: string; readonly mrs: string };
  private readonly enqueueResetFn: (reset: ResetOrder) => void | Promise<void>;
  private readonly waiters = new Map<string, () => void>();

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
    const poll = fields.pollIntervalMs ?? 20;
    if (!Number.isSafeInteger(poll) || poll < 1) {
      throw new RangeError(
        `SyncCoordinator options: pollIntervalMs (${String(poll)}) must be a positive integer`,
      );
    }
    this.pollIntervalMs = poll;
    this.base = taggedKey(this.prefix, "coordinator name", this.name, "sc");
    this.keys = { config: `${this.base}:config`, mrs: `${this.base}:mrs` };
  }

  /**
   * Opens the coordinator `options.name` on `redis`: validates the options (the config with the core's
   * `initial`), stores the config in Redis when the coordinator is new, or checks it against the stored one.
   *
   * @throws core `InvalidConfigError` naming the field for a bad config; `InvalidNameError` for a bad name;
   *   `TypeError` when `enqueueReset` is not a function; `ConfigMismatchError` (machine `"sync coordinator"`)
   *   when Redis holds a different config for this coordinator.
   */
  static async open<R extends Redis | Cluster = Redis>(
    redis: R,
    options: SyncCoordinatorOptions,
  ): Promise<RedisSyncCoordinator<R>> {
    const coordinator = new RedisSyncCoordinator(redis, options);
    scripts.define(redis);
    const { config } = coordinator;
    const fields = [...SERIAL_ONLY, ...CONFIG_FIELDS.map((field) => [field, String(config[field])] as const)];
    await initConfig(redis, MACHINE, coordinator.keys.config, fields);
    return coordinator;
  }

  /**
   * Applies one core event on Redis (one script call) and returns the core's step with the server's `atMs`;
   * hands NO effect to anyone (the caller interprets them). The building block of the other methods and of
   * the conformance tests.
   *
   * @throws `InvalidNameError` for an `mr` or id that is not a non-empty string of at most 1024 characters;
   *   `TypeError` for an unknown `_tag` or outcome; {@link CorruptValueError} when the MR's stored entry (or,
   *   when a new MR needs room, any entry) is malformed — nothing changed;
   *   `NotInitializedError` (machine `"sync coordinator"`) when the config is gone.
   */
  async apply(command: SyncCommand): Promise<TimedStep> {
    if (typeof command !== "object" || command === null || !Object.hasOwn(EVENT_SCRIPTS, command._tag)) {
      throw new TypeError(`unknown SyncCoordinator command ${JSON.stringify(command)}`);
    }
    const mr = validateName("mr", command.mr, false);
    const args: string[] = [mr];
    if (command._tag === "StartSync" || command._tag === "FinishSync") {
      args.push(validateName("syncId", command.syncId, false));
      if (command._tag === "FinishSync") {
        if (!OUTCOMES.includes(command.outcome)) {
          throw new TypeError(`outcome must be "ok" or "failed", got ${JSON.stringify(command.outcome)}`);
        }
        args.push(command.outcome);
      }
    } else {
      args.push(validateName("resetId", command.resetId, false));
    }
    const script = EVENT_SCRIPTS[command._tag];
    const reply = await scripts.run(this.redis, script, [this.keys.config, this.keys.mrs], args);
    checkReply(reply, { machine: MACHINE, configKey: this.keys.config, corruptKey: this.keys.mrs });
    return { atMs: replyInt(reply, 0, script), ...decodeStep(reply, mr, script) };
  }

  /** StartSync of `syncId` for `mr`, effects handed out (see {@link apply}). */
  startSync(mr: string, syncId: string): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "StartSync", mr, syncId });
  }

  /** FinishSync: hands the MR's next order out (a reset to `enqueueReset`, a sync to its waiting caller). */
  finishSync(mr: string, syncId: string, outcome: "ok" | "failed"): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "FinishSync", mr, syncId, outcome });
  }

  /**
   * ScheduleReset (the seed's `schedule_reset_approvals!`): the reset joins the MR's queue and is handed to
   * `enqueueReset` when its turn comes (now, if the MR is idle). `resetId` defaults to a random UUID.
   */
  scheduleReset(mr: string, resetId: string = randomUUID()): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "ScheduleReset", mr, resetId });
  }

  /** BeginReset, the reset worker's entry check: `Proceed`, `Deferred` (skip this MR now) or `Unknown`. */
  beginReset(mr: string, resetId: string): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "BeginReset", mr, resetId });
  }

  /** FinishReset (`finish_reset_approvals!`): hands out the MR's next order. */
  finishReset(mr: string, resetId: string): Promise<TimedStep> {
    return this.applyAndHandOut({ _tag: "FinishReset", mr, resetId });
  }

  /**
   * The reset worker's body for `resetId` of `mr`: the entry check (BeginReset); when it answers `Proceed`,
   * runs `fn` (read the rules, delete the approvals), then FinishReset — also when `fn` throws (the error is
   * rethrown after). On `Deferred` or `Unknown`, `fn` does not run: a deferred reset comes back through
   * `enqueueReset` when its turn comes.
   */
  async runReset(mr: string, resetId: string, fn: () => Promise<void> | void): Promise<ResetRun> {
    const begun = await this.beginReset(mr, resetId);
    if (begun.result._tag !== "Proceed") return { ran: false, begun, finished: null };
    let failure: { error: unknown } | undefined;
    try {
      await fn();
    } catch (error) {
      failure = { error };
    }
    const finished = await this.finishReset(mr, resetId);
    if (failure !== undefined) throw failure.error;
    return { ran: true, begun, finished };
  }

  /**
   * The seed's `sync_code_owners!`: StartSync for a fresh sync id; waits until the sync's turn (its
   * `RunSync`, here or, polling, from another client); runs `execute` (delete and recreate the MR's code-owner
   * rules); then FinishSync with `"ok"` or `"failed"` — also when `execute` throws — and awaits
   * `enqueueReset` for the reset this releases (drain). Rethrows `execute`'s error after the drain.
   *
   * @throws {@link SyncRejectedError} when StartSync is `Rejected` (`execute` did not run);
   *   {@link SyncOrderLostError} when a queued sync's order vanished; `execute`'s error.
   */
  async syncCodeOwners(mr: string, execute: () => Promise<void> | void): Promise<SyncOutcome> {
    const syncId = randomUUID();
    const key = JSON.stringify([mr, syncId]);
    let dispatched = false;
    const turn = new Promise<void>((resolve) => {
      this.waiters.set(key, () => {
        dispatched = true;
        resolve();
      });
    });
    let started: TimedStep;
    try {
      started = await this.startSync(mr, syncId);
      if (started.result._tag === "Rejected") throw new SyncRejectedError(mr, started.result.reason);
      if (started.result._tag === "SyncStarted" && !started.result.running && !dispatched) {
        await this.waitForTurn(mr, syncId, turn, () => dispatched);
      }
    } finally {
      this.waiters.delete(key);
    }
    let failure: { error: unknown } | undefined;
    try {
      await execute();
    } catch (error) {
      failure = { error };
    }
    const finished = await this.finishSync(mr, syncId, failure === undefined ? "ok" : "failed");
    if (failure !== undefined) throw failure.error;
    return { syncId, started, finished };
  }

  /**
   * The whole coordinator read back as the core's `State` (with its Mailbox rebuilt), at the server
   * time `atMs`, in one script call (consistent with concurrent writers). O(MRs).
   *
   * @throws {@link CorruptValueError} for a malformed MR entry.
   */
  async snapshot(): Promise<{ readonly atMs: number; readonly state: Core.State }> {
    const reply = await scripts.run(this.redis, "syncCoordinator-snapshot-1", [this.keys.mrs], []);
    const atMs = replyInt(reply, 0, "syncCoordinator-snapshot-1");
    return { atMs, state: decodeState(this.config, this.keys.mrs, reply[1] as string[]) };
  }

  private async applyAndHandOut(command: SyncCommand): Promise<TimedStep> {
    const step = await this.apply(command);
    for (const effect of step.effects) {
      if (effect._tag === "RunSync") {
        this.waiters.get(JSON.stringify([effect.mr, effect.syncId]))?.();
      } else {
        await this.enqueueResetFn({ mr: effect.mr, resetId: effect.resetId, delayMs: 0, via: effect._tag });
      }
    }
    return step;
  }

  /** Serial: waits for the local `RunSync` (`turn`) or, polling, for the order to be in flight in Redis. */
  private async waitForTurn(
    mr: string,
    syncId: string,
    turn: Promise<void>,
    done: () => boolean,
  ): Promise<void> {
    while (!done()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        turn,
        new Promise((resolve) => (timer = setTimeout(resolve, this.pollIntervalMs))),
      ]);
      clearTimeout(timer);
      if (done()) return;
      const raw = await this.redis.hget(this.keys.mrs, mr);
      const stored = raw === null ? null : decodeMr(this.keys.mrs, mr, raw);
      const mine = (o: readonly [string, string] | null) => o !== null && o[0] === "Sync" && o[1] === syncId;
      if (stored !== null && mine(stored.inFlight)) return;
      if (stored === null || !stored.pending.some(mine)) throw new SyncOrderLostError(mr, syncId);
    }
  }
}
