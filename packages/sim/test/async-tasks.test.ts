import { describe, expect, it } from "vitest";
import { DeterminismError } from "../src/async/globals.js";
import type { WorldBuilder } from "../src/index.js";
import { runAsync } from "../src/model/world/drive.js";
import { runWorld, runWorldGen } from "../src/model/world/world.js";
import { RandomChooser, ReplayChooser } from "../src/strategy/index.js";
import { counter } from "./fixtures.js";

/** Two tasks doing a read-modify-write on a counter through ctx.call, with a virtual sleep in between. */
function lostUpdate(world: WorldBuilder): void {
  const c = world.store("counter", counter, 0);
  for (const name of ["a", "b"]) {
    world.task(name, async (ctx) => {
      const r = await ctx.call(c, { _tag: "Read" });
      await new Promise((resolve) => setTimeout(resolve, 10));
      await ctx.call(c, { _tag: "Write", value: r.value + 1 });
    });
  }
  world.always("no update is lost", (view) => {
    return !(view.finished("a") && view.finished("b")) || view.get(c) === 2;
  });
}

describe("async tasks", () => {
  it("a synchronous driver refuses a world with tasks before any task code runs", () => {
    let ran = false;
    expect(() =>
      runWorld((w) => {
        w.task("t", async () => {
          ran = true;
        });
      }, new RandomChooser(1)),
    ).toThrow(/async tasks/);
    expect(ran).toBe(false);
  });

  it("virtual time: setTimeout, Date.now and performance.now follow the world's clock", async () => {
    const seen: number[] = [];
    const r = await runAsync(
      runWorldGen((w) => {
        w.task("t", async (ctx) => {
          const t0 = performance.now();
          const d0 = Date.now();
          await new Promise((resolve) => setTimeout(resolve, 250));
          seen.push(performance.now() - t0, Date.now() - d0, ctx.now(), new Date().getTime() - d0);
        });
      }, new RandomChooser(1)),
    );
    expect(seen).toEqual([250, 250, 250, 250]);
    expect(r.endMs).toBe(250);
    expect(r.endReason).toBe("quiescent");
  });

  it("virtual timers behave as Node's: 0 ms is 1 ms, intervals repeat, clearTimeout takes the handle or its number", async () => {
    const seen: string[] = [];
    await runAsync(
      runWorldGen((w) => {
        w.task("t", async () => {
          setTimeout(() => seen.push(`zero at ${performance.now()}`), 0);
          const cancelled = setTimeout(() => seen.push("cancelled fired"), 5);
          clearTimeout(Number(cancelled));
          let ticks = 0;
          const every = setInterval(() => {
            seen.push(`tick at ${performance.now()}`);
            if (++ticks === 3) clearInterval(every);
          }, 10);
          await new Promise((resolve) => setImmediate(resolve));
          seen.push(`immediate at ${performance.now()}`);
        });
      }, new RandomChooser(1)),
    );
    expect(seen).toEqual(["immediate at 0", "zero at 1", "tick at 10", "tick at 20", "tick at 30"]);
  });

  it("finds the lost update and replays it exactly", async () => {
    let found = null;
    for (let seed = 0; seed < 50 && found === null; seed++) {
      const r = await runAsync(runWorldGen(lostUpdate, new RandomChooser(seed)));
      if (r.violation !== null) found = r;
    }
    expect(found).not.toBeNull();
    const again = await runAsync(
      runWorldGen(lostUpdate, new ReplayChooser(found!.decisions), { record: true }),
    );
    expect(again.violation?.property).toBe("no update is lost");
    expect(again.decisions).toEqual(found!.decisions);
    const ops = again.events!.map((e) => e.op);
    expect(ops).toContain("timer");
    expect(ops).toContain("deliver");
  });

  it("the guard names Math.random and a real setTimeout used by a task", async () => {
    const random = runAsync(
      runWorldGen((w) => {
        w.task("rng", async () => {
          await Promise.resolve();
          Math.random();
        });
      }, new RandomChooser(1)),
    );
    await expect(random).rejects.toThrow(DeterminismError);
    await expect(random).rejects.toThrow(/task "rng" used Math\.random\(\)/);
    const { setTimeout: realTimeout } = await import("node:timers");
    const timer = runAsync(
      runWorldGen((w) => {
        w.task("sleepy", async () => {
          await new Promise((resolve) => realTimeout(resolve, 1));
        });
      }, new RandomChooser(1)),
    );
    await expect(timer).rejects.toThrow(/task "sleepy" used a real timer/);
    expect(Math.random()).toBeLessThan(1);
    expect(globalThis.setTimeout).toBe(realTimeout);
  });
});
