import { exploreVariant, type Scenario } from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import { renderTimeline } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { itIsDeterministic, variantOf } from "../testing.js";
import { initialMr, mergeRequest } from "./merge-request.js";
import scenario from "./sync-vs-reset.js";

const variant = (name: string) => variantOf(scenario as Scenario, name);
const SEEDS = [1, 2, 3, 42, 1234, 99_999, 0xdeadbeef];
const tag = (x: unknown) => (x as { _tag: string })._tag;

describe("sync-vs-reset (seed 000)", () => {
  it("declares the seven variants of the issues with their expectations", () => {
    expect(scenario.variants.map((v) => [v.name, v.expect])).toEqual([
      ["legacy-ttl", "violation"],
      ["coordinator-no-entry-check", "violation"],
      ["coordinator-entry-check", "violation"],
      ["serial", "pass"],
      ["flag-off", "violation"],
      ["flag-turned-off-in-flight", "violation"],
      ["flag-turned-on-in-flight", "violation"],
    ]);
  });

  itIsDeterministic(scenario as Scenario, SEEDS.slice(0, 4));

  for (const name of [
    "legacy-ttl",
    "coordinator-no-entry-check",
    "coordinator-entry-check",
    "flag-off",
    "flag-turned-off-in-flight",
    "flag-turned-on-in-flight",
  ]) {
    it(`finds the ${name} violation within the default budget on every seed tried`, () => {
      for (const seed of SEEDS) {
        const r = exploreVariant(scenario, variant(name), { seed, shrink: false });
        expect(r.verdict, `seed ${seed}`).toBe("violation");
      }
    });
  }

  it("coordinator-entry-check: a sync starts after the entry check passed and before the approvals are deleted", () => {
    const r = exploreVariant(scenario, variant("coordinator-entry-check"), { seed: 1, shrink: false });
    expect(r.property).toBe("no approval survives on a rule that a push should have reset (missed reset)");
    const events = r.counterexample!.events.filter((e) => e.op === "tx");
    const deletion = events.at(-1)!;
    expect(tag(deletion.input)).toBe("DeleteApprovals");
    const reset = (deletion.input as { reset: string }).reset;
    const proceed = events
      .filter((e) => tag(e.input) === "BeginReset" && (e.input as { resetId: string }).resetId === reset)
      .at(-1)!;
    expect(tag(proceed.result)).toBe("Proceed");
    const between = events
      .filter((e) => e.step > proceed.step && e.step < deletion.step)
      .map((e) => tag(e.input));
    expect(between).toContain("StartSync");
    expect(between).toContain("DeleteRules");
    const text = renderTimeline(r.counterexample!, { width: 200 });
    expect(text).toContain("✗ violated here: no approval survives");
  });

  it("serial passes 10,000 schedules", () => {
    const r = exploreVariant(scenario, variant("serial"), { seed: 20_261_122, runs: 10_000 });
    expect(r.property).toBeNull();
    expect(r.schedules).toBe(10_000);
  });

  it("seed 000 FF disabled mid-flight: a reset deferred under the coordinator is never drained by the legacy sync", () => {
    const r = exploreVariant(scenario, variant("flag-turned-off-in-flight"), { seed: 1, shrink: false });
    expect(r.property).toBe("every scheduled reset runs within 45 s");
    const flow = r.counterexample!.events.filter((e) => e.op === "tx" && e.key === "flow");
    const flip = flow.findIndex((e) => tag(e.input) === "SetFeatureFlag");
    expect(flow[flip]?.result).toEqual({ _tag: "FlagSet", featureFlag: false });
    // A reset was deferred under the coordinator before the flip (ResetDeferred, or BeginReset → Deferred) …
    const deferred = flow
      .slice(0, flip)
      .some((e) => tag(e.result) === "ResetDeferred" || tag(e.result) === "Deferred");
    expect(deferred).toBe(true);
    // … and every sync that finished after the flip took the legacy route, which drains nothing.
    const finishedAfter = flow.slice(flip).filter((e) => tag(e.input) === "FinishSync");
    expect(finishedAfter.length).toBeGreaterThan(0);
    for (const e of finishedAfter) expect(e.result).toMatchObject({ route: "legacy", drained: [] });
  });

  it("seed 000 FF enabled mid-flight: a reset's entry check cannot see a sync that started on the legacy path", () => {
    const r = exploreVariant(scenario, variant("flag-turned-on-in-flight"), { seed: 1, shrink: false });
    expect(r.property).toBe("no approval survives on a rule that a push should have reset (missed reset)");
    const events = r.counterexample!.events.filter((e) => e.op === "tx");
    const flip = events.findIndex((e) => tag(e.input) === "SetFeatureFlag");
    expect(flip).toBeGreaterThanOrEqual(0);
    expect(events.slice(0, flip).some((e) => tag(e.input) === "StartSync")).toBe(true);
  });

  it("flag-off behaves exactly like the legacy code: same decisions, same MR history, same verdict", () => {
    const legacy = variant("legacy-ttl");
    const off = variant("flag-off");
    for (let i = 0; i < 200; i++) {
      const seed = runSeed(31, i);
      const a = runWorld(legacy.build, new RandomChooser(seed), { record: true });
      const b = runWorld(off.build, new RandomChooser(seed), { record: true });
      expect(b.decisions, `seed ${seed}`).toEqual(a.decisions);
      const mrHistory = (r: typeof a) =>
        r
          .events!.filter((e) => e.op === "tx" && e.key === "merge-request")
          .map((e) => [e.t, e.input, e.result]);
      expect(mrHistory(b), `seed ${seed}`).toEqual(mrHistory(a));
      const results = (r: typeof a) =>
        r
          .events!.filter((e) => e.op === "tx" && e.key === "flow")
          .map((e) => [e.t, e.result, e.effects ?? []]);
      expect(results(b), `seed ${seed}`).toEqual(results(a));
      expect(b.violation?.property ?? null).toBe(a.violation?.property ?? null);
    }
  });

  it("the MR model: a reset that reads a partial rule set leaves the other rule's approval", () => {
    const deleted = mergeRequest.transition(initialMr, { _tag: "DeleteRules", sync: "sync-B" }).state;
    const partial = mergeRequest.transition(deleted, {
      _tag: "CreateRule",
      rule: "backend-owners",
      sync: "sync-B",
    }).state;
    const read = mergeRequest.transition(partial, { _tag: "ReadRules", reset: "reset-A" }).result;
    expect(read).toEqual({ _tag: "Rules", rules: ["backend-owners"] });
    const after = mergeRequest.transition(partial, {
      _tag: "DeleteApprovals",
      rules: ["backend-owners"],
      push: 1,
      reset: "reset-A",
    });
    expect(after.result).toEqual({ _tag: "ApprovalsDeleted", users: ["alice"] });
    expect(Object.keys(after.state.approvals)).toEqual(["bob"]);
  });
});
