/**
 * The fast-check port of sync-vs-reset (seed 000, ../shared/seeds/000_a68bbd6ee7280424.txt) that
 * bench/peer/sync-vs-reset.ts measures: one run of the scenario under `fc.scheduler()`. Nothing of the race is
 * written here: the port builds the scenario's own world (its exported `buildWorld`, `params` and `variants`)
 * and drives its generator processes, its flows (the scenario's legacy and entry-check machines, core
 * `SyncCoordinator`), its MR model and its properties with fast-check instead of interleave's world. What this
 * file adds is the fast-check driving: every `tx` and `until` first awaits its own gate,
 * `s.schedule(Promise.resolve(label))`, and touches the state only once the scheduler releases it; a virtual
 * clock and timer queue; and the delays and choices as fast-check arbitraries.
 *
 * Why the two models explore the same race:
 * - Same processes and atomic steps: the scenario's generators, one `tx` (or `until`) per step, then the
 *   process's local code runs to its next shared operation; fast-check: one gate per `tx`/`until`, the
 *   transition is applied in the gate's continuation, and `s.waitIdle()` lets every continuation reach its
 *   next gate or sleep before the next release (its awaiter waits 50 microtask ticks between releases).
 *   `assertQuiet` checks, at every release and whenever the scheduler goes idle, that no process is still between a gate and its
 *   next operation, so a step really is "transition + local code" in both.
 * - Same choice among same-instant steps. interleave's `pick` is uniform over the processes with a pending
 *   `tx` at the current virtual instant; `fc.scheduler()` releases a gate chosen uniformly (its `mrng.nextInt`)
 *   among the pending gates, and a process has at most one pending gate, only while it is at the current
 *   instant (sleepers hold no gate).
 * - Same delay supports and weights. fast-check has no virtual time, so the port keeps a virtual clock and a
 *   timer queue: a `sleep(ms)` registers a timer; when the scheduler is idle (every live process sleeps or
 *   waits) the clock jumps to the earliest timer and wakes every process due then — exactly interleave's
 *   `wakeDue`. The delays come from fast-check arbitraries built from the scenario's own `params`
 *   distributions (`fc.constantFrom` for `uniform`, `fc.oneof` with the integer weights for `weighted` and
 *   for the 0.9/0.1 sync outcome), drawn independently like interleave's decisions. Neither is biased in
 *   fast-check: `constantFrom` draws `nextInt` over the indices, and a top-level `oneof` (depth 0) draws
 *   exactly by weight.
 * - Same properties, same moment. The port checks the scenario's own `always` properties, in the order it
 *   declares them, after every step — at the next release or when the scheduler goes idle, never after a
 *   bare time jump — fails its `eventually` ("every scheduled reset has run by 50 s") when the clock would
 *   pass its deadline (or nothing is left to run) first, and ends a run at the scenario's `finishWhen`.
 * - Measured, not just intended: the five variants of that date are ported (issue 24's two flag-flip variants
 *   came later and are not measured here), and the per-schedule violation rates,
 *   steps per run and end times agree (`syncVsResetViolationRates`, fast-check 4.10.2, 2026-11-22).
 *   `coordinator-entry-check` over 2 × 100,000 schedules per tool (seeds 2026 and 5): interleave 403
 *   violations (0.20 %), fast-check 402 (0.20 %), 27.7 steps per run in both; `coordinator-no-entry-check`
 *   over 20,000: 84.7 % vs 84.4 %, with the same histograms of steps and of violation times; `legacy-ttl`
 *   13.6 % vs 13.1 % (5,000); `serial` 0 of 5,000 in both. A rate of 0.2 % needs ~100,000 schedules to pin
 *   down: 5,000 give 3 to 14 hits depending on the seed (the 0.16 % in docs/benchmarks.md is 8 of 5,000).
 *
 * Where they differ (see also bench/peer/sync-vs-reset.ts):
 * - Draws. The delays are part of fast-check's generated value, mapped to the scenario's draws by their
 *   labels ("push gap", "sync", "sync outcome" per push; "next merge check" and "pickup" in the order they
 *   are drawn): fixed-length arrays (101 merge-check intervals, 8 pickup delays) drawn up front, consumed in
 *   order (iid, so the same distribution as drawing each when needed). `fc.scheduler()` is the LAST argument of the property on purpose: fast-check 4.10's
 *   scheduler (like `fc.infiniteStream`) `clone()`s the run's random generator without advancing it, so an
 *   arbitrary drawn after it reuses the scheduler's random numbers (measured: with the scheduler first, its
 *   first release between two gates equalled a following `fc.constantFrom(0, 1)` in 2,000 of 2,000 runs;
 *   last: 51 %). On this model that correlation did not move the rates measurably, but it could elsewhere.
 */
import type {
  AnyStoreRef,
  Distribution,
  EffectIo,
  Op,
  ProcessBody,
  ProcessHandle,
  View,
  WorldBuilder,
} from "@interleave/sim";
import fc from "fast-check";
import { buildWorld, type Options, params, variants } from "../../scenarios/sync-vs-reset/sync-vs-reset.js";

/** The scenario's variants (its exported `variants`): each one's expectation and options. */
export const PORTED_VARIANTS: Readonly<Record<string, { expect: "violation" | "pass"; options: Options }>> =
  Object.fromEntries(
    Object.entries(variants).map(([name, v]) => [name, { expect: v.expect, options: v.options }]),
  );

// ---- the delays, as fast-check arbitraries -----------------------------------------------------------------

/**
 * Merge-check intervals drawn per run: a run ends by `resetByMs` (done, or the liveness deadline), and the
 * observer draws one interval at t = 0 and one after each check, at most one check per shortest interval.
 */
const MERGE_CHECKS_MAX = Math.floor(params.resetByMs / Math.min(...params.mergeCheckIntervalMs.values)) + 1;
/**
 * Reset-worker pickups drawn per run. Entry-check: two enqueues at ScheduleReset, then at most two drains
 * (a FinishSync that leaves no sync running) of at most two resets each: 6. Serial and legacy: 2. Reaching
 * the bound throws (a model error, not a verdict).
 */
const RESET_JOBS_MAX = 8;

/** The fast-check side's random draws of one run; everything else is the scheduler's choice. */
export interface Draws {
  /** Push B starts this long after push A (ms). */
  readonly pushGapMs: number;
  /** Per push (A, B): the sync's time between deleting and recreating the rules (ms). */
  readonly syncDurationMs: readonly [number, number];
  /** Per push (A, B): whether the sync raises before touching the rules. */
  readonly syncOutcome: readonly ["ok" | "failed", "ok" | "failed"];
  /** The merge check's successive intervals (ms), `MERGE_CHECKS_MAX` of them. */
  readonly mergeCheckIntervalMs: readonly number[];
  /** Successive reset workers' pickup delays (ms), in the order the workers start, `RESET_JOBS_MAX` of them. */
  readonly pickupDelayMs: readonly number[];
}

/** Integer weights proportional to `weights` (fast-check's `oneof` takes integers); throws when there are none. */
function integerWeights(weights: readonly number[]): number[] {
  for (let scale = 1; scale <= 1e6; scale *= 10) {
    const scaled = weights.map((w) => Math.round(w * scale));
    if (scaled.every((w, i) => Math.abs(w - weights[i]! * scale) < 1e-9 && w > 0)) return scaled;
  }
  throw new Error(`no integer weights proportional to [${weights.join(", ")}]`);
}

/** `values[i]` with relative weight `weights[i]` (uniform without weights), unbiased. */
function weightedArbitrary<T>(values: readonly T[], weights?: readonly number[]): fc.Arbitrary<T> {
  if (weights === undefined) return fc.constantFrom(...values);
  const ints = integerWeights(weights);
  return fc.oneof(...values.map((v, i) => ({ arbitrary: fc.constant(v), weight: ints[i]! })));
}

function delayArbitrary(d: Distribution): fc.Arbitrary<number> {
  return weightedArbitrary(d.values, d.weights);
}

function drawsArbitrary(p: typeof params): fc.Arbitrary<Draws> {
  const sync = delayArbitrary(p.syncDurationMs);
  const outcome = weightedArbitrary(["ok", "failed"] as const, [
    1 - p.syncFailureWeight,
    p.syncFailureWeight,
  ]);
  return fc.record({
    pushGapMs: delayArbitrary(p.pushGapMs),
    syncDurationMs: fc.tuple(sync, sync),
    syncOutcome: fc.tuple(outcome, outcome),
    mergeCheckIntervalMs: fc.array(delayArbitrary(p.mergeCheckIntervalMs), {
      minLength: MERGE_CHECKS_MAX,
      maxLength: MERGE_CHECKS_MAX,
    }),
    pickupDelayMs: fc.array(delayArbitrary(p.pickupDelayMs), {
      minLength: RESET_JOBS_MAX,
      maxLength: RESET_JOBS_MAX,
    }),
  });
}

// ---- the port: one run under fc.scheduler ------------------------------------------------------------------

/** The fast-check model went wrong (as opposed to a property failing): rethrown, never counted as a verdict. */
export class ModelError extends Error {}

/** Thrown out of a gate once the run has stopped, so its process ends without touching the state. */
class Stopped extends Error {}

/** A process of the port: where it is, for {@link PortRun.assertQuiet}. */
interface Proc {
  readonly name: string;
  status: "running" | "gate" | "timer" | "waiting" | "done";
}

/** One finished run of the port. */
export interface PortOutcome {
  /** The violated property's sentence, or null. */
  readonly violation: string | null;
  /** Gates released (interleave: steps). */
  readonly steps: number;
  /** Virtual time (ms) at which the run ended. */
  readonly endMs: number;
  /** `violation` also when the run went quiet or reached 50 s before the workload was done (liveness). */
  readonly endReason: "violation" | "finished" | "horizon";
}

/** A store entry of the scenario's world: its machine, its state and its effects handler. */
interface Store {
  readonly ref: AnyStoreRef;
  state: unknown;
  readonly effects: ((effect: unknown, io: EffectIo) => void) | undefined;
}

type Predicate = (view: View) => boolean;

/** What the scenario's `buildWorld` declared: stores, processes, properties, horizon and end condition. */
interface Declared {
  readonly stores: Store[];
  readonly processes: { readonly name: string; readonly body: ProcessBody }[];
  readonly always: { readonly name: string; readonly predicate: Predicate }[];
  readonly eventually: { readonly name: string; readonly predicate: Predicate; readonly withinMs: number }[];
  horizonMs: number;
  finishWhen: Predicate | null;
}

/** Runs the scenario's `buildWorld` against a builder that records what it declares (no fault plan here). */
function declare(p: typeof params, options: Options): Declared {
  const d: Declared = {
    stores: [],
    processes: [],
    always: [],
    eventually: [],
    horizonMs: 600_000,
    finishWhen: null,
  };
  const builder = {
    store(
      key: string,
      machine: AnyStoreRef["machine"],
      initial: unknown,
      opts?: { effects?: Store["effects"] },
    ) {
      const ref = { key, index: d.stores.length, machine };
      d.stores.push({ ref, state: initial, effects: opts?.effects });
      return ref;
    },
    process(name: string, body: ProcessBody) {
      d.processes.push({ name, body });
    },
    faults() {
      throw new ModelError("the port runs without a fault plan");
    },
    always(name: string, predicate: Predicate) {
      d.always.push({ name, predicate });
    },
    eventually(name: string, predicate: Predicate, opts: { readonly withinMs: number }) {
      d.eventually.push({ name, predicate, withinMs: opts.withinMs });
    },
    horizon(ms: number) {
      d.horizonMs = ms;
    },
    finishWhen(predicate: Predicate) {
      d.finishWhen = predicate;
    },
  };
  buildWorld(builder as unknown as WorldBuilder, p, options);
  if (d.eventually.length !== 1 || d.finishWhen === null) {
    throw new ModelError("the port expects one eventually property and a finishWhen");
  }
  return d;
}

/**
 * One run of the race under a fast-check scheduler `s`, with the delays `draws`, for a variant's `options`:
 * the scenario's processes, driven by {@link PortRun.run}, each shared operation awaiting its gate.
 */
class PortRun {
  private now = 0;
  private steps = 0;
  private readonly world: Declared;
  /** The last `tx` applied (the scenario's `view.last`). */
  private last: View["last"] = null;
  private readonly waiters: { predicate: Predicate; proc: Proc; wake: () => void }[] = [];
  private timers: { atMs: number; proc: Proc; wake: () => void }[] = [];
  private readonly procs: Proc[] = [];
  private mergeChecksDrawn = 0;
  private pickupsDrawn = 0;
  /** A step ran since the properties were last checked. */
  private dirty = false;
  private violation: string | null = null;
  private endReason: PortOutcome["endReason"] | null = null;
  private error: unknown = null;
  private readonly view: View;

  constructor(
    private readonly s: fc.Scheduler,
    private readonly draws: Draws,
    options: Options,
    private readonly p: typeof params = params,
  ) {
    this.world = declare(p, options);
    const run = this;
    this.view = {
      get now() {
        return run.now;
      },
      get<S>(ref: { readonly index: number }): S {
        return run.world.stores[ref.index]!.state as S;
      },
      get last() {
        return run.last;
      },
      lastOn(ref) {
        const last = run.last;
        return last === null || last.key !== ref.key ? null : (last as never);
      },
      finished(name: string): boolean {
        return run.procs.some((q) => q.name === name && q.status === "done");
      },
    };
  }

  /** Run to the end: a violation (liveness included), the workload done, or the horizon. */
  async run(): Promise<PortOutcome> {
    for (const { name, body } of this.world.processes) this.start(name, body);
    const deadline = this.world.eventually[0]!;
    for (;;) {
      await this.s.waitIdle(this.act);
      if (this.error !== null) throw this.error;
      if (this.endReason !== null) break;
      this.assertQuiet("the scheduler went idle");
      if (this.dirty && this.afterStep()) break;
      const next = this.timers.reduce<number | null>((m, t) => (m === null || t.atMs < m ? t.atMs : m), null);
      // The scenario's `eventually` deadline: time may not pass it (nor stop) before the workload is done.
      if (next === null || next > deadline.withinMs) {
        this.stop(deadline.name);
        break;
      }
      if (next > this.world.horizonMs) {
        this.endReason = "horizon";
        break;
      }
      this.now = next;
      const due = this.timers.filter((t) => t.atMs === next);
      this.timers = this.timers.filter((t) => t.atMs !== next);
      for (const t of due) {
        t.proc.status = "running";
        t.wake();
      }
    }
    return {
      violation: this.violation,
      steps: this.steps,
      endMs: this.now,
      endReason: this.endReason ?? "finished",
    };
  }

  /**
   * The scheduler's act around each release (`s.waitIdle(act)`): the properties of the state the previous
   * step left, then the release. After a stop it still releases (fast-check's awaiter would otherwise spin on
   * the pending gate); the released process then ends at {@link Stopped}.
   */
  private readonly act = async (release: () => Promise<void>): Promise<void> => {
    if (this.endReason === null) {
      this.assertQuiet("a gate was released");
      if (!this.dirty || !this.afterStep()) {
        this.steps++;
        this.dirty = true;
      }
    }
    await release();
  };

  /** Check the properties, then the workload's end; true when the run stops. */
  private afterStep(): boolean {
    this.dirty = false;
    const failed = this.world.always.find((property) => !property.predicate(this.view));
    if (failed !== undefined) {
      this.stop(failed.name);
      return true;
    }
    if (this.world.finishWhen!(this.view)) {
      this.endReason = "finished";
      return true;
    }
    return false;
  }

  private stop(property: string): void {
    this.violation = property;
    this.endReason = "violation";
  }

  /** No process may be between a released gate and its next operation (a step = transition + local code). */
  private assertQuiet(when: string): void {
    const busy = this.procs.find((q) => q.status === "running");
    if (busy !== undefined) throw new ModelError(`${when} while ${busy.name} was still running its step`);
  }

  // ---- processes and their operations ----------------------------------------------------------------

  private start(name: string, body: ProcessBody): ProcessHandle {
    const proc: Proc = { name, status: "running" };
    this.procs.push(proc);
    this.drive(proc, body({ name, now: () => this.now })).then(
      () => {
        proc.status = "done";
      },
      (error: unknown) => {
        proc.status = "done";
        if (!(error instanceof Stopped)) this.error ??= error;
      },
    );
    return { name, id: this.procs.length };
  }

  /** Runs a generator process, performing each operation it yields. */
  private async drive(proc: Proc, body: Generator<Op, void, unknown>): Promise<void> {
    let input: unknown;
    for (;;) {
      const next = body.next(input);
      if (next.done === true) return;
      input = await this.perform(proc, next.value);
    }
  }

  private async perform(proc: Proc, op: Op): Promise<unknown> {
    switch (op.kind) {
      case "tx":
        return this.tx(proc, op.ref, op.event, op.stamped === true);
      case "sleep": {
        const ms = typeof op.delay === "number" ? op.delay : this.draw(proc, op.label, op.delay);
        await this.sleep(proc, ms);
        return ms;
      }
      case "until":
        return this.until(proc, op.predicate);
      case "choose":
        if (op.label !== "sync outcome") throw new ModelError(`no draw for choice "${op.label}"`);
        return this.draws.syncOutcome[this.pushIndex(proc)];
      case "note":
        return undefined;
      default:
        throw new ModelError(`the port does not carry out "${op.kind}"`);
    }
  }

  /** The draw for a `sleep` of `label` in `proc` (the scenario's labels; see the module comment). */
  private draw(proc: Proc, label: string, d: Distribution): number {
    let ms: number | undefined;
    switch (label) {
      case "push gap":
        ms = this.draws.pushGapMs;
        break;
      case "sync":
        ms = this.draws.syncDurationMs[this.pushIndex(proc)];
        break;
      case "next merge check":
        ms = this.draws.mergeCheckIntervalMs[this.mergeChecksDrawn++];
        if (ms === undefined) throw new ModelError(`more than ${MERGE_CHECKS_MAX} merge checks in one run`);
        break;
      case "pickup":
        ms = this.draws.pickupDelayMs[this.pickupsDrawn++];
        if (ms === undefined) throw new ModelError(`more than ${RESET_JOBS_MAX} reset workers in one run`);
        break;
    }
    if (ms === undefined || !d.values.includes(ms)) {
      throw new ModelError(`no draw for sleep "${label}" of ${proc.name} (${d.describe})`);
    }
    return ms;
  }

  /** The push a `push-<name>` process runs: 0 for A, 1 for B. */
  private pushIndex(proc: Proc): 0 | 1 {
    const index = this.p.pushes.indexOf(proc.name.replace(/^push-/, ""));
    if (index !== 0 && index !== 1) throw new ModelError(`${proc.name} is not a push`);
    return index;
  }

  /** A scheduling point: wait for the scheduler to release this process's gate. */
  private async gate(proc: Proc, label: string): Promise<void> {
    proc.status = "gate";
    await this.s.schedule(Promise.resolve(label), `${proc.name}: ${label}`);
    if (this.endReason !== null) throw new Stopped();
    proc.status = "running";
  }

  /**
   * One atomic step on a store (`txAt`: the event is stamped with the time it executes); its effects are
   * carried out by the scenario's handler, then `until` waiters whose predicate now holds wake.
   */
  private async tx(proc: Proc, ref: AnyStoreRef, build: unknown, stamped: boolean): Promise<unknown> {
    await this.gate(proc, ref.key);
    const store = this.world.stores[ref.index]!;
    const event = stamped ? (build as (atMs: number) => unknown)(this.now) : build;
    const before = store.state;
    const out = ref.machine.transition(before, event);
    store.state = out.state;
    this.last = { process: proc.name, key: ref.key, event, result: out.result, before, after: out.state };
    const io: EffectIo = { spawn: (name, body) => this.start(name, body), view: this.view };
    for (const effect of out.effects ?? []) {
      if (store.effects === undefined) throw new ModelError(`an effect of ${ref.key} has no handler`);
      store.effects(effect, io);
    }
    this.wakeWaiters();
    return out.result;
  }

  /** Sleep `ms` of virtual time (0: no wait, as in interleave). */
  private async sleep(proc: Proc, ms: number): Promise<void> {
    if (ms === 0) return;
    proc.status = "timer";
    await new Promise<void>((wake) => this.timers.push({ atMs: this.now + ms, proc, wake }));
  }

  /** interleave's `until`: wait for `predicate`, then a scheduling point. */
  private async until(proc: Proc, predicate: Predicate): Promise<void> {
    if (!predicate(this.view)) {
      proc.status = "waiting";
      await new Promise<void>((wake) => this.waiters.push({ predicate, proc, wake }));
    }
    await this.gate(proc, "until");
  }

  private wakeWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.predicate(this.view)) {
        this.waiters.splice(i, 1);
        w.proc.status = "running";
        w.wake();
      }
    }
  }
}

/**
 * One run of the fast-check port of sync-vs-reset under scheduler `s` with delays `draws`, for the variant
 * `variant` (a key of {@link PORTED_VARIANTS}). Resolves to the run's outcome; rejects with a
 * {@link ModelError} (or the core's assertion) when the model itself breaks.
 */
export function runPort(s: fc.Scheduler, draws: Draws, variant: string): Promise<PortOutcome> {
  const v = PORTED_VARIANTS[variant];
  if (v === undefined) throw new Error(`unknown sync-vs-reset variant "${variant}"`);
  return new PortRun(s, draws, v.options).run();
}

/**
 * The fast-check property of `variant`: delays from the scenario's distributions, then `fc.scheduler()` —
 * last, see the module comment. `onRun` sees each run's outcome; the property fails on a violation unless
 * `countOnly` (then it always holds, to measure rates). Model errors propagate as {@link ModelError}.
 */
export function portProperty(
  variant: string,
  onRun: (outcome: PortOutcome) => void = () => {},
  countOnly = false,
) {
  return fc.asyncProperty(drawsArbitrary(params), fc.scheduler(), async (draws, s) => {
    let outcome: PortOutcome;
    try {
      outcome = await runPort(s, draws, variant);
    } catch (error) {
      throw error instanceof ModelError
        ? error
        : new ModelError(`the port of ${variant} threw: ${(error as Error).message}`, { cause: error });
    }
    onRun(outcome);
    return countOnly || outcome.violation === null;
  });
}
