import { describe, expect, it } from "vitest";
import { constant, type ServerProtocol, type TaskContext, txAt, type WorldBuilder } from "../src/index.js";
import { runAsync } from "../src/model/world/drive.js";
import { runWorldGen } from "../src/model/world/world.js";
import { REDIS_EPOCH_MS } from "../src/redis/protocol.js";
import { RandomChooser, ReplayChooser } from "../src/strategy/index.js";

/** A tiny key-value server: `incr` and `get`; a restart loses everything. */
type KvEvent =
  | { readonly _tag: "Command"; readonly op: "incr" | "get"; readonly key: string }
  | { readonly _tag: "Restart" };
const kv = {
  transition(s: Readonly<Record<string, number>>, e: KvEvent) {
    if (e._tag === "Restart") return { state: {}, result: null, effects: [] as never[] };
    const value = (s[e.key] ?? 0) + (e.op === "incr" ? 1 : 0);
    return { state: e.op === "incr" ? { ...s, [e.key]: value } : s, result: value, effects: [] as never[] };
  },
};
const kvProtocol: ServerProtocol<KvEvent> = {
  request: (payload) => ({ _tag: "Command", ...(payload as { op: "incr" | "get"; key: string }) }),
  restart: () => ({ _tag: "Restart" }),
};

/** Send one command on a fresh connection; resolves with the reply, or with the close reason's message. */
function once(ctx: TaskContext, ref: Parameters<TaskContext["connect"]>[0], op: "incr" | "get") {
  return new Promise<number | string>((resolve) => {
    const conn = ctx.connect(ref, {
      ready: () => conn.send({ op, key: "n" }, (r) => resolve(r as number)),
      closed: (reason) => resolve(reason.message),
      push: () => {},
    });
  });
}

const run = (build: (w: WorldBuilder) => void, seed = 1) =>
  runAsync(runWorldGen(build, new RandomChooser(seed), { record: true }));

describe("async tasks under faults", () => {
  it("a pause freezes the task's timers: the 100 ms timer fires at 600 ms after a 500 ms pause", async () => {
    const fired: number[] = [];
    const r = await run((w) => {
      w.task(
        "t",
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          fired.push(performance.now());
        },
        { faults: true },
      );
      w.faults({ pause: { probability: 1, durationMs: constant(500), countMax: 1 } });
    });
    expect(fired).toEqual([600]);
    expect(r.events!.map((e) => e.op)).toEqual(["pause", "timer"]);
  });

  it("a crash drops the task's timers and connections and runs its body again", async () => {
    const starts: number[] = [];
    const fired: number[] = [];
    const r = await run((w) => {
      w.task(
        "t",
        async () => {
          starts.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 100));
          fired.push(performance.now());
        },
        { faults: true },
      );
      w.faults({ crash: { probability: 1, restartDelayMs: constant(50), countMax: 1 } });
    });
    expect(starts).toEqual([0, 150]);
    expect(fired).toEqual([250]);
    expect(r.events!.map((e) => e.op)).toEqual(["crash", "restart", "timer"]);
  });

  it("lose-reply applies the command and resets the connection: a client that re-sends applies it twice", async () => {
    const replies: (number | string)[] = [];
    let server: unknown;
    await run((w) => {
      const ref = w.store("kv", kv, {}, { server: kvProtocol });
      w.task(
        "t",
        async (ctx) => {
          replies.push(await once(ctx, ref, "incr"));
          replies.push(await once(ctx, ref, "incr"));
        },
        { faults: true },
      );
      w.faults({
        network: { probability: 1, delayMs: constant(0), countMax: 1, kinds: ["lose-reply"] },
      });
      w.always("capture", (view) => {
        server = view.get(ref);
        return true;
      });
    });
    expect(replies[0]).toMatch(/reset before the reply arrived/);
    expect(replies[1]).toBe(2);
    expect(server).toEqual({ n: 2 });
  });

  it("drop resets the connection before the command reaches the server; delay holds the reply back", async () => {
    const outcome = async (kind: "drop" | "delay") => {
      const seen: (number | string)[] = [];
      await run((w) => {
        const ref = w.store("kv", kv, {}, { server: kvProtocol });
        w.task(
          "t",
          async (ctx) => {
            seen.push(await once(ctx, ref, "incr"));
            seen.push(await once(ctx, ref, "incr"), performance.now());
          },
          { faults: true },
        );
        w.faults({ network: { probability: 1, delayMs: constant(300), countMax: 1, kinds: [kind] } });
      });
      return seen;
    };
    expect(await outcome("drop")).toEqual([expect.stringMatching(/reset before the command was sent/), 1, 0]);
    expect(await outcome("delay")).toEqual([1, 2, 300]);
  });

  it("a server restart resets every connection; it accepts connections again after downMs", async () => {
    const seen: (number | string)[] = [];
    await run((w) => {
      const ref = w.store("kv", kv, { n: 5 }, { server: kvProtocol });
      w.task("t", async (ctx) => {
        seen.push(await once(ctx, ref, "get"));
        seen.push(await once(ctx, ref, "get"), performance.now());
      });
      w.faults({ restart: { probability: 1, downMs: constant(200), countMax: 1 } });
    });
    expect(seen).toEqual([expect.stringMatching(/kv restarted/), 0, 200]);
  });

  it("clock skew moves a task's Date, not its performance.now", async () => {
    const seen: number[] = [];
    await run((w) => {
      w.task(
        "t",
        async () => {
          seen.push(Date.now() - REDIS_EPOCH_MS, performance.now());
        },
        { faults: true },
      );
      w.faults({ clockSkewMs: constant(1_000) });
    });
    expect(Math.abs(seen[0]!)).toBe(1_000);
    expect(seen[1]).toBe(0);
  });

  it("generator processes and tasks share one world; a run with every fault replays exactly", async () => {
    const build = (w: WorldBuilder) => {
      const ref = w.store("kv", kv, {}, { server: kvProtocol });
      w.process("gen", function* () {
        for (let i = 0; i < 3; i++) yield* txAt(ref)(() => ({ _tag: "Command", op: "incr", key: "n" }));
      });
      for (const name of ["a", "b"]) {
        w.task(
          name,
          async (ctx) => {
            for (let i = 0; i < 3; i++) {
              await once(ctx, ref, "incr");
              await new Promise((resolve) => setTimeout(resolve, 10 * (i + 1)));
            }
          },
          { faults: true },
        );
      }
      w.faults({
        pause: { probability: 0.1, durationMs: constant(40), countMax: 1 },
        crash: { probability: 0.05, restartDelayMs: constant(20), countMax: 1 },
        network: { probability: 0.2, delayMs: constant(15), countMax: 2 },
        restart: { probability: 0.05, downMs: constant(25), countMax: 1 },
        clockSkewMs: constant(7),
      });
    };
    for (const seed of [1, 2, 3, 4, 5]) {
      const a = await run(build, seed);
      const b = await run(build, seed);
      expect(b.decisions).toEqual(a.decisions);
      expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
      const replayed = await runAsync(runWorldGen(build, new ReplayChooser(a.decisions), { record: true }));
      expect(JSON.stringify(replayed.events)).toBe(JSON.stringify(a.events));
    }
  });
});

describe("a pause with a send queued", () => {
  it("the send goes out when the pause ends (the run does not go quiet)", async () => {
    const seen: (number | string)[] = [];
    await run((w) => {
      const ref = w.store("kv", kv, {}, { server: kvProtocol });
      w.task(
        "t",
        async (ctx) => {
          seen.push(await once(ctx, ref, "incr"), performance.now());
        },
        { faults: true },
      );
      w.faults({ pause: { probability: 1, durationMs: constant(400), countMax: 1 } });
    });
    expect(seen).toEqual([1, 400]);
  });
});
