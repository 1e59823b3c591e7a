/**
 * Explicit-state model of the core `MergeGate` (seeds 004 and 001: merge_gate.py, ORCH-043, ORCH-026 and
 * test_merge_gate_race.py's TC-24 and TC-17): branches' pipelines go through the gate of one repository in
 * every order the gate accepts — Enter, the Check read under the lease, Rebased, Retested, Merged (the deploy
 * and the PR-merged webhook), Abort (the reaper's release) and a corrupt lease record — while the clock ticks
 * past lease expiry and defer backoff, pipelines crash anywhere and are re-driven, the developer revises a
 * rolled-back branch, and CI says green or red. Next to the gate the model keeps an abstract repository (main's
 * version, each branch's base, main's fence) and, as ghost data, the main version at which each branch's current
 * tree was last found green, so it can check the promise the gate exists for: every merge lands a tree CI found
 * green against exactly the main it lands on.
 *
 * The fixed gate (`merge-gate`, `merge-gate-rebase-when-behind`) must be verified. The seeds' buggy behaviours
 * are model variants, wrappers around the core here (never modes of the core), each found with its shortest
 * counterexample: merging without the gate, the file lease without fencing, the seed's TC-17 skip that passes
 * an up-to-date branch nobody re-tested, and the gate before issue 17's fix (a Failed attempt forgot that its
 * tree was red, and a crash plus the reaper's redrive merged it).
 */
import { FencedResource, MergeGate } from "@interleave/core";
import { defineModel } from "@interleave/sim";
import {
  type FingerprintBuilder,
  type Fingerprinted,
  MachineCache,
  type StateSpaceModel,
} from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";

/**
 * Where a branch's pipeline is: the step it takes next.
 *
 * - `idle`: queued at the gate stage (after a defer, a requeue or a redrive): it may Enter.
 * - `acquired`: the gate granted the lease (`token`); next, read the repository under the lease.
 * - `read`: it read `behind` and `prMerged` (fenced with its token); next, report `Check`.
 * - `rebase`: the gate asked for a rebase; next, rebase in the repository (clean, conflict, or a no-op).
 * - `rebased`: the rebase ended with `outcome`; next, report `Rebased`.
 * - `retest`: the gate asked for a re-test; next, CI runs (green or red).
 * - `tested`: CI said `green`; next, report `Retested`.
 * - `passed`: the gate passed it; next, merge into main with its token (main may refuse a stale token).
 * - `merged`: main has it; next, report `Merged` (deploy → done).
 * - `aborting`: main refused its merge; next, `Abort` at the gate, then back to the queue.
 * - `failed`: the gate answered `Failed`; next, record the task failed.
 * - `rolled-back`: the gate answered `RolledBack` or `DeferCapped`; next, the developer revises the branch
 *   (while revisions are left), and it comes back through the pipeline.
 * - `crashed`: the pipeline died; next, the reaper requeues the job (optionally releasing the lease with `Abort`).
 * - `done`: finished (merged, already merged, or failed and recorded).
 */
export type Pc =
  | "idle"
  | "acquired"
  | "read"
  | "rebase"
  | "rebased"
  | "retest"
  | "tested"
  | "passed"
  | "merged"
  | "aborting"
  | "failed"
  | "rolled-back"
  | "crashed"
  | "done";

const PCS: readonly Pc[] = [
  "idle",
  "acquired",
  "read",
  "rebase",
  "rebased",
  "retest",
  "tested",
  "passed",
  "merged",
  "aborting",
  "failed",
  "rolled-back",
  "crashed",
  "done",
];

/**
 * One branch: its pipeline and the repository's view of it. `token` is the lease token of the pipeline's current
 * attempt (0: none); `note` carries the step's data (`read`: bit 0 behind, bit 1 prMerged; `rebased`: 0 clean,
 * 1 noop, 2 conflict; `tested`: 1 green, 0 red). `base` is the main version the branch contains, `greenAt` the
 * main version its current tree was found green against (−1: untested since it last changed, or red), `merges`
 * how often main merged it, `revisions` the developer revisions used, `webhook` whether the PR-merged webhook
 * was delivered.
 */
export interface BranchEnv {
  readonly pc: Pc;
  readonly token: number;
  readonly note: number;
  readonly base: number;
  readonly greenAt: number;
  readonly merges: number;
  readonly revisions: number;
  readonly webhook: boolean;
}

/**
 * State of {@link mergeGateModel}: the gate (with its fingerprint), the clock (ms), main's version (merges so
 * far), main's fence (a core `FencedResource`: the highest lease token main has seen), the branches, the
 * crashes and lease corruptions so far, and `broken`, the transition property the last input broke (ghost).
 */
export interface MergeGateModelState {
  readonly gate: Fingerprinted<MergeGate.State>;
  readonly nowMs: number;
  readonly main: number;
  readonly fence: number;
  readonly branches: readonly BranchEnv[];
  readonly crashes: number;
  readonly corruptions: number;
  readonly broken: string | null;
}

/** An input of {@link mergeGateModel}: a branch's next step (or an alternative of it), or the environment's. */
export type MergeGateInput =
  | { readonly op: "tick" | "corrupt" }
  | {
      readonly op:
        | "enter"
        | "read"
        | "check"
        | "rebase"
        | "rebase-conflicts"
        | "report-rebase"
        | "ci-green"
        | "ci-red"
        | "report-test"
        | "merge"
        | "report-merged"
        | "abort"
        | "record-failed"
        | "revise"
        | "crash"
        | "requeue"
        | "reap"
        | "webhook";
      readonly branch: number;
    };

/**
 * How the gate is reached. `core`: `MergeGate.transition` itself. The others are the buggy behaviours, as
 * wrappers around it: `no-untested` — the seeds' TC-17 skip as written (a redrive that finds the branch up to
 * date passes it without a re-test; the gate's `untested` is never set); `failed-clears-untested` — the gate
 * before issue 17's fix (a `Failed` attempt cleared `untested`, so a crash and the reaper's redrive merged the
 * red tree).
 */
export type GateVariant = "core" | "no-untested" | "failed-clears-untested";

/** Size and variant of {@link mergeGateModel}; every duration is integer ms. */
export interface MergeGateModelOptions {
  /** Branches `feat/a`, `feat/b`, … (at most 4). Default 2. */
  readonly branches?: number;
  /** One `tick` advances the clock by this much. Default 1,000. */
  readonly stepMs?: number;
  /** The clock stops here. Default 4,000. */
  readonly horizonMs?: number;
  /** Pipeline crashes in all. Default 1. */
  readonly crashesMax?: number;
  /** Developer revisions per branch after a rollback. Default 1. */
  readonly revisionsMax?: number;
  /** Corruptions of the lease record in all. Default 0. */
  readonly corruptionsMax?: number;
  /**
   * The gate's config. Defaults: `leaseTtlMs` 2,000, `deferBackoffBaseMs` 1,000, `deferBackoffCapMs` 2,000,
   * `deferCountMax` 1, `developerRetryMax` 2, `premergeRebaseAlways` true; `branchCountMax` = branches.
   */
  readonly gate?: Partial<Omit<MergeGate.Config, "branchCountMax">>;
  /** `true` (default): main refuses operations with a lease token older than the highest it has seen. */
  readonly fencing?: boolean;
  /** `false`: no gate at all — a pipeline merges right after its own CI (the code before seed 004). */
  readonly gated?: boolean;
  /** How the gate is reached (see {@link GateVariant}). Default `core`. */
  readonly variant?: GateVariant;
  /** Slots of the model's {@link MachineCache} (a power of two). Default 2^18. */
  readonly cacheSlots?: number;
  /** The model's name in reports. Default `merge-gate`. */
  readonly name?: string;
  /**
   * For tests (non-vacuity): called with every gate step the model computes — each distinct (gate state, event)
   * once, so every result the reachable space holds is seen at least once.
   */
  readonly observe?: (event: MergeGate.Event, result: MergeGate.Result) => void;
}

const MERGED_GREEN = "every merge lands a tree CI found green against exactly the main it lands on";
const MERGED_ONCE = "no PR merges twice";
const ONE_PASSED = "at most one branch is between gate pass and merge";
const PASS_HOLDS = "the gate passes a branch only while it holds the lease with the token of its pass";
const FENCING = "fencing tokens strictly increase per grant";

/** Gate event op codes in the model's {@link MachineCache}. */
const GATE_OPS = { enter: 0, check: 1, rebased: 2, retested: 3, merged: 4, abort: 5, corrupt: 6 } as const;

/**
 * The merge gate of one repository, with B branches' pipelines, an abstract repository and faults, over a clock
 * that ticks by `stepMs` up to `horizonMs` (see the module comment). Budgets (crashes, revisions, corruptions,
 * the horizon, one merge per branch) keep the space finite.
 *
 * The environment follows each pipeline's protocol — it reports to the gate what it was asked and what it saw —
 * but in every interleaving of branches, ticks and faults: a pipeline may stall past its lease while another
 * branch reclaims it, crash between any two steps (the reaper then requeues the job, with or without releasing
 * the lease by `Abort`), report a step of an attempt the gate has since revoked, be merged twice by the webhook
 * and the deploy, or find its PR already merged on a redrive. Main is a fenced resource (core `FencedResource`):
 * the read under the lease fences it, and the merge writes with the pipeline's token.
 *
 * Invariants: "every merge lands a tree CI found green against exactly the main it lands on" (the gate's reason
 * to exist: a rebase changes the tree, a red re-test marks it red, the developer's revision is validated by the
 * pipeline's CI against the main it was revised on); "no PR merges twice"; "at most one branch is between gate
 * pass and merge"; "the gate passes a branch only while it holds the lease with the token of its pass";
 * "fencing tokens strictly increase per grant" (a re-acquire by the valid holder keeps its token).
 *
 * @throws `RangeError` naming a size that is not a positive integer (or more than 4 branches);
 *   `InvalidConfigError` (from the core) for a bad gate config.
 */
export function mergeGateModel(
  options: MergeGateModelOptions = {},
): StateSpaceModel<MergeGateModelState, MergeGateInput> {
  const branchCount = sizeOption(options.branches, 2, "branches");
  if (branchCount > 4) throw new RangeError(`branches must be at most 4, got ${branchCount}`);
  const stepMs = sizeOption(options.stepMs, 1_000, "stepMs");
  const horizonMs = sizeOption(options.horizonMs, 4_000, "horizonMs");
  const crashesMax = options.crashesMax ?? 1;
  const revisionsMax = options.revisionsMax ?? 1;
  const corruptionsMax = options.corruptionsMax ?? 0;
  const fencing = options.fencing ?? true;
  const gated = options.gated ?? true;
  const variant = options.variant ?? "core";
  const names = Array.from({ length: branchCount }, (_, i) => `feat/${String.fromCharCode(97 + i)}`);
  const config: MergeGate.Config = {
    leaseTtlMs: 2_000,
    deferBackoffBaseMs: 1_000,
    deferBackoffCapMs: 2_000,
    deferCountMax: 1,
    developerRetryMax: 2,
    premergeRebaseAlways: true,
    ...options.gate,
    branchCountMax: branchCount,
  };
  const observe = options.observe;
  const base = gateTransition(variant);
  const transition =
    observe === undefined
      ? base
      : (state: MergeGate.State, event: MergeGate.Event) => {
          const t = base(state, event);
          observe(event, t.result);
          return t;
        };
  const gates = new MachineCache(
    transition,
    (g: MergeGate.State, into) => fingerprintGate(g, names, into),
    options.cacheSlots === undefined ? {} : { slots: options.cacheSlots },
  );
  /** Cache code of a gate event: op, branch, its data (0..3) and the time step, packed. */
  const code = (op: number, b: number, data: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * 4 + data) * 4 + b) * 8 + op;

  const alphabet: MergeGateInput[] = [{ op: "tick" }, { op: "corrupt" }];
  const branchOps = [
    "enter",
    "read",
    "check",
    "rebase",
    "rebase-conflicts",
    "report-rebase",
    "ci-green",
    "ci-red",
    "report-test",
    "merge",
    "report-merged",
    "abort",
    "record-failed",
    "revise",
    "crash",
    "requeue",
    "reap",
    "webhook",
  ] as const;
  for (const op of branchOps)
    for (let branch = 0; branch < branchCount; branch++) alphabet.push({ op, branch });

  const withBranch = (s: MergeGateModelState, b: number, branch: BranchEnv): readonly BranchEnv[] => {
    const branches = s.branches.slice();
    branches[b] = branch;
    return branches;
  };
  const at = (
    s: MergeGateModelState,
    b: number,
    branch: BranchEnv,
    more: Partial<MergeGateModelState> = {},
  ) => ({
    ...s,
    branches: withBranch(s, b, branch),
    broken: null,
    ...more,
  });
  const gateStep = (
    s: MergeGateModelState,
    op: number,
    b: number,
    data: number,
    event: () => MergeGate.Event,
  ) => gates.step(s.gate, code(op, b, data, s.nowMs), event);
  /** Main's fence (core `FencedResource`): the fence after `token` acted on main, or null when main refuses it. */
  const fenced = (s: MergeGateModelState, token: number): number | null => {
    if (!fencing) return s.fence;
    const fence = { ...FencedResource.initial<null>(), highestToken: s.fence };
    const t = FencedResource.transition(fence, { _tag: "Fence", token });
    return t.result._tag === "StaleToken" ? null : t.state.highestToken;
  };
  /** The pipeline's next step after a gate result (the result's data in `note`). */
  const afterResult = (
    s: MergeGateModelState,
    b: number,
    branch: BranchEnv,
    r: MergeGate.Result,
    gate: Fingerprinted<MergeGate.State>,
  ): MergeGateModelState => {
    const lease = gate.state.lease;
    switch (r._tag) {
      case "Acquired": {
        const before = s.gate.state.lease;
        const fresh = r.token > before.token || (r.token === before.token && before.holder === names[b]);
        return at(
          s,
          b,
          { ...branch, pc: "acquired", token: r.token, note: 0 },
          {
            gate,
            broken: fresh ? null : FENCING,
          },
        );
      }
      case "Defer":
      case "OutOfPhase":
        return at(s, b, { ...branch, pc: "idle", token: 0, note: 0 }, { gate });
      case "DeferCapped":
      case "RolledBack":
        return at(s, b, { ...branch, pc: "rolled-back", token: 0, note: 0 }, { gate });
      case "Failed":
        return at(s, b, { ...branch, pc: "failed", token: 0, note: 0 }, { gate });
      case "AlreadyMerged":
      case "Released":
      case "NotHolder":
        return at(s, b, { ...branch, pc: "done", token: 0, note: 0 }, { gate });
      case "Rebase":
        return at(s, b, { ...branch, pc: "rebase", note: 0 }, { gate });
      case "Retest":
        return at(s, b, { ...branch, pc: "retest", note: 0 }, { gate });
      case "Pass": {
        // The recorded holder (valid, expired or corrupt: the gate trusts it until another Enter reclaims it).
        const holds = lease.holder === names[b] && lease.token === r.token;
        return at(
          s,
          b,
          { ...branch, pc: "passed", token: r.token, note: 0 },
          { gate, broken: holds ? null : PASS_HOLDS },
        );
      }
      default:
        throw new Error(`merge-gate model: unexpected result ${r._tag} for ${names[b]}`);
    }
  };

  const next = (s: MergeGateModelState, input: MergeGateInput): MergeGateModelState | null => {
    const atMs = s.nowMs;
    if (!("branch" in input)) {
      if (input.op === "tick") {
        const nowMs = atMs + stepMs;
        return nowMs > horizonMs ? null : { ...s, nowMs, broken: null };
      }
      if (!gated || s.corruptions >= corruptionsMax) return null;
      const step = gateStep(s, GATE_OPS.corrupt, 0, 0, () => ({ _tag: "CorruptLease", atMs }));
      return { ...s, gate: step.next, corruptions: s.corruptions + 1, broken: null };
    }
    const b = input.branch;
    const branch = s.branches[b]!;
    const name = names[b]!;
    switch (input.op) {
      case "enter": {
        if (branch.pc !== "idle") return null;
        if (!gated) {
          // Before the gate: the pipeline merges what passed its own CI against the main it branched from.
          if (branch.merges > 0) return null;
          return merge(s, b, branch, 0);
        }
        const step = gateStep(s, GATE_OPS.enter, b, 0, () => ({ _tag: "Enter", branch: name, atMs }));
        return afterResult(s, b, branch, step.result, step.next);
      }
      case "read": {
        if (branch.pc !== "acquired") return null;
        const fence = fenced(s, branch.token);
        if (fence === null) return at(s, b, { ...branch, pc: "idle", token: 0 });
        const note = (branch.base < s.main ? 1 : 0) | (branch.merges > 0 ? 2 : 0);
        return at(s, b, { ...branch, pc: "read", note }, { fence });
      }
      case "check": {
        if (branch.pc !== "read") return null;
        const behind = (branch.note & 1) !== 0;
        const prMerged = (branch.note & 2) !== 0;
        const step = gateStep(s, GATE_OPS.check, b, branch.note, () => ({
          _tag: "Check",
          branch: name,
          behind,
          prMerged,
          atMs,
        }));
        return afterResult(s, b, branch, step.result, step.next);
      }
      case "rebase":
      case "rebase-conflicts": {
        if (branch.pc !== "rebase") return null;
        const fence = fenced(s, branch.token);
        if (fence === null) return at(s, b, { ...branch, pc: "idle", token: 0 });
        if (branch.base === s.main) {
          // Up to date: the rebase keeps HEAD (a no-op; it cannot conflict).
          if (input.op === "rebase-conflicts") return null;
          return at(s, b, { ...branch, pc: "rebased", note: 1 }, { fence });
        }
        if (input.op === "rebase-conflicts")
          return at(s, b, { ...branch, pc: "rebased", note: 2 }, { fence });
        // Rebased and pushed: a new tree, not tested yet.
        return at(s, b, { ...branch, pc: "rebased", note: 0, base: s.main, greenAt: -1 }, { fence });
      }
      case "report-rebase": {
        if (branch.pc !== "rebased") return null;
        const outcome = (["clean", "noop", "conflict"] as const)[branch.note]!;
        const step = gateStep(s, GATE_OPS.rebased, b, branch.note, () => ({
          _tag: "Rebased",
          branch: name,
          outcome,
          atMs,
        }));
        return afterResult(s, b, branch, step.result, step.next);
      }
      case "ci-green":
      case "ci-red": {
        if (branch.pc !== "retest") return null;
        const green = input.op === "ci-green";
        return at(s, b, { ...branch, pc: "tested", note: green ? 1 : 0, greenAt: green ? branch.base : -1 });
      }
      case "report-test": {
        if (branch.pc !== "tested") return null;
        const green = branch.note === 1;
        const step = gateStep(s, GATE_OPS.retested, b, branch.note, () => ({
          _tag: "Retested",
          branch: name,
          green,
          atMs,
        }));
        return afterResult(s, b, branch, step.result, step.next);
      }
      case "merge":
        return branch.pc === "passed" ? merge(s, b, branch, branch.token) : null;
      case "report-merged": {
        if (branch.pc !== "merged") return null;
        const step = gateStep(s, GATE_OPS.merged, b, 0, () => ({ _tag: "Merged", branch: name, atMs }));
        return afterResult(s, b, branch, step.result, step.next);
      }
      case "webhook": {
        // The forge's PR-merged webhook: a second, independent Merged (holder-aware at the gate).
        if (!gated || branch.merges === 0 || branch.webhook) return null;
        const step = gateStep(s, GATE_OPS.merged, b, 0, () => ({ _tag: "Merged", branch: name, atMs }));
        return {
          ...s,
          gate: step.next,
          branches: withBranch(s, b, { ...branch, webhook: true }),
          broken: null,
        };
      }
      case "abort": {
        // Main refused the merge (a stale token): roll the attempt back at the gate and requeue the job.
        if (branch.pc !== "aborting") return null;
        const step = gateStep(s, GATE_OPS.abort, b, 0, () => ({
          _tag: "Abort",
          branch: name,
          reason: "main refused the merge",
          atMs,
        }));
        return at(s, b, { ...branch, pc: "idle", token: 0 }, { gate: step.next });
      }
      case "record-failed":
        return branch.pc === "failed" ? at(s, b, { ...branch, pc: "done" }) : null;
      case "revise": {
        if (branch.pc !== "rolled-back" || branch.revisions >= revisionsMax) return null;
        // The developer revises against the current main; the pipeline's CI validates it there.
        return at(s, b, {
          ...branch,
          pc: "idle",
          base: s.main,
          greenAt: s.main,
          revisions: branch.revisions + 1,
        });
      }
      case "crash": {
        if (branch.pc === "idle" || branch.pc === "done" || branch.pc === "crashed") return null;
        if (s.crashes >= crashesMax) return null;
        return at(s, b, { ...branch, pc: "crashed", token: 0, note: 0 }, { crashes: s.crashes + 1 });
      }
      case "requeue":
        return branch.pc === "crashed" ? at(s, b, { ...branch, pc: "idle" }) : null;
      case "reap": {
        // The reaper / reconciler releases the crashed pipeline's lease (holder-aware), then requeues the job.
        if (branch.pc !== "crashed" || !gated) return null;
        const step = gateStep(s, GATE_OPS.abort, b, 1, () => ({
          _tag: "Abort",
          branch: name,
          reason: "reaper",
          atMs,
        }));
        return at(s, b, { ...branch, pc: "idle" }, { gate: step.next });
      }
    }
  };

  /** The merge into main with `token` (0: no lease); the step checks what lands. */
  function merge(s: MergeGateModelState, b: number, branch: BranchEnv, token: number): MergeGateModelState {
    const fence = token === 0 ? s.fence : fenced(s, token);
    if (fence === null) return at(s, b, { ...branch, pc: "aborting", token: 0 });
    const green = branch.base === s.main && branch.greenAt === s.main;
    const broken = branch.merges > 0 ? MERGED_ONCE : green ? null : MERGED_GREEN;
    return {
      ...s,
      main: s.main + 1,
      fence,
      branches: withBranch(s, b, { ...branch, pc: gated ? "merged" : "done", merges: branch.merges + 1 }),
      broken,
    };
  }

  const initialBranch: BranchEnv = {
    pc: "idle",
    token: 0,
    note: 0,
    base: 0,
    greenAt: 0,
    merges: 0,
    revisions: 0,
    webhook: false,
  };
  return {
    name: options.name ?? "merge-gate",
    initial: {
      gate: gates.wrap(MergeGate.initial(config)),
      nowMs: 0,
      main: 0,
      fence: 0,
      branches: Array.from({ length: branchCount }, () => initialBranch),
      crashes: 0,
      corruptions: 0,
      broken: null,
    },
    inputs: () => alphabet,
    next,
    invariants: [
      { name: MERGED_GREEN, holds: (s) => s.broken !== MERGED_GREEN },
      { name: MERGED_ONCE, holds: (s) => s.broken !== MERGED_ONCE },
      {
        name: ONE_PASSED,
        holds: (s) => Object.values(s.gate.state.branches).filter((x) => x.phase === "passed").length <= 1,
      },
      { name: PASS_HOLDS, holds: (s) => s.broken !== PASS_HOLDS },
      { name: FENCING, holds: (s) => s.broken !== FENCING },
    ],
    fingerprint: (s, into) => {
      into.int(s.gate.hi);
      into.int(s.gate.lo);
      into.int(s.nowMs);
      into.int(s.main);
      into.int(s.fence);
      into.int(s.crashes);
      into.int(s.corruptions);
      into.int(s.broken === null ? 0 : 1);
      for (const x of s.branches) {
        into.int(PCS.indexOf(x.pc));
        into.int(x.token);
        into.int(x.note);
        into.int(x.base);
        into.int(x.greenAt);
        into.int(x.merges);
        into.int(x.revisions);
        into.int(x.webhook ? 1 : 0);
      }
    },
    describe: (input) => {
      if (!("branch" in input)) return input.op === "tick" ? `tick +${stepMs}ms` : "CorruptLease";
      return `${input.op} ${names[input.branch]}`;
    },
    describeState: (s) => {
      const lease = s.gate.state.lease;
      const held =
        lease.holder === null ? `free#${lease.token}` : `${lease.holder}#${lease.token}<${lease.expiresAtMs}`;
      const branches = s.branches.map((x, b) => {
        const g = s.gate.state.branches[names[b]!];
        const gate = g === undefined ? "-" : `${g.phase}${g.untested ? " untested" : ""} r${g.retryCount}`;
        return `${names[b]}:{${x.pc} base=${x.base} green@${x.greenAt} gate=${gate}}`;
      });
      return `now=${s.nowMs} main=v${s.main} lease=${held}${s.gate.state.leaseCorrupt ? " corrupt" : ""} ${branches.join(" ")}`;
    },
  };
}

/** The gate's transition for `variant`: the core's, or a wrapper around it (see {@link GateVariant}). */
function gateTransition(
  variant: GateVariant,
): (state: MergeGate.State, event: MergeGate.Event) => { state: MergeGate.State; result: MergeGate.Result } {
  if (variant === "core") return MergeGate.transition;
  return (state, event) => {
    const t = MergeGate.transition(state, event);
    const clear = variant === "no-untested" || t.result._tag === "Failed";
    if (!clear || !("branch" in event)) return t;
    const branches = { ...t.state.branches };
    for (const [name, branch] of Object.entries(branches))
      if (branch.untested && (variant === "no-untested" || name === event.branch))
        branches[name] = { ...branch, untested: false };
    return { ...t, state: { ...t.state, branches } };
  };
}

/** A canonical key of a gate state: the lease, then each of the model's branches in order (absent: −1). */
function fingerprintGate(g: MergeGate.State, names: readonly string[], into: FingerprintBuilder): void {
  const lease = g.lease;
  into.int(lease.holder === null ? -1 : names.indexOf(lease.holder));
  into.int(lease.token);
  into.int(lease.expiresAtMs);
  into.int(g.leaseCorrupt ? 1 : 0);
  for (const name of names) {
    const b = g.branches[name];
    if (b === undefined) {
      into.int(-1);
      continue;
    }
    into.string(b.phase);
    into.int(b.token ?? -1);
    into.int(b.deferCount);
    into.int(b.retryCount);
    into.int(b.availableAtMs);
    into.int(b.retested);
    into.int(b.untested ? 1 : 0);
  }
}

const SOURCE = "shared/seeds/004_1b9ac3a108b9e833.txt, shared/seeds/001_fd4d1e9648c828d1.txt";
const EVENTS =
  "2 branches; Enter, Check, Rebased, Retested, Merged (deploy and PR-merged webhook), Abort (main's refusal and the reaper) in any order";
const FAULTS =
  "lease TTL 2 s; 1 defer, then capped; 2 developer retries; 1 crash anywhere, then requeue or reaper";
const PROMISE =
  "a branch merges only as a tree re-tested green against the main it merges into; one pass per lease; tokens increase";

/** The fixed gate with ORCH-026's always-rebase (the seeds' default). */
export const mergeGateChecked = defineModel({
  name: "merge-gate",
  machine: "MergeGate",
  description: `${EVENTS}; 1 s ticks to 4 s; ${FAULTS}; 1 revision per branch; premergeRebaseAlways`,
  source: SOURCE,
  expect: "pass",
  why: PROMISE,
  build: () => mergeGateModel(),
});

/** The fixed gate with the kill-switch off (ORCH-043: rebase only when behind; TC-17's skip). */
export const mergeGateRebaseWhenBehindChecked = defineModel({
  name: "merge-gate-rebase-when-behind",
  machine: "MergeGate",
  description: `the same with premergeRebaseAlways off (rebase only a branch that is behind)`,
  source: SOURCE,
  expect: "pass",
  why: PROMISE,
  build: () =>
    mergeGateModel({ gate: { premergeRebaseAlways: false }, name: "merge-gate-rebase-when-behind" }),
});

/** The fixed gate while its lease record may become unreadable (the seed's corrupt-lease reclaim). */
export const mergeGateCorruptLeaseChecked = defineModel({
  name: "merge-gate-corrupt-lease",
  machine: "MergeGate",
  description: `${EVENTS}, and CorruptLease once; 1 s ticks to 3 s; ${FAULTS}; no revision; premergeRebaseAlways`,
  source: SOURCE,
  expect: "pass",
  why: PROMISE,
  build: () =>
    mergeGateModel({
      horizonMs: 3_000,
      revisionsMax: 0,
      corruptionsMax: 1,
      name: "merge-gate-corrupt-lease",
    }),
});

/** Before seed 004: a pipeline merges what passed its own CI, against the main it branched from. */
export const mergeGateBlindMergeChecked = defineModel({
  name: "merge-gate-blind-merge",
  machine: "MergeGate",
  description: "the same pipelines with no gate: each merges right after its own CI",
  source: SOURCE,
  expect: "violation",
  why: "two green branches merged in parallel: the second lands on a main its CI never saw",
  build: () => mergeGateModel({ gated: false, name: "merge-gate-blind-merge" }),
});

/** The seeds' file lease: no fencing token, so main accepts a stale holder's merge. */
export const mergeGateStaleReclaimChecked = defineModel({
  name: "merge-gate-stale-reclaim-without-fencing",
  machine: "MergeGate",
  description: "the fixed gate in front of a main that ignores fencing tokens (the seeds' file lease)",
  source: SOURCE,
  expect: "violation",
  why: "a passed pipeline stalls past its lease, another reclaims it and merges, the stalled one merges too",
  build: () => mergeGateModel({ fencing: false, name: "merge-gate-stale-reclaim-without-fencing" }),
});

/** The seeds' TC-17 skip as written: an up-to-date redrive passes without a re-test. */
export const mergeGateTc17SkipChecked = defineModel({
  name: "merge-gate-tc17-skip",
  machine: "MergeGate",
  description:
    "the same with the seeds' redrive: no untested flag, an up-to-date branch passes without a re-test",
  source: SOURCE,
  expect: "violation",
  why: "a crash between the push of a clean rebase and its re-test: the redrive finds the branch up to date and passes the untested tree",
  build: () => mergeGateModel({ variant: "no-untested", name: "merge-gate-tc17-skip" }),
});

/** The gate before issue 17's fix: Failed forgot that the tree was red. Small bounds: the bug needs 2 branches. */
export const mergeGateFailedRedriveChecked = defineModel({
  name: "merge-gate-failed-redrive",
  machine: "MergeGate",
  description:
    "the gate before issue 17's fix (a Failed attempt cleared untested); 1 developer retry, no revision",
  source: `${SOURCE}; issue 17 (explore merge-gate --variant redrive --seed 3530409179)`,
  expect: "violation",
  why: "a red re-test at the retry cap, a crash before it is recorded, the reaper's redrive: the red tree passes",
  build: () =>
    mergeGateModel({
      variant: "failed-clears-untested",
      gate: { developerRetryMax: 1 },
      revisionsMax: 0,
      name: "merge-gate-failed-redrive",
    }),
});

/** Every MergeGate model, in the order `check` lists them. */
export const mergeGateModels = [
  mergeGateChecked,
  mergeGateRebaseWhenBehindChecked,
  mergeGateCorruptLeaseChecked,
  mergeGateBlindMergeChecked,
  mergeGateStaleReclaimChecked,
  mergeGateTc17SkipChecked,
  mergeGateFailedRedriveChecked,
] as const;
