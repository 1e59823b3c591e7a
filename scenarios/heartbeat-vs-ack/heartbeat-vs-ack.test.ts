import { ClaimQueue } from "@interleave/core";
import { exploreVariant, replaySeed, type Scenario } from "@interleave/sim";
import { renderTimeline } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { itIsDeterministic, variantOf } from "../testing.js";
import scenario, { params, reconcileQueue } from "./heartbeat-vs-ack.js";

const variant = (name: string) => variantOf(scenario as Scenario, name);
const SEEDS = [1, 2, 3, 42, 1234, 99_999, 0xdeadbeef];

describe("heartbeat-vs-ack (seed 002)", () => {
  it("declares the five variants of the issues with their expectations", () => {
    expect(scenario.variants.map((v) => [v.name, v.expect])).toEqual([
      ["updated-at-guard", "violation"],
      ["ownership-only", "pass"],
      ["retry-without-recheck", "violation"],
      ["retry-with-recheck", "pass"],
      ["drain-ignores-ack-result", "violation"],
    ]);
  });

  itIsDeterministic(scenario as Scenario, SEEDS.slice(0, 4));

  for (const name of ["updated-at-guard", "retry-without-recheck", "drain-ignores-ack-result"]) {
    it(`finds the ${name} violation within the default budget on every seed tried`, () => {
      for (const seed of SEEDS) {
        const r = exploreVariant(scenario, variant(name), { seed, shrink: false });
        expect(r.verdict, `seed ${seed}`).toBe("violation");
        expect(r.schedules).toBeLessThanOrEqual(scenario.runs);
      }
    });
  }

  it("updated-at-guard: the violated property is liveness, and the timeline shows the heartbeat bump and the silent ack", () => {
    const r = exploreVariant(scenario, variant("updated-at-guard"), { seed: 7, shrink: false });
    expect(r.property).toBe("every enqueued scope is acked or dead-lettered within 240 s");
    const trace = r.counterexample!;
    const bump = trace.events.find(
      (e) =>
        e.op === "tx" &&
        (e.input as { _tag: string })._tag === "Heartbeat" &&
        e.changes?.some((c) => c.path.endsWith(".updatedAtMs")),
    );
    const silentAck = trace.events.find(
      (e) => e.op === "tx" && JSON.stringify(e.result).includes('"owned":true,"deleted":false'),
    );
    expect(bump).toBeDefined();
    expect(silentAck).toBeDefined();
    expect(bump!.step).toBeLessThan(silentAck!.step);
    const text = renderTimeline(trace, { width: 200 });
    expect(text).toMatch(/Heartbeat scope="\w+" token=\d+/);
    expect(text).toMatch(/updatedAtMs: \d+ → \d+/);
    expect(text).toContain("owned=true deleted=false");
    expect(text).toContain("dropped: ack owned the item but did not delete it");
  });

  it("drain-ignores-ack-result (seed 002's DrainQueue): an ack answers owned && !deleted after a heartbeat and the loop counts the item processed", () => {
    const r = exploreVariant(scenario, variant("drain-ignores-ack-result"), { seed: 7, shrink: false });
    expect(r.property).toBe("an item counted as processed was deleted by its ack (no silent leak)");
    const txs = r.counterexample!.events.filter((e) => e.op === "tx");
    const last = txs.at(-1)!;
    expect((last.input as { _tag: string })._tag).toBe("AckIfUnchanged");
    expect(last.result).toEqual({ _tag: "Acked", owned: true, deleted: false, requeued: false });
    const heartbeat = txs.find((e) => (e.input as { _tag: string })._tag === "Heartbeat");
    expect(heartbeat!.step).toBeLessThan(last.step);
    // Nothing surfaced it: no "dropped" note, unlike the worker of the fix.
    expect(r.counterexample!.events.some((e) => e.op === "note")).toBe(false);
  });

  it("retry-without-recheck: a worker stalled past its lease mutates the item another worker re-claimed", () => {
    const r = exploreVariant(scenario, variant("retry-without-recheck"), { seed: 1, shrink: false });
    expect(r.property).toBe("a claimed item is only mutated by its current holder");
    const events = r.counterexample!.events;
    const last = events.filter((e) => e.op === "tx").at(-1)!;
    expect(["RetryById", "FailById"]).toContain((last.input as { _tag: string })._tag);
    expect(events.some((e) => e.op === "pause")).toBe(true);
    expect(events.some((e) => e.op === "tx" && JSON.stringify(e.result).includes('"reclaimed":true'))).toBe(
      true,
    );
  });

  for (const name of ["ownership-only", "retry-with-recheck"]) {
    it(`${name} passes 2,000 schedules (explore runs ${scenario.runs.toLocaleString("en")})`, () => {
      const r = exploreVariant(scenario, variant(name), { seed: 20_261_122, runs: 2_000 });
      expect(r.property).toBeNull();
      expect([r.verdict, r.schedules]).toEqual(["pass", 2_000]);
    });
  }

  it("the same seed replays to the same trace", () => {
    const a = replaySeed(scenario, variant("retry-with-recheck"), 5);
    const b = replaySeed(scenario, variant("retry-with-recheck"), 5);
    expect(a).toEqual(b);
  });
});

describe("the pre-fix statements of the scenario's queue", () => {
  const config = params.queue;
  const claimed = () => {
    const s0 = ClaimQueue.initial(config);
    const s1 = ClaimQueue.transition(s0, { _tag: "Enqueue", scope: "a", atMs: 0 }).state;
    const c = ClaimQueue.transition(s1, { _tag: "Claim", holder: "w1", batchSize: 1, atMs: 1_000 });
    if (c.result._tag !== "Claimed") throw new Error("claim failed");
    return { state: c.state, grant: c.result.claims[0]! };
  };

  it("AckIfUnchanged silently keeps the item after the holder's own heartbeat (the seed's bug)", () => {
    const { state, grant } = claimed();
    const hb = ClaimQueue.transition(state, {
      _tag: "Heartbeat",
      scope: "a",
      token: grant.token,
      atMs: 6_000,
    }).state;
    const ack = reconcileQueue.transition(hb, {
      _tag: "AckIfUnchanged",
      scope: "a",
      token: grant.token,
      claimedUpdatedAtMs: grant.updatedAtMs,
      atMs: 7_000,
    });
    expect(ack.result).toEqual({ _tag: "Acked", owned: true, deleted: false, requeued: false });
    expect(ack.state.items.a).toBeDefined();
  });

  it("RetryById releases whoever holds the claim now (the review's snapshot race)", () => {
    const { state, grant } = claimed();
    const taken = ClaimQueue.transition(state, { _tag: "Claim", holder: "w2", batchSize: 1, atMs: 20_000 });
    const retry = reconcileQueue.transition(taken.state, {
      _tag: "RetryById",
      scope: "a",
      token: grant.token,
      error: "boom",
      atMs: 20_001,
    });
    expect(retry.result._tag).toBe("Retried");
    expect(retry.state.items.a?.claim).toBeNull();
  });
});
