/**
 * The explicit-state model of the core `MergeGate` (seeds 004 and 001,
 * ../../shared/seeds/004_1b9ac3a108b9e833.txt and ../../shared/seeds/001_fd4d1e9648c828d1.txt) for
 * `interleave check`: branches' pipelines through the gate of one repository, an abstract repository with
 * main's fence, faults and a clock (see ./merge-gate.model.ts); the gate itself or a wrapper around it for a
 * buggy variant. Its state is in ./merge-gate.state.ts, its promises in ./merge-gate.promises.ts.
 */
import { FencedResource, MergeGate } from "@interleave/core";
import { type Fingerprinted, MachineCache, type StateSpaceModel } from "@interleave/sim/statespace";
import { sizeOption } from "../model-options.js";
import {
  AMBIGUOUS_IS_BEHIND,
  BACKSTOP_FREES,
  FENCING,
  MERGED_GREEN,
  MERGED_ONCE,
  ONE_PASSED,
  PASS_HOLDS,
  TIMEOUT_ROLLS_BACK,
} from "./merge-gate.promises.js";
import {
  type BranchEnv,
  fingerprintGate,
  type MergeGateInput,
  type MergeGateModelState,
  PCS,
} from "./merge-gate.state.js";

/**
 * How the gate is reached. `core`: `MergeGate.transition` itself. The others are the buggy behaviours, as
 * wrappers around it: `no-untested` — the seeds' TC-17 skip as written (a redrive that finds the branch up to
 * date passes it without a re-test; the gate's `untested` is never set); `failed-clears-untested` — the gate
 * before issue 17's fix (a `Failed` attempt cleared `untested`, so a crash and the reaper's redrive merged the
 * red tree); `ambiguous-as-current` — a behind-check that failed read as "up to date" (the opposite of the
 * seed's never-raise rule, TC-03 / AC-9).
 */
export type GateVariant = "core" | "no-untested" | "failed-clears-untested" | "ambiguous-as-current";

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
  /** Seed 004's unconditional release backstop (`release_merge_lease(repo, None)`), in all. Default 0. */
  readonly backstopsMax?: number;
  /** Re-tests may time out (seed 004's AC-6), reported with `RetestTimedOut`. Default false. */
  readonly timeouts?: boolean;
  /** The read under the lease may fail to tell whether the branch is behind (TC-03): `behind: "unknown"`. Default false. */
  readonly ambiguousReads?: boolean;
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

/** Gate event op codes in the model's {@link MachineCache}. */
const GATE_OPS = {
  enter: 0,
  check: 1,
  rebased: 2,
  retested: 3,
  merged: 4,
  abort: 5,
  corrupt: 6,
  backstop: 7,
} as const;

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
  const backstopsMax = options.backstopsMax ?? 0;
  const timeouts = options.timeouts ?? false;
  const ambiguousReads = options.ambiguousReads ?? false;
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
  /** Cache code of a gate event: op, branch, its data (0..7) and the time step, packed. */
  const code = (op: number, b: number, data: number, atMs: number) =>
    ((((atMs / stepMs) | 0) * 8 + data) * 4 + b) * 8 + op;

  const alphabet: MergeGateInput[] = [{ op: "tick" }, { op: "corrupt" }, { op: "backstop" }];
  const branchOps = [
    "enter",
    "read",
    "read-ambiguous",
    "check",
    "rebase",
    "rebase-conflicts",
    "report-rebase",
    "ci-green",
    "ci-red",
    "ci-timeout",
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
      if (input.op === "backstop") return backstop(s);
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
      case "read-ambiguous": {
        // The behind-check fails (a git error, a bad ref); prMerged is still read. Fenced like any read.
        if (branch.pc !== "acquired" || !ambiguousReads) return null;
        const fence = fenced(s, branch.token);
        if (fence === null) return at(s, b, { ...branch, pc: "idle", token: 0 });
        return at(s, b, { ...branch, pc: "read", note: 4 | (branch.merges > 0 ? 2 : 0) }, { fence });
      }
      case "check": {
        if (branch.pc !== "read") return null;
        const behind = (branch.note & 4) !== 0 ? "unknown" : (branch.note & 1) !== 0;
        const prMerged = (branch.note & 2) !== 0;
        const step = gateStep(s, GATE_OPS.check, b, branch.note, () => ({
          _tag: "Check",
          branch: name,
          behind,
          prMerged,
          atMs,
        }));
        const after = afterResult(s, b, branch, step.result, step.next);
        // Unknown counts as behind: never a Pass or a re-test of a tree that may lack main's newest merge.
        const skipped = step.result._tag === "Pass" || step.result._tag === "Retest";
        return behind === "unknown" && skipped ? { ...after, broken: AMBIGUOUS_IS_BEHIND } : after;
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
      case "ci-red":
      case "ci-timeout": {
        if (branch.pc !== "retest" || (input.op === "ci-timeout" && !timeouts)) return null;
        const green = input.op === "ci-green";
        const note = green ? 1 : input.op === "ci-timeout" ? 2 : 0;
        return at(s, b, { ...branch, pc: "tested", note, greenAt: green ? branch.base : -1 });
      }
      case "report-test": {
        if (branch.pc !== "tested") return null;
        if (branch.note === 2) {
          const step = gateStep(s, GATE_OPS.retested, b, 2, () => ({
            _tag: "RetestTimedOut",
            branch: name,
            atMs,
          }));
          const after = afterResult(s, b, branch, step.result, step.next);
          const r = step.result;
          const rolledBack = (r._tag === "RolledBack" || r._tag === "Failed") && r.reason === "timeout";
          const ok = r._tag === "OutOfPhase" || (rolledBack && step.next.state.lease.holder !== name);
          return ok ? after : { ...after, broken: TIMEOUT_ROLLS_BACK };
        }
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

  /**
   * Seed 004's `release_merge_lease(repo, None)`: frees the lease whoever holds it. The holder's pipeline does
   * not know: it carries on, and its next report is out of phase (or its merge is fenced off by a newer grant).
   */
  function backstop(s: MergeGateModelState): MergeGateModelState | null {
    if (!gated || s.backstops >= backstopsMax) return null;
    const holder = s.gate.state.lease.holder;
    const step = gateStep(s, GATE_OPS.backstop, 0, 0, () => ({
      _tag: "ForceRelease",
      reason: "backstop",
      atMs: s.nowMs,
    }));
    const before = s.gate.state.branches;
    const after = step.next.state;
    // Compared by value: the cache may return an equal gate state built from other objects.
    const same = (n: string) => JSON.stringify(after.branches[n]) === JSON.stringify(before[n]);
    const others = names.every((n) => n === holder || same(n));
    const revoked = holder === null || after.branches[holder]?.phase === "waiting";
    const frees = after.lease.holder === null && !after.leaseCorrupt && others && revoked;
    return { ...s, gate: step.next, backstops: s.backstops + 1, broken: frees ? null : BACKSTOP_FREES };
  }

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
      backstops: 0,
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
      ...(timeouts
        ? [{ name: TIMEOUT_ROLLS_BACK, holds: (s: MergeGateModelState) => s.broken !== TIMEOUT_ROLLS_BACK }]
        : []),
      // The variant that breaks the rule is held to the promise the rule protects (a merge lands a green tree).
      ...(ambiguousReads && variant !== "ambiguous-as-current"
        ? [{ name: AMBIGUOUS_IS_BEHIND, holds: (s: MergeGateModelState) => s.broken !== AMBIGUOUS_IS_BEHIND }]
        : []),
      ...(backstopsMax > 0
        ? [{ name: BACKSTOP_FREES, holds: (s: MergeGateModelState) => s.broken !== BACKSTOP_FREES }]
        : []),
    ],
    fingerprint: (s, into) => {
      into.int(s.gate.hi);
      into.int(s.gate.lo);
      into.int(s.nowMs);
      into.int(s.main);
      into.int(s.fence);
      into.int(s.crashes);
      into.int(s.corruptions);
      if (backstopsMax > 0) into.int(s.backstops);
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
      if (!("branch" in input))
        return input.op === "tick"
          ? `tick +${stepMs}ms`
          : input.op === "corrupt"
            ? "CorruptLease"
            : "backstop";
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
  if (variant === "ambiguous-as-current")
    return (state, event) =>
      MergeGate.transition(
        state,
        event._tag === "Check" && event.behind === "unknown" ? { ...event, behind: false } : event,
      );
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
