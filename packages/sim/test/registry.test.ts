// A registry that cannot import @interleave/sim (a scenarios file in a directory with no node_modules holding
// it) is bad input: one line saying why and what to install, exit 2 — not a stack trace and exit 3 ("a scenario
// threw"). Runs the built `interleave` bin from plain Node, as a user's `npx interleave` does: under vitest the
// aliases would resolve @interleave/sim from anywhere.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/interleave.js", import.meta.url));
const built = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));

/** A registry file `scenarios/index.<ext>` in a fresh temporary directory (no node_modules above it). */
function registryOutsideAnyProject(ext: "js" | "ts"): string {
  const dir = mkdtempSync(join(tmpdir(), "interleave-registry-"));
  mkdirSync(join(dir, "scenarios"));
  const path = join(dir, "scenarios", `index.${ext}`);
  const typed = ext === "ts" ? ": unknown[]" : "";
  writeFileSync(
    path,
    `import { defineScenario } from "@interleave/sim";\nconst all${typed} = [defineScenario];\nexport default all;\n`,
  );
  return path;
}

function explore(registry: string) {
  const r = spawnSync(process.execPath, [bin, "explore", "--scenarios", registry, "--seed", "1"], {
    cwd: tmpdir(),
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("scenario registry loading", () => {
  it("the bin is built (pnpm test runs pnpm build first)", () => {
    expect(existsSync(built), "run `pnpm build` before this test").toBe(true);
  });

  for (const ext of ["js", "ts"] as const) {
    it(`a .${ext} registry that cannot import @interleave/sim: one line naming the fix, exit 2`, () => {
      const registry = registryOutsideAnyProject(ext);
      const r = explore(registry);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `interleave: scenario registry ${registry} cannot import @interleave/sim: it is not installed where the registry is (no node_modules/@interleave/sim in ${join(registry, "..")} or above); install it in that project (npm install --save-dev @interleave/sim)\n`,
      );
    });
  }
});
