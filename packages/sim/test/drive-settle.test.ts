/**
 * Every path that runs worlds goes through `runWorldGen`, so a world that yields `SETTLE` (as one with async
 * tasks does) reaches the driver: the synchronous entry points throw `AsyncTasksError` naming the scenario and
 * variant, and the `…Async` ones and the CLI (`explore`, `replay`, `report`, `soak`) run it to the same result.
 * `runWorldGen` is wrapped here to yield one `SETTLE` before each run while `settling.on` is set.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/cli/index.js";
import {
  AsyncTasksError,
  assertVariant,
  checkDeterminism,
  exploreVariant,
  exploreVariantAsync,
  replaySeed,
  replayTrace,
  replayTraceAsync,
  type VariantResult,
} from "../src/index.js";
import { exhaustiveSearch, shrinkTrace } from "../src/search/index.js";
import { pctSteps } from "../src/strategy/index.js";
import { reportRunOf } from "../src/view/index.js";
import { lostUpdate } from "./fixtures.js";

const settling = vi.hoisted(() => ({ on: false, settles: 0 }));

vi.mock("../src/model/world/world.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/model/world/world.js")>();
  const { SETTLE } = await import("../src/model/world/drive.js");
  return {
    ...real,
    *runWorldGen(...args: Parameters<typeof real.runWorldGen>) {
      if (settling.on) {
        settling.settles++;
        yield SETTLE;
      }
      return yield* real.runWorldGen(...args);
    },
  };
});

afterEach(() => {
  settling.on = false;
  settling.settles = 0;
});

const variant = (name: string) => lostUpdate.variants.find((v) => v.name === name)!;
const v = variant("read-then-write");
const where = /^lost-update\/read-then-write runs async tasks \(world\.task\)/;

function essence(r: VariantResult) {
  const { elapsedMs: _e, counterexample, original, ...rest } = r;
  return { ...rest, counterexample: counterexample?.fingerprint, original: original?.fingerprint };
}

describe("a world that settles", () => {
  it("the synchronous entry points throw AsyncTasksError naming it", () => {
    const trace = exploreVariant(lostUpdate, v, { seed: 3, shrink: false }).counterexample!;
    settling.on = true;
    expect(() => exploreVariant(lostUpdate, v, { seed: 3 })).toThrow(where);
    expect(() => exploreVariant(lostUpdate, v, { seed: 3, strategy: "exhaustive" })).toThrow(where);
    expect(() => replayTrace(lostUpdate, v, trace)).toThrow(where);
    expect(() => replaySeed(lostUpdate, v, 3)).toThrow(where);
    expect(() => checkDeterminism(lostUpdate, v, 3)).toThrow(where);
    expect(() => shrinkTrace(lostUpdate, v, trace, { runsMax: 10 })).toThrow(where);
    expect(() => assertVariant(lostUpdate, "read-then-write")).toThrow(where);
    expect(() => reportRunOf(trace, "run", { scenario: lostUpdate, variant: v })).toThrow(where);
    expect(() => pctSteps(v)).toThrow(/^the PCT pilot run of variant read-then-write runs async tasks/);
    expect(() => exhaustiveSearch(v.build, { depth: 3 })).toThrow(AsyncTasksError);
  });

  it.each(["random", "pct", "exhaustive"] as const)(
    "exploreVariantAsync (%s) settles at every run and finds what exploreVariant finds without settling",
    async (strategy) => {
      const options = { seed: 3, runs: 100, strategy };
      const sync = exploreVariant(lostUpdate, v, options);
      settling.on = true;
      const async = await exploreVariantAsync(lostUpdate, v, options);
      expect(essence(async)).toEqual(essence(sync));
      expect(settling.settles).toBeGreaterThan(async.schedules);
      expect((await replayTraceAsync(lostUpdate, v, async.counterexample!))._tag).toBe("Reproduced");
    },
  );

  it("the CLI runs it: explore (with --html), replay by trace and by seed, report, soak", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "interleave-settle-"));
    let stdout = "";
    const io = { stdout: (t: string) => (stdout += t), stderr: () => {}, cwd };
    const cli = (args: string[]) => runCli(args, io, { scenarios: [lostUpdate] });
    settling.on = true;
    expect(await cli(["explore", "--seed", "1", "--html", "--json"])).toBe(0);
    const trace = JSON.parse(stdout).results[0].trace as string;
    expect(readdirSync(join(cwd, "traces")).some((f) => f.endsWith(".html"))).toBe(true);
    expect(await cli(["replay", trace])).toBe(0);
    expect(await cli(["replay", "lost-update", "--variant", "read-then-write", "--seed", "5"])).toBe(0);
    expect(await cli(["report", trace, "--out", join(cwd, "again.html")])).toBe(0);
    expect(await cli(["soak", "lost-update", "--variant", "atomic-increment", "--schedules", "40"])).toBe(0);
    expect(settling.settles).toBeGreaterThan(40);
  });
});
