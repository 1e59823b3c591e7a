/**
 * A headless Chromium for browser tests: Debian's `chromium` (`/usr/bin/chromium`, or `CHROMIUM_PATH`) driven by
 * `playwright-core` through `executablePath` — no browser download. Started with the flags this machine's closed
 * network needs (no background networking, no component updates, no sync); playwright gives each launch a fresh
 * temporary profile and removes it on close.
 * Without the binary, `launchChromium` fails with one line saying how to get it (`.ci/run` installs it).
 * Shared by the simulator's browser tests and the scenarios' (repository test infrastructure, not a package).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, chromium } from "playwright-core";

/** The browser binary: `CHROMIUM_PATH` when set, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : "/usr/bin/chromium";
}

/** One line for a machine without the browser. */
export const CHROMIUM_MISSING = `no Chromium at ${chromiumPath()}: install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary`;

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launch headless Chromium (see the module comment). Throws {@link CHROMIUM_MISSING} when there is none. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new Error(CHROMIUM_MISSING);
  return chromium.launch({ executablePath, headless: true, args: FLAGS });
}

/** `test-output/<name>` under the repository root (created; git-ignored), for screenshots a test saves. */
export function testOutput(name: string): string {
  const dir = resolve(import.meta.dirname, "../../test-output");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
