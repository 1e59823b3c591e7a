/** Entry point of the `interleave` command (see ./main.ts). */
import { main } from "./main.js";

/** The command prefix a user can paste: a pnpm script (installed pnpm or through npx), or the bin itself. */
function invokedAs(): string {
  const execPath = process.env.npm_execpath ?? "";
  if (process.env.npm_lifecycle_event === undefined || !execPath.includes("pnpm")) return "interleave";
  return execPath.includes("/_npx/") ? "npx -y pnpm@10" : "pnpm";
}

try {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.env.INIT_CWD ?? process.cwd(),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    invokedAs: invokedAs(),
  });
} catch (error) {
  process.stderr.write(`interleave: internal error: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 3;
}
