/**
 * `view.lastOn(ref)`: the last applied `tx` typed by the store entry's machine (issue 20, "Authoring": a
 * property used to need four casts of `view.last`). Type-level checks with `expectTypeOf`, and the runtime
 * behaviour: the record of the last `tx` when it was on `ref`'s key, null otherwise.
 */
import { FencedResource, Lease } from "@interleave/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type LastTx, type StoreRef, tx, txAt, type View, type WorldBuilder } from "../src/index.js";
import { runWorld } from "../src/search/index.js";
import { RandomChooser } from "../src/strategy/index.js";
import { type CounterEvent, type CounterResult, counter } from "./fixtures.js";

type Rendered = { readonly by: string };
const storage = { transition: FencedResource.transition<Rendered> };

describe("view.lastOn(ref)", () => {
  it("is typed by the machine: event, result, before and after need no casts", () => {
    const check = (view: View, ref: StoreRef<number, CounterEvent, CounterResult>) => {
      const last = view.lastOn(ref);
      expectTypeOf(last).toEqualTypeOf<LastTx<number, CounterEvent, CounterResult> | null>();
      if (last === null) return;
      expectTypeOf(last.event).toEqualTypeOf<CounterEvent>();
      expectTypeOf(last.result).toEqualTypeOf<CounterResult>();
      expectTypeOf(last.before).toEqualTypeOf<number>();
      expectTypeOf(last.after).toEqualTypeOf<number>();
      expectTypeOf(last.process).toEqualTypeOf<string>();
      // `view.last` stays untyped: it may be on any key.
      expectTypeOf(view.last!.event).toEqualTypeOf<unknown>();
    };
    expect(check).toBeTypeOf("function");
    // A ref as `world.store` returns it, for a core machine, infers the machine's own types.
    const build = (world: WorldBuilder) => {
      const report = world.store("report", storage, FencedResource.initial<Rendered>());
      world.always("accepted writes carry the highest token", (v) => {
        const last = v.lastOn(report);
        if (last === null) return true;
        expectTypeOf(last.event).toEqualTypeOf<FencedResource.Event<Rendered>>();
        expectTypeOf(last.result).toEqualTypeOf<FencedResource.Result>();
        expectTypeOf(last.before).toEqualTypeOf<FencedResource.State<Rendered>>();
        return last.result._tag !== "Accepted" || last.event.token >= last.before.highestToken;
      });
    };
    expect(build).toBeTypeOf("function");
  });

  it("returns the last tx when it was on the ref's key, and null before any tx or after a tx on another key", () => {
    const seen: string[] = [];
    runWorld((world) => {
      const c: StoreRef<number, CounterEvent, CounterResult> = world.store("counter", counter, 0);
      const lease = world.store("lease", Lease, Lease.initial({ leaseTtlMs: 10_000 }));
      world.process("p", function* () {
        yield* tx(c, { _tag: "Write", value: 7 });
        yield* txAt(lease)((atMs) => ({ _tag: "Acquire", holder: "p", atMs }));
      });
      world.always("record", (v) => {
        const onCounter = v.lastOn(c);
        const onLease = v.lastOn(lease);
        if (onCounter !== null) {
          seen.push(
            `counter ${onCounter.process} ${onCounter.event._tag} ${onCounter.before}→${onCounter.after} ${onCounter.result.value}`,
          );
        }
        if (onLease !== null) seen.push(`lease ${onLease.event._tag} ${onLease.result._tag}`);
        if (onCounter === null && onLease === null) seen.push("none");
        return true;
      });
    }, new RandomChooser(1));
    expect(seen).toEqual(["none", "counter p Write 0→7 7", "lease Acquire Granted"]);
  });
});
