import { exploreVariant, type Scenario } from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import { renderTimeline } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { itIsDeterministic, variantOf } from "../testing.js";
import scenario from "./merge-gate.js";
import { branchTree, initialRepo, repository, treeGreen } from "./repository.js";

const variant = (name: string) => variantOf(scenario as Scenario, name);
const SEEDS = [1, 2, 3, 42, 1234, 99_999, 0xdeadbeef];
const tag = (x: unknown) => (x as { _tag: string })._tag;

describe("merge-gate (seeds 001, 004)", () => {
  it("declares the nine variants of the issues with their expectations", () => {
    expect(scenario.variants.map((v) => [v.name, v.expect])).toEqual([
      ["blind-merge", "violation"],
      ["gate", "pass"],
      ["stale-reclaim-without-fencing", "violation"],
      ["gate-with-fencing", "pass"],
      ["redrive", "pass"],
      ["task-deps", "pass"],
      ["task-deps-late-cycle", "pass"],
      ["reconciler-without-skip", "violation"],
      ["reconciler-skip", "pass"],
    ]);
  });

  itIsDeterministic(scenario as Scenario, SEEDS.slice(0, 3));

  for (const name of ["blind-merge", "stale-reclaim-without-fencing", "reconciler-without-skip"]) {
    it(`finds the ${name} violation within the default budget on every seed tried`, () => {
      for (const seed of SEEDS) {
        const r = exploreVariant(scenario, variant(name), { seed, shrink: false });
        expect(r.verdict, `seed ${seed}`).toBe("violation");
      }
    });
  }

  it("stale-reclaim-without-fencing: the stalled pipeline merges after another reclaimed the lease", () => {
    const r = exploreVariant(scenario, variant("stale-reclaim-without-fencing"), { seed: 1, shrink: false });
    const events = r.counterexample!.events;
    expect(events.some((e) => e.op === "pause")).toBe(true);
    const reclaim = events.find(
      (e) => e.op === "tx" && e.key === "gate" && JSON.stringify(e.result).includes('"reclaimed":"stale"'),
    );
    expect(reclaim).toBeDefined();
    const lastMerge = events
      .filter((e) => e.op === "tx" && e.key === "repo" && tag(e.input) === "Merge")
      .at(-1)!;
    expect(lastMerge.step).toBeGreaterThan(reclaim!.step);
    expect(renderTimeline(r.counterexample!, { width: 200 })).toContain("⏸ paused");
  });

  for (const name of [
    "gate",
    "gate-with-fencing",
    "redrive",
    "task-deps",
    "task-deps-late-cycle",
    "reconciler-skip",
  ]) {
    it(`${name} passes 1,000 schedules`, () => {
      const r = exploreVariant(scenario, variant(name), { seed: 20_261_122, runs: 1_000 });
      expect(r.property).toBeNull();
      expect(r.schedules).toBe(1_000);
    });
  }

  it("issue 17: redrive from base seed 3530409179 passes through schedule 4,412 (run seed 1404542995), where the red tree used to merge", () => {
    // Before the fix: "main is always green" broke at schedule 4,412 — feat/a red at its retry cap → Failed →
    // crash → the reaper's requeue → the failed branch started over and passed "rebase was a no-op".
    expect(runSeed(3_530_409_179, 4_411)).toBe(1_404_542_995);
    const run = runWorld(variant("redrive").build, new RandomChooser(1_404_542_995), { record: true });
    expect(run.violation).toBeNull();
    const gateTx = run.events!.filter((e) => e.op === "tx" && e.key === "gate");
    const failed = gateTx.findIndex((e) => tag(e.result) === "Failed");
    expect(failed).toBeGreaterThanOrEqual(0);
    const after = gateTx
      .slice(failed + 1)
      .filter((e) => (e.input as { branch?: string }).branch === "feat/a");
    // The redrive of the failed branch is asked for a re-test before anything passes it.
    const firstVerdict = after.find((e) => ["Retest", "Pass"].includes(tag(e.result)));
    expect(firstVerdict === undefined || tag(firstVerdict.result) === "Retest").toBe(true);
    const r = exploreVariant(scenario, variant("redrive"), { seed: 3_530_409_179, runs: 4_412 });
    expect([r.verdict, r.schedules]).toEqual(["pass", 4_412]);
  });

  it("redrive exercises the redrive points: a PR already merged, a caught-up branch passing without a re-test, an owed re-test", () => {
    const seen = { alreadyMerged: 0, passWithoutRetestAfterCrash: 0, retestOwed: 0 };
    for (let i = 0; i < 300; i++) {
      const r = runWorld(variant("redrive").build, new RandomChooser(runSeed(3, i)), { record: true });
      let crashed = false;
      for (const e of r.events!) {
        if (e.op === "crash") crashed = true;
        if (e.op !== "tx" || e.key !== "gate") continue;
        const result = e.result as { _tag: string; retested?: boolean };
        if (result._tag === "AlreadyMerged") seen.alreadyMerged++;
        if (crashed && result._tag === "Pass" && result.retested === false)
          seen.passWithoutRetestAfterCrash++;
        // premergeRebaseAlways: a redrive of a branch that owes a re-test rebases (a no-op), then re-tests.
        const input = e.input as { _tag: string; outcome?: string };
        if (input._tag === "Rebased" && input.outcome === "noop" && result._tag === "Retest")
          seen.retestOwed++;
      }
    }
    expect(seen.alreadyMerged).toBeGreaterThan(0);
    expect(seen.passWithoutRetestAfterCrash).toBeGreaterThan(0);
    expect(seen.retestOwed).toBeGreaterThan(0);
  });

  it("task-deps: feat/b is claimed only after feat/a merged; the feat/c ↔ feat/d cycle is reported Blocked and the run ends", () => {
    const r = runWorld(variant("task-deps").build, new RandomChooser(7), { record: true });
    expect(r.endReason).toBe("finished");
    const txs = r.events!.filter((e) => e.op === "tx");
    const blocked = txs.find((e) => tag(e.result) === "Blocked");
    expect(blocked?.result).toMatchObject({ _tag: "Blocked", cycle: ["feat/d", "feat/c"] });
    const aDone = txs.findIndex(
      (e) => e.key === "stages" && JSON.stringify(e.input) === '{"task":"feat/a","stage":"done"}',
    );
    const bClaimed = txs.findIndex(
      (e) =>
        e.key === "queue" &&
        JSON.stringify(e.result).includes('"task":"feat/b"') &&
        tag(e.result) === "Claimed",
    );
    expect(aDone).toBeGreaterThanOrEqual(0);
    expect(bClaimed).toBeGreaterThan(aDone);
    expect(
      txs.some(
        (e) =>
          e.key === "queue" &&
          JSON.stringify(e.result).includes('"task":"feat/c"') &&
          tag(e.result) === "Claimed",
      ),
    ).toBe(false);
  });

  it("seed 001 reconciler skip: without it, the reconciler re-drives feat/b while it waits for feat/a, and feat/b runs first", () => {
    const r = exploreVariant(scenario, variant("reconciler-without-skip"), { seed: 1, shrink: false });
    expect(r.property).toBe("no job runs before its dependencies are done");
    const txs = r.counterexample!.events.filter((e) => e.op === "tx" && e.key === "queue");
    const redrive = txs.find((e) => tag(e.input) === "Redrive" && tag(e.result) === "Redriven");
    expect(redrive?.input).toMatchObject({ task: "feat/b" });
    expect(tag(txs.at(-1)!.result)).toBe("Claimed");
    expect(txs.at(-1)!.result).toMatchObject({ task: "feat/b" });
  });

  it("seed 001 cycle backstop: a cycle closed after feat/c was claimed is still Blocked, with an alert, and feat/c's job stops", () => {
    let caught = 0;
    for (let i = 0; i < 200 && caught === 0; i++) {
      const r = runWorld(variant("task-deps-late-cycle").build, new RandomChooser(runSeed(5, i)), {
        record: true,
      });
      expect(r.violation).toBeNull();
      const queue = r.events!.filter((e) => e.op === "tx" && e.key === "queue");
      const blocked = queue.findIndex((e) => tag(e.result) === "Blocked");
      const claimedC = queue.findIndex(
        (e) => tag(e.result) === "Claimed" && (e.result as { task: string }).task === "feat/c",
      );
      if (blocked < 0 || claimedC < 0 || claimedC > blocked) continue;
      // feat/c was claimed (fail-open: feat/d unknown), then feat/d's relation closed the cycle.
      expect(queue[blocked]!.result).toEqual({
        _tag: "Blocked",
        task: "feat/d",
        cycle: ["feat/d", "feat/c"],
      });
      const notes = r.events!.filter((e) => e.op === "note").map((e) => JSON.stringify(e));
      expect(notes.some((n) => n.includes("alert: dependency cycle feat/d → feat/c"))).toBe(true);
      caught++;
    }
    expect(caught).toBe(1);
  });

  it("the repository model: rebase conflicts on a shared file, CI is red for a semantic pair, fencing refuses old tokens", () => {
    let s = initialRepo({ a: ["x.py"], b: ["y.py"], c: ["x.py"] }, [["a", "b"]], true);
    s = repository.transition(s, { _tag: "Merge", branch: "a", token: 1 }).state;
    expect(repository.transition(s, { _tag: "Rebase", branch: "c", token: 1 }).result).toEqual({
      _tag: "Conflict",
      files: ["x.py"],
    });
    const rebased = repository.transition(s, { _tag: "Rebase", branch: "b", token: 2 });
    expect(rebased.result).toEqual({ _tag: "Rebased", base: 1 });
    expect(treeGreen(rebased.state, branchTree(rebased.state, "b"))).toBe(false);
    expect(repository.transition(rebased.state, { _tag: "Merge", branch: "c", token: 1 }).result).toEqual({
      _tag: "StaleToken",
      token: 1,
      fence: 2,
    });
    const revised = repository.transition(rebased.state, { _tag: "Revise", branch: "b" }).state;
    expect(treeGreen(revised, branchTree(revised, "b"))).toBe(true);
  });
});
