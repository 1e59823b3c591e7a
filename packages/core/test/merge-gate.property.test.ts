// Property tests for MergeGate: random sequences of Enter, Check (sometimes with a failed behind-check),
// Rebased, Retested, RetestTimedOut, Merged, Abort, the occasional CorruptLease and ForceRelease, and "Advance" (whatever the holder's phase waits for, so attempts get far enough
// to crash and be redriven) over branches a, b and c, with nondecreasing atMs and random outcomes, under
// random configs. After every step the gate's safety properties are checked against the state and against a small
// model kept from events and results alone: the current attempt, and which branches owe a re-test (seeds 004
// and 001: ../shared/seeds/004_*.txt, 001_*.txt).

import { MergeGate } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepFreeze } from "../../../test/support/deep-freeze.js";

type State = MergeGate.State;
type Event = MergeGate.Event;
type Result = MergeGate.Result;
type Config = MergeGate.Config;

const BRANCHES = ["a", "b", "c"] as const;
const TTL_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------
// Generator

/** Which branch an op names: a fixed one, or whoever the lease records as holder now (else "a"). */
type Target =
  | { readonly kind: "name"; readonly name: (typeof BRANCHES)[number] }
  | { readonly kind: "holder" };

/**
 * An event to send, or `Advance`: the event the lease's recorded holder's phase waits for (Check, Rebased,
 * Retested, Merged), so that attempts get far enough to crash and be redriven; an Enter by `target` when
 * nobody holds.
 */
interface Op {
  readonly _tag: Event["_tag"] | "Advance";
  readonly target: Target;
  /** A Check names the lease's recorded holder (the caller under the lease) when set, else `target`. */
  readonly checkHolder: boolean;
  readonly flag: boolean;
  readonly prMerged: boolean;
  /** A Check's behind-check failed (`behind: "unknown"`, seed 004's TC-03). */
  readonly ambiguous: boolean;
  readonly outcome: "clean" | "noop" | "conflict";
  readonly dtMs: number;
}

const target: fc.Arbitrary<Target> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("name" as const), name: fc.constantFrom(...BRANCHES) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "holder" as const }) },
);

const op: fc.Arbitrary<Op> = fc.record({
  _tag: fc.oneof(
    { weight: 6, arbitrary: fc.constant("Advance" as const) },
    { weight: 5, arbitrary: fc.constant("Enter" as const) },
    { weight: 3, arbitrary: fc.constant("Check" as const) },
    { weight: 4, arbitrary: fc.constant("Rebased" as const) },
    { weight: 4, arbitrary: fc.constant("Retested" as const) },
    { weight: 2, arbitrary: fc.constant("Merged" as const) },
    { weight: 1, arbitrary: fc.constant("Abort" as const) },
    { weight: 1, arbitrary: fc.constant("CorruptLease" as const) },
    { weight: 1, arbitrary: fc.constant("RetestTimedOut" as const) },
    { weight: 1, arbitrary: fc.constant("ForceRelease" as const) },
  ),
  target,
  checkHolder: fc.oneof(
    { weight: 4, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
  flag: fc.boolean(),
  ambiguous: fc.oneof(
    { weight: 4, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  prMerged: fc.oneof(
    { weight: 9, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  outcome: fc.constantFrom<"clean" | "noop" | "conflict">("clean", "clean", "noop", "conflict"),
  dtMs: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 2_001, max: 2 * TTL_MS }) },
  ),
});

const configArb: fc.Arbitrary<Config> = fc.record({
  leaseTtlMs: fc.constant(TTL_MS),
  deferBackoffBaseMs: fc.constantFrom(0, 500),
  deferBackoffCapMs: fc.constant(2_000),
  deferCountMax: fc.integer({ min: 1, max: 3 }),
  developerRetryMax: fc.integer({ min: 1, max: 3 }),
  premergeRebaseAlways: fc.boolean(),
  branchCountMax: fc.integer({ min: 1, max: 3 }),
});

/** The tag `Advance` stands for now: what the recorded holder's phase waits for; Enter when nobody holds. */
function advanced(state: State): Event["_tag"] {
  const holding = state.lease.holder === null ? undefined : state.branches[state.lease.holder];
  switch (holding?.phase) {
    case "checking":
      return "Check";
    case "rebasing":
      return "Rebased";
    case "testing":
      return "Retested";
    case "passed":
      return "Merged";
    default:
      return "Enter";
  }
}

function eventOf(current: Op, state: State, atMs: number): Event {
  const tag = current._tag === "Advance" ? advanced(state) : current._tag;
  const toHolder =
    current.target.kind === "holder" ||
    (current._tag === "Advance" && tag !== "Enter") ||
    (current._tag === "Check" && current.checkHolder);
  const named = current.target.kind === "name" ? current.target.name : "a";
  const branch = toHolder ? (state.lease.holder ?? "a") : named;
  switch (tag) {
    case "Enter":
      return { _tag: "Enter", branch, atMs };
    case "Check":
      return {
        _tag: "Check",
        branch,
        behind: current.ambiguous ? "unknown" : current.flag,
        prMerged: current.prMerged,
        atMs,
      };
    case "Rebased":
      return { _tag: "Rebased", branch, outcome: current.outcome, atMs };
    case "Retested":
      return { _tag: "Retested", branch, green: current.flag, atMs };
    case "Merged":
      return { _tag: "Merged", branch, atMs };
    case "Abort":
      return { _tag: "Abort", branch, reason: "refused", atMs };
    case "CorruptLease":
      return { _tag: "CorruptLease", atMs };
    case "RetestTimedOut":
      return { _tag: "RetestTimedOut", branch, atMs };
    case "ForceRelease":
      return { _tag: "ForceRelease", reason: "backstop", atMs };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Replay and the attempt model

/** The attempt that holds the lease, as the caller sees it from results alone. */
interface Attempt {
  readonly branch: string;
  readonly token: number;
  readonly stage: "check" | "rebase" | "retest" | "passed";
}

interface Observation {
  readonly config: Config;
  readonly before: State;
  readonly event: Event;
  readonly after: State;
  readonly result: Result;
  /** The holding attempt before this step, per the model. */
  readonly attempt: Attempt | null;
  /** The highest token any grant returned before this step (0 if none). */
  readonly highestGrant: number;
  /**
   * The branches that owe a green re-test before this step, per the model: a `Rebased` clean or a red
   * `Retested` was answered, and since then no green `Retested`, and the branch did not finish (merged,
   * failed). A rollback to the developer does not settle it: the revision must be re-tested at the gate.
   */
  readonly owing: ReadonlySet<string>;
}

/** The token of a grant: an `Acquired` answer to an Enter; `null` for any other step. */
function grantToken(event: Event, result: Result): number | null {
  return event._tag === "Enter" && result._tag === "Acquired" ? result.token : null;
}

function branchOf(event: Event): string | null {
  return "branch" in event ? event.branch : null;
}

/** The model's holding attempt after `result`. */
function nextAttempt(attempt: Attempt | null, event: Event, result: Result): Attempt | null {
  const granted = grantToken(event, result);
  if (granted !== null && event._tag === "Enter") {
    return { branch: event.branch, token: granted, stage: "check" };
  }
  switch (result._tag) {
    case "Rebase":
      return attempt === null ? null : { ...attempt, stage: "rebase" };
    case "Retest":
      return attempt === null ? null : { ...attempt, stage: "retest" };
    case "Pass":
      return attempt === null ? null : { ...attempt, stage: "passed" };
    case "RolledBack":
    case "Failed":
    case "Released":
    case "AlreadyMerged":
    case "ForceReleased":
      return null;
    default:
      return attempt;
  }
}

/** The model's branches owing a re-test after `result`. */
function nextOwing(owing: ReadonlySet<string>, event: Event, result: Result): ReadonlySet<string> {
  const branch = branchOf(event);
  if (branch === null || result._tag === "OutOfPhase") {
    return owing;
  }
  const next = new Set(owing);
  if (event._tag === "Merged" || result._tag === "AlreadyMerged") {
    next.delete(branch); // merged: nothing left to re-test (a Failed branch still owes one: issue 17)
  } else if (event._tag === "Rebased" && event.outcome === "clean") {
    next.add(branch);
  } else if (event._tag === "Check" && event.behind && result._tag === "Rebase") {
    next.add(branch); // a behind branch is about to change: it owes a re-test from the moment it is told to rebase
  } else if (event._tag === "RetestTimedOut") {
    next.add(branch); // a timed-out re-test showed nothing green (AC-6)
  } else if (event._tag === "Retested") {
    // A red re-test leaves the debt: the gate passes the branch only after a green one.
    if (event.green) next.delete(branch);
    else next.add(branch);
  }
  return next;
}

/**
 * Replays `sequence` from a fresh gate, calling `observe` after every transition. States and events are
 * deep-frozen, so a transition that mutated its input would throw (ES modules are strict).
 */
function replay(config: Config, sequence: readonly Op[], observe: (o: Observation) => void): void {
  let state = deepFreeze(MergeGate.initial(config));
  let attempt: Attempt | null = null;
  let highestGrant = 0;
  let owing: ReadonlySet<string> = new Set();
  let atMs = 0;
  for (const current of sequence) {
    atMs += current.dtMs;
    const event = deepFreeze(eventOf(current, state, atMs));
    const { state: after, result } = MergeGate.transition(state, event);
    deepFreeze(after);
    observe({ config, before: state, event, after, result, attempt, highestGrant, owing });
    attempt = nextAttempt(attempt, event, result);
    highestGrant = Math.max(highestGrant, grantToken(event, result) ?? 0);
    owing = nextOwing(owing, event, result);
    state = after;
  }
}

function check(observe: (o: Observation) => void): void {
  fc.assert(
    fc.property(configArb, fc.array(op, { maxLength: 60, size: "max" }), (config, sequence) =>
      replay(config, sequence, observe),
    ),
    { numRuns: 300 },
  );
}

const ACTIVE: readonly MergeGate.Phase[] = ["checking", "rebasing", "testing", "passed"];

// ---------------------------------------------------------------------------------------------------------
// Properties

describe("MergeGate properties", () => {
  it("at most one branch of the repo is in phase passed", () => {
    check(({ after }) => {
      const passed = Object.values(after.branches).filter((branch) => branch.phase === "passed");
      expect(passed.length).toBeLessThanOrEqual(1);
    });
  });

  it("a branch in checking, rebasing, testing or passed holds the lease with its token", () => {
    check(({ after }) => {
      // An expired lease nobody took stays recorded as its holder's, so this needs no time exception.
      for (const [name, branch] of Object.entries(after.branches)) {
        if (ACTIVE.includes(branch.phase)) {
          expect([after.lease.holder, after.lease.token]).toEqual([name, branch.token]);
        } else {
          expect(branch.token).toBeNull();
          expect(after.lease.holder).not.toBe(name);
        }
      }
      if (after.lease.holder !== null) {
        expect(Object.hasOwn(after.branches, after.lease.holder)).toBe(true);
      }
    });
  });

  it("tokens of grants strictly increase; only the valid holder's re-acquire keeps its token", () => {
    check(({ before, event, after, result, highestGrant }) => {
      expect(after.lease.token).toBeGreaterThanOrEqual(before.lease.token);
      const token = grantToken(event, result);
      if (token === null || event._tag !== "Enter") {
        return;
      }
      const reacquire = !before.leaseCorrupt && MergeGate.holder(before, event.atMs) === event.branch;
      if (reacquire) {
        expect(token).toBe(before.lease.token);
      } else {
        expect(token).toBe(before.lease.token + 1);
        expect(token).toBeGreaterThan(highestGrant);
      }
      expect(after.lease).toMatchObject({ holder: event.branch, token, expiresAtMs: event.atMs + TTL_MS });
    });
  });

  it("Pass is only returned to the lease holder", () => {
    check(({ event, after, result }) => {
      if (result._tag !== "Pass") {
        return;
      }
      expect(event._tag).not.toBe("CorruptLease");
      const branch = branchOf(event) ?? "";
      expect([after.lease.holder, after.lease.token]).toEqual([branch, result.token]);
      // A Pass trusts the recorded holder, corrupt or expired.
      expect(after.branches[branch]).toMatchObject({ phase: "passed", token: result.token });
    });
  });

  it("an Acquired grant overwrites a corrupt record and puts the branch in checking", () => {
    check(({ event, after, result }) => {
      if (result._tag !== "Acquired") {
        return;
      }
      expect(event._tag).toBe("Enter");
      expect(after.leaseCorrupt).toBe(false);
      expect(after.branches[branchOf(event) ?? ""]).toMatchObject({ phase: "checking", token: result.token });
    });
  });

  it("a Pass never follows a Rebased clean without a Retested in between for that branch", () => {
    check(({ event, after, result, owing }) => {
      const branch = branchOf(event);
      const next = nextOwing(owing, event, result);
      if (result._tag === "Pass") {
        // Only a Retested (this very step) discharges a Rebased clean before a Pass.
        expect(next.has(branch ?? "")).toBe(false);
        expect(owing.has(branch ?? "") && event._tag !== "Retested").toBe(false);
      }
      // The gate's own flag agrees with the model, for every branch it tracks.
      for (const name of ["a", "b", "c"]) {
        expect(Object.hasOwn(after.branches, name) && after.branches[name]?.untested).toBe(
          Object.hasOwn(after.branches, name) && next.has(name),
        );
      }
      // A Check or rebase of a branch that owes its re-test asks for it (a Check may rebase first).
      if (owing.has(branch ?? "") && result._tag !== "OutOfPhase") {
        if (event._tag === "Check") {
          expect(["Rebase", "Retest", "AlreadyMerged"]).toContain(result._tag);
        } else if (event._tag === "Rebased") {
          expect(["Retest", "RolledBack", "Failed"]).toContain(result._tag);
        }
      }
    });
  });

  it("no result passes a branch that got RolledBack or Failed in the same attempt", () => {
    check(({ event, result, attempt }) => {
      const branch = branchOf(event);
      const stages = { Check: "check", Rebased: "rebase", Retested: "retest" } as const;
      const moves = result._tag === "Rebase" || result._tag === "Retest" || result._tag === "Pass";
      if (moves || result._tag === "AlreadyMerged") {
        // Only the attempt that holds the lease, at the stage the event finishes, moves on.
        expect(Object.keys(stages)).toContain(event._tag);
        expect(attempt).not.toBeNull();
        expect(attempt?.branch).toBe(branch);
        expect(attempt?.stage).toBe(stages[event._tag as keyof typeof stages]);
        if (moves) {
          expect(attempt?.token).toBe(result.token);
        }
      }
      if (result._tag === "Pass") {
        expect(result.retested).toBe(event._tag === "Retested");
      }
      if ((result._tag === "RolledBack" && result.reason !== "aborted") || result._tag === "Failed") {
        expect(attempt?.branch).toBe(branch);
      }
    });
  });

  it("Defer and DeferCapped come only while another branch holds a valid lease", () => {
    check(({ before, event, result, config }) => {
      if (result._tag !== "Defer" && result._tag !== "DeferCapped") {
        return;
      }
      expect(event._tag).toBe("Enter");
      expect(MergeGate.holder(before, event.atMs)).toBe(result.holder);
      expect(result.holder).not.toBe("branch" in event ? event.branch : null);
      if (result._tag === "DeferCapped") {
        expect(result.deferCount).toBe(config.deferCountMax + 1);
      } else {
        expect(result.deferCount).toBeLessThanOrEqual(config.deferCountMax);
        expect(result.availableAtMs).toBeGreaterThanOrEqual(event.atMs);
      }
    });
  });

  it("results that change nothing return the same state; the branch count stays bounded", () => {
    check(({ before, after, result, config }) => {
      if (result._tag === "OutOfPhase" || result._tag === "Rejected") {
        expect(after).toBe(before);
      }
      expect(Object.keys(after.branches).length).toBeLessThanOrEqual(config.branchCountMax);
    });
  });

  it("the state stays JSON-serialisable", () => {
    check(({ after }) => {
      expect(JSON.parse(JSON.stringify(after))).toEqual(after);
    });
  });
});
