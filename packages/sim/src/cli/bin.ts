/** Entry point of the `interleave` command (see ./main.ts). */
import { main } from "./main.js";
import { outputColumns } from "./table.js";

/**
 * The command prefix a user can paste: `npx interleave` (works in any project with @interleave/sim installed;
 * a bare `interleave` is not on PATH there), except under this repository's own root scripts (`pnpm explore`,
 * run by installed pnpm or through npx), whose names match the subcommands.
 */
function invokedAs(): string {
  const execPath = process.env.npm_execpath ?? "";
  const ownScripts =
    process.env.npm_package_name === "interleave" && process.env.npm_lifecycle_event !== undefined;
  if (!ownScripts || !execPath.includes("pnpm")) return "npx interleave";
  return execPath.includes("/_npx/") ? "npx -y pnpm@10" : "pnpm";
}

try {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.env.INIT_CWD ?? process.cwd(),
    columns: outputColumns(process.env, process.stdout),
    invokedAs: invokedAs(),
    ...(process.stdout.isTTY && process.stderr.isTTY
      ? { progress: process.stderr }
      : { progressLines: (t: string) => process.stderr.write(t) }),
  });
} catch (error) {
  // A scenario or machine threw (a bug in the model, or a core assert): say where, with the stack below.
  const e = error as Error;
  const stack = e.cause instanceof Error ? e.cause.stack : e.stack;
  process.stderr.write(`interleave: ${e.message}\n${stack ?? ""}\n`);
  process.exitCode = 3;
}
