/**
 * `check --workers K` (io/check-workers.ts, statespace/partition.ts): parallel breadth-first search on
 * worker threads gives the one-thread checker's distinct states, transitions, depth and verdict — with and
 * without partial-order reduction — and a planted violation at the same least depth, with a path that re-executes.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkWithWorkers } from "../src/io/check-workers.js";
import models from "./check-workers-fixture.js";

const registry = fileURLToPath(new URL("./check-workers-fixture.ts", import.meta.url));
const model = (name: string) => models.find((m) => m.name === name)!;

describe("check --workers", () => {
  for (const [name, reduction, threads] of [
    ["counters", true, [2, 3]],
    ["counters", false, [2]],
    ["torus", true, [2]],
  ] as const) {
    it(`${name}${reduction ? "" : " (no reduction)"}: the same figures on ${threads.join(" and ")} threads as checkStateSpace`, async () => {
      const one = model(name).check({ reduction }).result;
      expect(one._tag).toBe("Verified");
      for (const workers of threads) {
        const { result } = await checkWithWorkers(registry, model(name), { reduction }, workers);
        expect([result._tag, result.states, result.transitions, result.depth]).toEqual([
          one._tag,
          one.states,
          one.transitions,
          one.depth,
        ]);
      }
    });
  }

  it("finds the planted violation at the one-thread depth, with a path that breaks the invariant", async () => {
    const one = model("counters-broken").check().result;
    const { result } = await checkWithWorkers(registry, model("counters-broken"), {}, 2);
    if (one._tag !== "Violation" || result._tag !== "Violation") throw new Error("expected two violations");
    expect(result.invariant).toBe(one.invariant);
    expect(result.path.length).toBe(one.path.length);
    const last = result.path.at(-1)?.state as { shared: number } | undefined;
    expect(last?.shared).toBe(4);
  });

  it("stops at maxDepth as the one-thread checker does (bounded, unexplored states below)", async () => {
    const one = model("torus").check({ maxDepth: 10 }).result;
    const { result } = await checkWithWorkers(registry, model("torus"), { maxDepth: 10 }, 2);
    expect([result._tag, result.states, result.depth]).toEqual([one._tag, one.states, one.depth]);
    expect(result._tag).toBe("Bounded");
  });
});
