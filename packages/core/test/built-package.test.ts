// Proves the `exports` map serves the build: plain Node (no tsx, no source condition) imports
// @interleave/core and @interleave/sim from dist/ the way a service depending on them would.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const simDir = fileURLToPath(new URL("../../sim", import.meta.url));
const coreDist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("built packages", () => {
  it("are built (pnpm test runs pnpm build first)", () => {
    expect(existsSync(coreDist), "run `pnpm build` before this test").toBe(true);
  });

  it("@interleave/core and @interleave/sim import from plain Node through their exports maps", () => {
    const script = `
      const core = await import("@interleave/core");
      const sim = await import("@interleave/sim");
      const q0 = core.ClaimQueue.initial({ leaseTtlMs: 15000, heartbeatIntervalMs: 5000, attemptsMax: 3,
        retryBackoffBaseMs: 1000, retryBackoffCapMs: 8000, claimBatchSizeMax: 1, itemCountMax: 10 });
      const q1 = core.ClaimQueue.transition(q0, { _tag: "Enqueue", scope: "a", atMs: 0 }).state;
      const c = core.ClaimQueue.transition(q1, { _tag: "Claim", holder: "w", batchSize: 1, atMs: 0 });
      console.log(JSON.stringify({
        resolved: import.meta.resolve("@interleave/core"),
        result: c.result._tag,
        uniform: sim.uniform(0, 2).values,
      }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: simDir,
      encoding: "utf8",
    });
    const parsed = JSON.parse(out);
    expect(parsed.resolved).toMatch(/packages\/core\/dist\/index\.js$/);
    expect(parsed.result).toBe("Claimed");
    expect(parsed.uniform).toEqual([0, 1, 2]);
  });
});
