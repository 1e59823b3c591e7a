/**
 * sync-vs-reset — seed 000 (../shared/seeds/000_a68bbd6ee7280424.txt): two rapid pushes on one merge
 * request. Each push schedules a reset of the MR's approvals (a worker reads the code-owner rules, then
 * deletes the approvals they cover) and runs the code-owner sync (deletes the rules, then recreates them;
 * under load it takes more than 10 s). When push A's reset runs during push B's sync it reads a partial rule
 * set and misses approvals: a stale code-owner approval survives. The old mitigations were probabilistic — a
 * 15 s "temporarily unapproved" TTL marker and a 10 s delay on the reset worker. The seed's change routes
 * both through `ApprovalRulesSyncCoordinator` (core `SyncCoordinator`): resets scheduled during a sync are
 * deferred and drained when it finishes (also when it fails), and the reset service re-checks on entry — which
 * narrows the race but, as the seed says under "Known limitations", does not close it: a sync can still start
 * between the entry check and the deletion. The core `SyncCoordinator` (a per-MR queue on core `Mailbox`)
 * closes it. The racy flows are this scenario's own machines: ./legacy.ts (the code before the change, also
 * the flag-off route) and ./entry-check.ts (the seed's merged coordinator behind its feature flag).
 *
 * Processes: `push-A` and `push-B` (the refresh service of each push: schedule the reset, then run the sync
 * inline), the reset workers the coordinator's effects enqueue (`reset-A`, `reset-B`, after the enqueue delay
 * and a Sidekiq pickup delay), and `merge-check`, which looks at the MR every 0.5–1.5 s; mergeability (no
 * "temporarily unapproved" mark, and every existing code-owner rule approved) is checked after every step.
 * In the flag-flip variants, `flag-flip` turns `deterministic_approval_rules_sync` off or on while a sync or a
 * reset is in flight (the seed keeps the legacy key "for rollback safety": FF disable mid-flight).
 */
import { SyncCoordinator } from "@interleave/core";
import {
  choose,
  defineScenario,
  type EffectIo,
  extendMachine,
  note,
  type ProcessContext,
  type StoreRef,
  sleep,
  tx,
  txAt,
  uniform,
  until,
  type View,
  type WorldBuilder,
  weighted,
} from "@interleave/sim";
import * as EntryCheck from "./entry-check.js";
import * as Legacy from "./legacy.js";
import {
  CODE_OWNER_RULES,
  halfBuilt,
  initialMr,
  type MrEvent,
  type MrResult,
  type MrState,
  mergeRequest,
  rulesApproved,
} from "./merge-request.js";
import type { Effect, Event, Result } from "./protocol.js";

/** How the system is built; each variant picks one combination. */
export interface Options {
  /**
   * `legacy`: the code before the coordinator existed (./legacy.ts); `entry-check`: the seed's merged
   * coordinator behind its feature flag (./entry-check.ts); `serial`: core `SyncCoordinator`.
   */
  readonly flow: "legacy" | "entry-check" | "serial";
  /** The `deterministic_approval_rules_sync` feature flag (`entry-check` only; off = the legacy route). */
  readonly featureFlag: boolean;
  /** Whether the reset service re-checks for a sync on entry (BeginReset) before resetting. */
  readonly entryCheck: boolean;
  /** `entry-check` only: the flag is flipped to this value at `flagFlipAtMs`, while pushes are in flight. */
  readonly flagFlipTo?: boolean;
}

/** Scenario parameters: the MR, the pushes, the timings and the liveness bound. */
export const params = {
  mr: "!232649",
  pushes: ["A", "B"],
  /**
   * Push B comes this long after push A: rapid pushes. Drawn at the start, before the timers it races exist,
   * so exhaustive search enumerates every value (a crossings support would try only 0 and 4 s).
   */
  pushGapMs: uniform(0, 4_000, 500, { exhaustive: "all" }),
  /** How long a sync spends between deleting the rules and recreating them; under load, more than 10 s. */
  syncDurationMs: weighted([
    [500, 2],
    [1_000, 3],
    [2_000, 3],
    [4_000, 1],
    [12_000, 1],
    [20_000, 1],
  ]),
  /** Between recreating one rule and the next. */
  ruleCreateGapMs: 100,
  /** Probability that a sync fails before touching the rules (the coordinator's ensure block must still drain). */
  syncFailureWeight: 0.1,
  /** Between two merge checks (a user or the merge train looking at the MR). */
  mergeCheckIntervalMs: uniform(500, 1_500, 500),
  /** When the flag is flipped (flag-flip variants): drawn at the start, every value under exhaustive search. */
  flagFlipAtMs: uniform(1_000, 8_000, 1_000, { exhaustive: "all" }),
  /** Sidekiq pickup delay of the reset worker, on top of the enqueue delay (never zero: a job is picked up, not run inline). */
  pickupDelayMs: uniform(100, 1_000, 100),
  coordinator: {
    ...Legacy.LEGACY_TIMINGS,
    mrCountMax: 16,
    pendingPerMrMax: 8,
  },
  /**
   * Deadline of "every scheduled reset runs within 45 s": in the serial mode a reset may wait for everything
   * else queued for the MR — two syncs (≤ 20 s + 0.1 s + the pick each) and the other reset (≤ 1 s pickup) —
   * then its own pickup (≤ 1 s): ≈ 43 s. The entry-check coordinator drains by the last sync's end (≤ 4 s +
   * 20.1 s) plus a pickup; the legacy worker runs at 10 s + pickup.
   */
  resetWithinMs: 45_000,
  /** The last reset is scheduled by 4 s (push B), so every reset has run by 4 s + 45 s < 50 s. */
  resetByMs: 50_000,
  horizonMs: 90_000,
};

/** The state of whichever flow a variant runs. */
export type FlowState = Legacy.LegacyState | EntryCheck.State | SyncCoordinator.State;
type FlowRef = StoreRef<FlowState, Event, Result>;
type MrRef = StoreRef<MrState, MrEvent, MrResult>;

function isLegacy(state: FlowState): state is Legacy.LegacyState {
  return !("config" in state);
}

function isSerial(state: FlowState): state is SyncCoordinator.State {
  return "mailbox" in state;
}

/** The merge check's "temporarily unapproved" answer for `mr` at `atMs`, whichever flow runs. */
export function temporarilyUnapproved(state: FlowState, mr: string, atMs: number): boolean {
  if (isLegacy(state)) return Legacy.isTemporarilyUnapproved(state, mr, atMs);
  if (isSerial(state)) return SyncCoordinator.isTemporarilyUnapproved(state, mr, atMs);
  return EntryCheck.isTemporarilyUnapproved(state, mr, atMs);
}

/** Resets left pending although no sync of the MR is in progress (entry-check coordinator only). */
function stranded(state: FlowState, mr: string): readonly string[] {
  if (isLegacy(state) || isSerial(state)) return [];
  const entry = Object.hasOwn(state.mrs, mr) ? state.mrs[mr] : undefined;
  if (entry === undefined || entry.syncs.length > 0) return [];
  return entry.pendingResets;
}

// ---- the ledger: what the runtime observed -----------------------------------------------------------------

/** Per-run bookkeeping of scheduled resets, for the liveness property. */
class Ledger {
  /** Reset id → the virtual time it was scheduled, while it has not yet deleted approvals. */
  readonly outstanding = new Map<string, number>();
  /** Sync ids the serial queue has let run. */
  readonly runnable = new Set<string>();

  oldestAgeMs(nowMs: number): number {
    let oldest = 0;
    for (const at of this.outstanding.values()) oldest = Math.max(oldest, nowMs - at);
    return oldest;
  }
}

// ---- processes ---------------------------------------------------------------------------------------------

interface World {
  readonly flow: FlowRef;
  readonly mr: MrRef;
  readonly ledger: Ledger;
  readonly options: Options;
  readonly p: typeof params;
}

/** One push's refresh service: schedule the approvals reset, then run the code-owner sync inline. */
function* push(w: World, name: string, ctx: ProcessContext) {
  const { mr } = w.p;
  const resetId = `reset-${name}`;
  const syncId = `sync-${name}`;
  const scheduled = yield* txAt(w.flow)((atMs) => ({ _tag: "ScheduleReset", mr, resetId, atMs }));
  if (scheduled._tag !== "Rejected") w.ledger.outstanding.set(resetId, ctx.now());
  const started = yield* txAt(w.flow)((atMs) => ({ _tag: "StartSync", mr, syncId, atMs }));
  if (started._tag === "SyncStarted" && !started.running) {
    yield* note(`${syncId} waits for the MR's queue`);
    yield* until(() => w.ledger.runnable.has(syncId), "queued");
  }
  const outcome = yield* choose(
    "sync outcome",
    ["ok", "failed"],
    [1 - w.p.syncFailureWeight, w.p.syncFailureWeight],
  );
  if (outcome === "ok") {
    yield* tx(w.mr, { _tag: "DeleteRules", sync: syncId });
    yield* sleep(w.p.syncDurationMs, "sync");
    for (const [i, rule] of CODE_OWNER_RULES.entries()) {
      if (i > 0) yield* sleep(w.p.ruleCreateGapMs);
      yield* tx(w.mr, { _tag: "CreateRule", rule, sync: syncId });
    }
  } else {
    yield* note("CODEOWNERS could not be read: the sync raises before touching the rules");
  }
  yield* txAt(w.flow)((atMs) => ({ _tag: "FinishSync", mr, syncId, outcome, atMs }));
}

/** The reset-approvals worker for one push's reset: entry check, read the rules, delete what they cover. */
function* resetWorker(w: World, resetId: string, pushIndex: number, delayMs: number) {
  const { mr } = w.p;
  if (delayMs > 0) yield* sleep(delayMs);
  yield* sleep(w.p.pickupDelayMs, "pickup");
  if (w.options.entryCheck) {
    const entry = yield* txAt(w.flow)((atMs) => ({ _tag: "BeginReset", mr, resetId, atMs }));
    if (entry._tag === "Deferred") {
      yield* note("a code-owner sync is in progress: deferred, skipping this MR");
      return;
    }
  }
  const read = yield* tx(w.mr, { _tag: "ReadRules", reset: resetId });
  const rules = read._tag === "Rules" ? read.rules : [];
  yield* tx(w.mr, { _tag: "DeleteApprovals", rules, push: pushIndex, reset: resetId });
  w.ledger.outstanding.delete(resetId);
  yield* txAt(w.flow)((atMs) => ({ _tag: "FinishReset", mr, resetId, atMs }));
}

// ---- properties --------------------------------------------------------------------------------------------

/** False when the last step deleted approvals for a push and left one given before that push. */
function noMissedReset(view: View, mrRef: MrRef): boolean {
  const last = view.lastOn(mrRef);
  if (last === null) return true;
  const event = last.event;
  if (event._tag !== "DeleteApprovals") return true;
  return Object.values(last.after.approvals).every((a) => a.afterPush >= event.push);
}

/**
 * Declares one run's world. Exported so tests can run the model with other parameters.
 */
export function buildWorld(world: WorldBuilder, p: typeof params, options: Options): void {
  const ledger = new Ledger();
  const mrRef: MrRef = world.store("merge-request", mergeRequest, initialMr);
  const pushIndex = (resetId: string) => p.pushes.indexOf(resetId.replace(/^reset-/, "")) + 1;
  const jobs = new Map<string, number>();
  const effects = (effect: Effect, io: EffectIo) => {
    if (effect._tag === "RunSync") {
      ledger.runnable.add(effect.syncId);
      return;
    }
    const delayMs = effect._tag === "EnqueueReset" ? effect.delayMs : 0;
    const n = (jobs.get(effect.resetId) ?? 0) + 1;
    jobs.set(effect.resetId, n);
    const name = n === 1 ? effect.resetId : `${effect.resetId} (${n})`;
    io.spawn(name, () => resetWorker(w, effect.resetId, pushIndex(effect.resetId), delayMs));
  };
  const flow = storeFlow(world, p, options, effects);
  const w: World = { flow, mr: mrRef, ledger, options, p };
  world.process("push-A", (ctx) => push(w, "A", ctx));
  world.process("push-B", function* (ctx) {
    yield* sleep(p.pushGapMs, "push gap");
    yield* push(w, "B", ctx);
  });

  world.process("merge-check", function* () {
    for (;;) {
      yield* sleep(p.mergeCheckIntervalMs, "next merge check");
      yield* tx(mrRef, { _tag: "MergeCheck" });
    }
  });

  world.always("no approval survives on a rule that a push should have reset (missed reset)", (view) =>
    noMissedReset(view, mrRef),
  );
  world.always(
    "the MR is never mergeable while its rules are half-built",
    (view) =>
      !halfBuilt(view.get(mrRef)) ||
      temporarilyUnapproved(view.get(flow), p.mr, view.now) ||
      !rulesApproved(view.get(mrRef)),
  );
  world.always(
    "pending resets are drained when a sync finishes, including when it fails",
    (view) => stranded(view.get(flow), p.mr).length === 0,
  );
  world.always(
    `every scheduled reset runs within ${p.resetWithinMs / 1000} s`,
    (view) => ledger.oldestAgeMs(view.now) <= p.resetWithinMs,
  );
  const allDone = (view: View) =>
    view.finished("push-A") && view.finished("push-B") && ledger.outstanding.size === 0;
  // The per-reset deadline above is checked after steps; this catches a run that stalls with a reset unrun.
  world.eventually(`every scheduled reset has run by ${p.resetByMs / 1000} s`, allDone, {
    withinMs: p.resetByMs,
  });
  world.horizon(p.horizonMs);
  world.finishWhen(allDone);
}

/** An operator flips `deterministic_approval_rules_sync` (a Flipper gate: read by every later call). */
type SetFeatureFlag = {
  readonly _tag: "SetFeatureFlag";
  readonly featureFlag: boolean;
  readonly atMs: number;
};

/**
 * The seed's coordinator whose flag can be flipped at run time. Turned on, only the config changes (the legacy
 * path kept nothing but its TTL keys). Turned off, the coordinator's keys stay in Redis unread — the legacy code
 * never looks at them — so its syncs, pending and scheduled resets drop out of the flow's state; the TTL key
 * (set alongside "for rollback safety") stays.
 */
const flippableFlow = extendMachine(EntryCheck.entryCheckFlow, {
  SetFeatureFlag: (state: EntryCheck.State, event: SetFeatureFlag) => {
    const unread = (mr: EntryCheck.MrState): EntryCheck.MrState => ({
      syncs: [],
      pendingResets: [],
      scheduledResets: [],
      runningResets: [],
      unapprovedUntilMs: mr.unapprovedUntilMs,
    });
    const mrs = event.featureFlag
      ? state.mrs
      : Object.fromEntries(Object.entries(state.mrs).map(([id, mr]) => [id, unread(mr)]));
    return {
      state: { config: { ...state.config, featureFlag: event.featureFlag }, mrs },
      effects: [] as readonly Effect[],
      result: { _tag: "FlagSet" as const, featureFlag: event.featureFlag },
    };
  },
});

/** Declares the store of the flow `options` picks, its effects handled by `effects`. */
function storeFlow(
  world: WorldBuilder,
  p: typeof params,
  options: Options,
  effects: (effect: Effect, io: EffectIo) => void,
): FlowRef {
  const { legacyTtlMs, mrCountMax, pendingPerMrMax } = p.coordinator;
  switch (options.flow) {
    case "legacy":
      return world.store("flow", Legacy.legacyFlow, Legacy.initial(), { effects }) as FlowRef;
    case "entry-check": {
      const initial = EntryCheck.initial({ ...p.coordinator, featureFlag: options.featureFlag });
      if (options.flagFlipTo === undefined)
        return world.store("flow", EntryCheck.entryCheckFlow, initial, { effects }) as FlowRef;
      const flow = world.store("flow", flippableFlow, initial, { effects });
      const featureFlag = options.flagFlipTo;
      world.process("flag-flip", function* () {
        yield* sleep(p.flagFlipAtMs, "until the flip");
        yield* txAt(flow)((atMs) => ({ _tag: "SetFeatureFlag", featureFlag, atMs }));
      });
      return flow as unknown as FlowRef;
    }
    case "serial": {
      const initial = SyncCoordinator.initial({ legacyTtlMs, mrCountMax, pendingPerMrMax });
      return world.store("flow", SyncCoordinator, initial, { effects }) as FlowRef;
    }
  }
}

/**
 * The variants by name, with what each models (`options`) and why it is expected to violate or pass. Exported
 * so the peer benchmark port (bench/peer/sync-vs-reset.ts) runs the very same variants.
 */
export const variants: Readonly<
  Record<string, { readonly expect: "violation" | "pass"; readonly why: string; readonly options: Options }>
> = {
  "legacy-ttl": {
    expect: "violation",
    why: "before the change: a 15 s TTL marker and a reset worker delayed 10 s, both guesses that the sync is done",
    options: { flow: "legacy", featureFlag: false, entryCheck: true },
  },
  "coordinator-no-entry-check": {
    expect: "violation",
    why: "resets are deferred while a sync runs, but a sync can start between the reset's enqueue and its execution",
    options: { flow: "entry-check", featureFlag: true, entryCheck: false },
  },
  "coordinator-entry-check": {
    expect: "violation",
    why: "the merged change: a sync can still start between the entry check and the deletion (the seed's Known limitations)",
    options: { flow: "entry-check", featureFlag: true, entryCheck: true },
  },
  serial: {
    expect: "pass",
    why: "syncs and resets of one MR run strictly one after another through a per-MR queue (core Mailbox)",
    options: { flow: "serial", featureFlag: true, entryCheck: true },
  },
  "flag-off": {
    expect: "violation",
    why: "the coordinator with deterministic_approval_rules_sync disabled: exactly the legacy code paths",
    options: { flow: "entry-check", featureFlag: false, entryCheck: true },
  },
  "flag-turned-off-in-flight": {
    expect: "violation",
    why: "FF disable mid-flight: a reset deferred under the coordinator is never drained by the legacy sync, and the 15 s legacy key does not outlive a long sync",
    options: { flow: "entry-check", featureFlag: true, entryCheck: true, flagFlipTo: false },
  },
  "flag-turned-on-in-flight": {
    expect: "violation",
    why: "FF enable mid-flight: a sync started on the legacy path is invisible to the coordinator, so a reset enqueued by it runs against half-built rules",
    options: { flow: "entry-check", featureFlag: false, entryCheck: true, flagFlipTo: true },
  },
};

export default defineScenario<typeof params, Options>({
  name: "sync-vs-reset",
  // Random sampling finds every violation variant here fastest (docs/benchmarks.md). Exhaustive search
  // declares no deviation bound: it deepens by itself until complete or out of time, and says how deep it got.
  strategy: "random",
  source: "shared/seeds/000_a68bbd6ee7280424.txt",
  description:
    "Two rapid pushes on one MR: each schedules an approvals reset (read rules, delete approvals) and runs the code-owner sync (delete rules, recreate them).",
  params,
  variants,
  build: buildWorld,
});
