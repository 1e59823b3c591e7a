// The commands the `interleave` bin prints for pasting start with `npx interleave`, which works in any project
// with @interleave/sim installed (a bare `interleave` is not on PATH there, and `pnpm replay` is a script of
// this repository only) — also under a user's own pnpm script. Only this repository's root scripts print `pnpm …`.
// Runs the built bin from plain Node, as `npx interleave` does.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/interleave.js", import.meta.url));
const built = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const registry = fileURLToPath(new URL("./registry-fixture.ts", import.meta.url));

/** `explore lost-update` through the bin, with the npm_* variables a package manager would set. */
function explore(env: Readonly<Record<string, string>>): string {
  const cwd = mkdtempSync(join(tmpdir(), "interleave-bin-"));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));
  const r = spawnSync(
    process.execPath,
    [bin, "explore", "lost-update", "--variant", "read-then-write", "--scenarios", registry, "--seed", "1"],
    { cwd, encoding: "utf8", env: { ...clean, ...env, NO_COLOR: "1", INIT_CWD: cwd } },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("the interleave bin's printed commands", () => {
  it("the bin is built (pnpm test runs pnpm build first)", () => {
    expect(existsSync(built), "run `pnpm build` before this test").toBe(true);
  });

  it("run directly (npx interleave): every replay and re-run command starts with npx interleave", () => {
    const out = explore({});
    expect(out).toMatch(/^ {4}npx interleave replay traces\/lost-update\.read-then-write\.seed-\d+\.json /m);
    expect(out).toContain(
      "Re-run exactly: npx interleave explore lost-update --variant read-then-write --seed 1",
    );
    const commands = out.split("\n").filter((l) => / (replay|explore) [a-z]/.test(l));
    expect(commands.length).toBe(4); // shrunk, original, original by seed, re-run
    for (const line of commands) expect(line).toMatch(/(: | {4})npx interleave (replay|explore) /);
    expect(out).not.toContain("pnpm");
  });

  it("under a user's own pnpm script: still npx interleave", () => {
    const out = explore({
      npm_lifecycle_event: "explore",
      npm_execpath: "/usr/lib/node_modules/pnpm/bin/pnpm.cjs",
      npm_package_name: "my-service",
    });
    expect(out).toContain("Re-run exactly: npx interleave explore lost-update");
  });

  it("under this repository's root scripts: pnpm, or npx -y pnpm@10 when pnpm runs through npx", () => {
    const pnpm = { npm_lifecycle_event: "explore", npm_package_name: "interleave" };
    const installed = explore({ ...pnpm, npm_execpath: "/usr/lib/node_modules/pnpm/bin/pnpm.cjs" });
    expect(installed).toContain("Re-run exactly: pnpm explore lost-update");
    const viaNpx = explore({ ...pnpm, npm_execpath: "/root/.npm/_npx/1234/node_modules/pnpm/bin/pnpm.cjs" });
    expect(viaNpx).toContain("Re-run exactly: npx -y pnpm@10 explore lost-update");
  });
});
