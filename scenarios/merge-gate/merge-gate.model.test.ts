/**
 * The MergeGate models (./merge-gate.model.ts): the fixed gate verified at its stated bounds, not vacuously
 * (every result the gate can give is reached), and each buggy behaviour — the seeds' and issue 17's — found
 * with its shortest counterexample.
 */
import type { MergeGate } from "@interleave/core";
import { checkStateSpace } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import {
  mergeGateAmbiguousAsCurrentChecked,
  mergeGateBlindMergeChecked,
  mergeGateFailedRedriveChecked,
  mergeGateModel,
  mergeGateStaleReclaimChecked,
  mergeGateTc17SkipChecked,
} from "./merge-gate.model.js";

const MERGED_GREEN = "every merge lands a tree CI found green against exactly the main it lands on";

/** The inputs of a registered model's counterexample, without the `initial` row. */
function inputsOf(model: { check(): { path: readonly { input: string }[] | null } }): string[] {
  const { path } = model.check();
  if (path === null) throw new Error("expected a counterexample");
  return path.slice(1).map((s) => s.input);
}

// The registered models' verdicts and state counts are pinned once, in ../models.test.ts (`check --all`).
describe("the merge-gate models: the fixed gate", () => {
  it("is not vacuous: every result of the gate is reached (Rejected needs more branches than branchCountMax)", () => {
    const seen = new Set<MergeGate.Result["_tag"]>();
    const observe = (_: MergeGate.Event, r: MergeGate.Result) => seen.add(r._tag);
    // Smaller than the registered bounds (whose spaces contain these): each result is reached already here.
    expect(checkStateSpace(mergeGateModel({ horizonMs: 3_000, observe }))._tag).toBe("Verified");
    const corrupt = { horizonMs: 2_000, revisionsMax: 0, crashesMax: 0, corruptionsMax: 1, observe };
    expect(checkStateSpace(mergeGateModel(corrupt))._tag).toBe("Verified");
    expect([...seen].sort()).toEqual(
      [
        "Acquired",
        "AlreadyMerged",
        "Corrupted",
        "Defer",
        "DeferCapped",
        "Failed",
        "NotHolder",
        "OutOfPhase",
        "Pass",
        "Rebase",
        "Released",
        "Retest",
        "RolledBack",
      ].sort(),
    );
  });

  it("counts the same states as a structural BFS on a small instance", () => {
    const small = { horizonMs: 2_000, crashesMax: 0, revisionsMax: 0 };
    const r = checkStateSpace(mergeGateModel(small));
    expect(r._tag).toBe("Verified");
    expect(r.states).toBe(bruteForce(mergeGateModel(small)).states);
  });
});

describe("the merge-gate models: seed 004's timeout, backstop and never-raise cases (issue 24)", () => {
  it("are not vacuous: a timed-out re-test rolls back and fails, the backstop revokes a holder, an unknown behind rebases", () => {
    const seen = new Set<string>();
    const observe = (e: MergeGate.Event, r: MergeGate.Result) => {
      if (e._tag === "RetestTimedOut" && (r._tag === "RolledBack" || r._tag === "Failed"))
        seen.add(`timeout ${r._tag}`);
      if (e._tag === "ForceRelease" && r._tag === "ForceReleased")
        seen.add(`backstop ${r.holder === null ? "free" : "held"}`);
      if (e._tag === "Check" && e.behind === "unknown") seen.add(`unknown ${r._tag}`);
    };
    const small = { horizonMs: 2_000, revisionsMax: 0, observe };
    const timeouts = checkStateSpace(mergeGateModel({ ...small, timeouts: true, backstopsMax: 1 }));
    expect(timeouts._tag).toBe("Verified");
    const ambiguous = { ...small, gate: { premergeRebaseAlways: false }, ambiguousReads: true };
    expect(checkStateSpace(mergeGateModel(ambiguous))._tag).toBe("Verified");
    expect([...seen].sort()).toEqual(
      [
        "backstop free",
        "backstop held",
        "timeout Failed",
        "timeout RolledBack",
        "unknown AlreadyMerged",
        "unknown OutOfPhase",
        "unknown Rebase",
      ].sort(),
    );
  });

  it("the never-raise rule broken (a failed behind-check read as up to date): a branch behind main merges untested, in 9 inputs", () => {
    expect(inputsOf(mergeGateAmbiguousAsCurrentChecked)).toEqual([
      "enter feat/a",
      "read feat/a",
      "check feat/a",
      "merge feat/a",
      "report-merged feat/a",
      "enter feat/b",
      "read-ambiguous feat/b",
      "check feat/b",
      "merge feat/b",
    ]);
    expect(mergeGateAmbiguousAsCurrentChecked.check().result).toMatchObject({ invariant: MERGED_GREEN });
  });
});

describe("the merge-gate models: the buggy behaviours, each shortest", () => {
  it("blind merge (before seed 004): the second green branch lands on a main it never saw, in 2 inputs", () => {
    expect(inputsOf(mergeGateBlindMergeChecked)).toEqual(["enter feat/a", "enter feat/b"]);
    expect(mergeGateBlindMergeChecked.check().result).toMatchObject({ invariant: MERGED_GREEN });
  });

  it("stale reclaim without fencing: a revoked pass still merges after its lease expired, in 14 inputs", () => {
    expect(inputsOf(mergeGateStaleReclaimChecked)).toEqual([
      "enter feat/a",
      "tick +1000ms",
      "tick +1000ms",
      "read feat/a",
      "check feat/a",
      "rebase feat/a",
      "report-rebase feat/a",
      "enter feat/b",
      "read feat/b",
      "check feat/b",
      "rebase feat/b",
      "report-rebase feat/b",
      "merge feat/a",
      "merge feat/b",
    ]);
  });

  it("the seeds' TC-17 skip: a crash after pushing a clean rebase, and the redrive passes the untested tree, in 19 inputs", () => {
    const inputs = inputsOf(mergeGateTc17SkipChecked);
    expect(inputs).toHaveLength(19);
    expect(inputs.slice(10)).toEqual([
      "rebase feat/b",
      "crash feat/b",
      "requeue feat/b",
      "enter feat/b",
      "read feat/b",
      "check feat/b",
      "rebase feat/b",
      "report-rebase feat/b",
      "merge feat/b",
    ]);
  });

  it("issue 17's redrive bug (Failed forgot the red tree): red at the retry cap, a crash, the reaper's requeue, merged — 22 inputs", () => {
    const inputs = inputsOf(mergeGateFailedRedriveChecked);
    expect(inputs).toHaveLength(22);
    expect(inputs.slice(11)).toEqual([
      "report-rebase feat/b",
      "ci-red feat/b",
      "report-test feat/b",
      "crash feat/b",
      "requeue feat/b",
      "enter feat/b",
      "read feat/b",
      "check feat/b",
      "rebase feat/b",
      "report-rebase feat/b",
      "merge feat/b",
    ]);
    const { path } = mergeGateFailedRedriveChecked.check();
    expect(path?.[14]?.state).toContain("feat/b:{failed base=1 green@-1 gate=failed r1}");
  });
});
