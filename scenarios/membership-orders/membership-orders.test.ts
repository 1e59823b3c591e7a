import { InvalidConfigError, Mailbox } from "@interleave/core";
import { exploreVariant, type Scenario } from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import { renderTimeline } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { itIsDeterministic, variantOf } from "../testing.js";
import { cluster } from "./cluster.js";
import scenario, {
  buildWorld,
  CANCEL_WITHOUT_SUCCESSOR_CELL,
  desiredState,
  params,
} from "./membership-orders.js";

const variant = (name: string) => variantOf(scenario as Scenario, name);
const SEEDS = [1, 2, 3, 42, 1234, 99_999, 0xdeadbeef];
const txTag = (input: unknown) => (input as { _tag: string })._tag;

describe("membership-orders (seed 003)", () => {
  it("declares the five variants of the issue, and the reviewer note's captured ctx, with their expectations", () => {
    expect(scenario.variants.map((v) => [v.name, v.expect])).toEqual([
      ["pool-without-mailbox", "violation"],
      ["mailbox-fifo", "pass"],
      ["mailbox-supersede", "pass"],
      ["cancel-without-successor", "violation"],
      ["no-cancel-check", "violation"],
      ["captured-ctx", "violation"],
    ]);
  });

  itIsDeterministic(scenario as Scenario, SEEDS.slice(0, 4));

  for (const name of [
    "pool-without-mailbox",
    "cancel-without-successor",
    "no-cancel-check",
    "captured-ctx",
  ]) {
    it(`finds the ${name} violation within the default budget on every seed tried`, () => {
      for (const seed of SEEDS) {
        const r = exploreVariant(scenario, variant(name), { seed, shrink: false });
        expect(r.verdict, `seed ${seed}`).toBe("violation");
      }
    });
  }

  it("pool-without-mailbox: two orders of one stack are handled at once", () => {
    const r = exploreVariant(scenario, variant("pool-without-mailbox"), { seed: 1, shrink: false });
    expect(r.property).toBe("at most one order of a stack is in flight");
    const dispatches = r
      .counterexample!.events.filter((e) => e.op === "tx" && txTag(e.input) === "Submit")
      .flatMap((e) => (e.effects ?? []) as { _tag: string; order: { payload: { stack: string } } }[])
      .filter((f) => f._tag === "Dispatch");
    const stacks = dispatches.map((f) => f.order.payload.stack);
    expect(new Set(stacks).size).toBeLessThan(stacks.length);
  });

  it("cancel-without-successor: the stack is left with the cancelled snapshot's partial state", () => {
    const r = exploreVariant(scenario, variant("cancel-without-successor"), { seed: 1, shrink: false });
    expect(r.property).toBe(
      "when a stack's last order has completed, the cluster holds that order's desired state",
    );
    const events = r.counterexample!.events;
    const dropped = events.find((e) => e.op === "tx" && (e.result as { _tag: string })._tag === "Dropped");
    expect(dropped).toBeDefined();
    expect(dropped!.effects).toEqual([expect.objectContaining({ _tag: "Cancel", reason: "superseded" })]);
    const text = renderTimeline(r.counterexample!, { width: 200 });
    expect(text).toContain("⇒ Cancel");
    expect(text).toContain("ContextCanceled");
  });

  it("no-cancel-check: a cancelled ExistingStack creates an object after the stack's Delete superseded it", () => {
    const r = exploreVariant(scenario, variant("no-cancel-check"), { seed: 1, shrink: false });
    expect(r.property).toBe("nothing is created for a stack after its Delete began");
    const events = r.counterexample!.events;
    const last = events.filter((e) => e.op === "tx").at(-1)!;
    expect(txTag(last.input)).toBe("Create");
    const cancel = events.find((e) =>
      (e.effects ?? []).some((f) => (f as { _tag: string; by: string | null })._tag === "Cancel"),
    );
    expect(cancel).toBeDefined();
    expect(cancel!.step).toBeLessThan(last.step);
  });

  it("captured-ctx: a handler no order superseded gives up, having read another order's cancelled context", () => {
    const r = exploreVariant(scenario, variant("captured-ctx"), { seed: 5, shrink: false });
    expect(r.verdict).toBe("violation");
    const events = r.counterexample!.events;
    const cancelledIds = new Set(
      events.flatMap((e) =>
        ((e.effects ?? []) as { _tag: string; orderId?: string }[])
          .filter((f) => f._tag === "Cancel")
          .map((f) => f.orderId),
      ),
    );
    const gaveUp = events.filter(
      (e) =>
        e.op === "tx" &&
        txTag(e.input) === "Complete" &&
        (e.input as { outcome: string }).outcome === "cancelled" &&
        !cancelledIds.has((e.input as { orderId: string }).orderId),
    );
    expect(gaveUp.length).toBeGreaterThan(0);
  });

  for (const name of ["mailbox-fifo", "mailbox-supersede"]) {
    it(`${name} passes 2,000 schedules`, () => {
      const r = exploreVariant(scenario, variant(name), { seed: 20_261_122, runs: 2_000 });
      expect(r.property).toBeNull();
      expect(r.verdict).toBe("pass");
      expect(r.schedules).toBe(2_000);
    });
  }

  it("the per-order deadline assumes distinct stacks progress concurrently: one worker for all stacks misses it", () => {
    const serial = { ...params, mailbox: { ...params.mailbox, inFlightMax: 1 } };
    const properties = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = runWorld(
        (w) => buildWorld(w, serial, { routing: "mailbox", policy: "fifo", cancellation: "checked" }),
        new RandomChooser(runSeed(11, i)),
      );
      if (r.violation !== null) properties.add(r.violation.property);
    }
    expect([...properties]).toEqual(["every order completes or is superseded within 26 s of its arrival"]);
  });

  it("the buggy cell is one Mailbox.policy rejects, naming the cell", () => {
    const spec = {
      name: "buggy",
      kinds: ["ExistingStack", "DeletedStack"],
      neverCancel: ["DeletedStack"],
      matrix: {
        ExistingStack: { ExistingStack: CANCEL_WITHOUT_SUCCESSOR_CELL, DeletedStack: "cancel" },
        DeletedStack: { ExistingStack: "queue", DeletedStack: "queue" },
      },
    } as const;
    expect(() => Mailbox.policy(spec)).toThrow(InvalidConfigError);
    expect(() => Mailbox.policy(spec)).toThrow(/ExistingStack × ExistingStack/);
  });

  it("desired state folds orders in arrival order: snapshots set, toggles apply only to an existing stack", () => {
    const p = (version: number, enabled: boolean) => ({ stack: "s", version, enabled });
    expect(desiredState([])).toEqual({ exists: false, version: 0, enabled: true });
    expect(
      desiredState([
        { kind: "ExistingStack", payload: p(1, true) },
        { kind: "DisabledStack", payload: p(1, false) },
      ]),
    ).toEqual({ exists: true, version: 1, enabled: false });
    expect(
      desiredState([
        { kind: "ExistingStack", payload: p(1, true) },
        { kind: "DeletedStack", payload: p(1, true) },
        { kind: "EnabledStack", payload: p(1, true) },
      ]).exists,
    ).toBe(false);
  });

  it("the cluster model: Create fails on an existing object, Patch merges and fails on an absent one", () => {
    const at = { stack: "s", object: "modules", order: "s#1" } as const;
    const a = cluster.transition({ objects: {} }, { _tag: "Patch", value: { enabled: false }, ...at });
    expect(a.result._tag).toBe("NotFound");
    const b = cluster.transition(a.state, { _tag: "Create", value: { version: 1, enabled: true }, ...at });
    expect(b.state.objects.s?.modules).toEqual({ version: 1, enabled: true });
    expect(
      cluster.transition(b.state, { _tag: "Create", value: { version: 2, enabled: true }, ...at }).result
        ._tag,
    ).toBe("AlreadyExists");
    const c = cluster.transition(b.state, { _tag: "Patch", value: { enabled: false }, ...at });
    expect(c.state.objects.s?.modules).toEqual({ version: 1, enabled: false });
    const d = cluster.transition(c.state, { _tag: "Canceled", request: "Delete", ...at });
    expect([d.result._tag, d.state]).toEqual(["ContextCanceled", c.state]);
  });
});
