/**
 * A scenario registry that fails `tsc` is reported before exploring (issue 20, "Authoring": tsx strips types,
 * so such a registry used to run). The registry is written at test time under test-output/ (ignored by git
 * and outside `pnpm typecheck`), so the repository's typescript, tsconfig.json and @interleave/sim apply.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/index.js";
import { typecheckRegistry } from "../src/io/typecheck.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** A registry of one scenario that runs fine but has a type error on its line 8 (a string where a number goes). */
const BAD_REGISTRY = `import { defineScenario, sleep, type Scenario } from "@interleave/sim";

const typo = defineScenario({
  name: "typo",
  source: "test",
  description: "one process sleeps",
  params: {},
  variants: { base: { expect: "pass", why: "nothing races", options: { delayMs: "10" as unknown as number } } },
  build(world, _params, options) {
    const delay: number = String(options.delayMs);
    world.process("p", function* () {
      yield* sleep(Number(delay));
    });
  },
});

const scenarios: readonly Scenario[] = [typo];
export default scenarios;
`;

function writeRegistry(): string {
  const base = join(root, "test-output");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, "typecheck-"));
  const path = join(dir, "index.ts");
  writeFileSync(path, BAD_REGISTRY);
  return path;
}

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const cwd = mkdtempSync(join(tmpdir(), "interleave-typecheck-"));
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}

describe("explore and soak type-check the registry", () => {
  it("reports a registry's type errors in one block before exploring, and exits 2", async () => {
    const registry = writeRegistry();
    const r = await cli(["explore", "--scenarios", registry, "--seed", "1", "--runs", "5"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/index\.ts does not type-check \(1 error; tsc --noEmit with .*tsconfig\.json\)/);
    expect(r.stderr).toContain("pass --no-typecheck to run it anyway");
    expect(r.stderr).toMatch(
      /index\.ts\(10,11\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });

  it("soak reports them the same way", async () => {
    const registry = writeRegistry();
    const r = await cli(["soak", "--scenarios", registry, "--seed", "1", "--time-budget-ms", "1000"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("does not type-check (1 error;");
  });

  it("runs the same registry with --no-typecheck", async () => {
    const registry = writeRegistry();
    const r = await cli(["explore", "--scenarios", registry, "--seed", "1", "--runs", "5", "--no-typecheck"]);
    expect(r.stderr).not.toContain("type-check");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("typo");
  });

  it("skips a JavaScript registry, and one whose project has no typescript, saying why", () => {
    expect(typecheckRegistry(join(root, "x/index.js"), root)).toEqual({
      _tag: "Skipped",
      why: "not a TypeScript file",
    });
    const outside = mkdtempSync(join(tmpdir(), "interleave-no-ts-"));
    writeFileSync(join(outside, "index.ts"), "export default [];\n");
    expect(typecheckRegistry(join(outside, "index.ts"), outside)).toEqual({
      _tag: "Skipped",
      why: "typescript is not installed in the registry's project",
    });
  });

  it("passes a registry without type errors (the repository's own)", () => {
    expect(typecheckRegistry(join(root, "examples/first-race/scenarios/index.ts"), root)._tag).toBe("Passed");
  });
});
