import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertVariant, readTrace, replayTrace, type Scenario } from "../src/index.js";
import { lostUpdate } from "./fixtures.js";

describe("assertVariant", () => {
  it("returns the result when the verdict is the expected one, with every strategy", () => {
    for (const strategy of ["random", "pct", "exhaustive"] as const) {
      expect(assertVariant(lostUpdate, "read-then-write", { strategy }).verdict).toBe("violation");
      expect(assertVariant(lostUpdate, "atomic-increment", { strategy }).verdict).toBe("pass");
    }
  });

  it("throws with the violated property and a replay command whose trace reproduces", () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-assert-"));
    let message = "";
    try {
      assertVariant(lostUpdate, "read-then-write", { expect: "pass", tracesDir: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /lost-update\/read-then-write \(random\): expected a pass, but "every increment is counted" was violated/,
    );
    const path = /replay: pnpm replay (\S+)/.exec(message)?.[1];
    expect(path !== undefined && existsSync(path)).toBe(true);
    const variant = lostUpdate.variants[0]!;
    expect(replayTrace(lostUpdate, variant, readTrace(path!))._tag).toBe("Reproduced");
  });

  it("throws when an expected violation is not found, and when an exhaustive pass verified nothing", () => {
    expect(() => assertVariant(lostUpdate, "atomic-increment", { expect: "violation" })).toThrow(
      /expected a violation, found none \(200 schedules/,
    );
    const slow: Scenario = { ...lostUpdate };
    expect(() =>
      assertVariant(slow, "atomic-increment", {
        strategy: "exhaustive",
        bounds: { deviations: Number.POSITIVE_INFINITY },
        timeBudgetMs: 0,
      }),
    ).toThrow(/not verified — the search stopped \(time\)/);
    expect(() => assertVariant(lostUpdate, "nope")).toThrow(/unknown variant "nope"/);
  });
});
