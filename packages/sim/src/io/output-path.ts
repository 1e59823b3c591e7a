/**
 * Output locations, checked before a command runs: a directory the CLI will write into (`--traces-dir`) or the
 * directory of a file it will write (`report --out`, `lincheck --html`) must be usable, so a long exploration
 * never ends in a stack trace, a lost results table, or a hang (Node's recursive `mkdir` loops forever under
 * /proc). Every check is short and non-blocking: `stat`, `statfs`, and one probe file created with `O_EXCL`
 * and removed at once.
 */
import { randomBytes } from "node:crypto";
import { statfsSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { InputError } from "../model/scenario.js";

/**
 * The kernel pseudo-filesystems no output belongs on, by `statfs` magic number (linux/magic.h): writes there
 * fail late or, for a recursive mkdir, never return.
 */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1cd1, "devpts"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0xcafe4a11, "bpf"],
]);

/** The same by path, where `statfs` is unavailable (not Linux, or an old Node). */
const PSEUDO_ROOTS: readonly (readonly [string, string])[] = [
  ["/proc", "proc"],
  ["/sys", "sysfs"],
];

/**
 * Check that the CLI could write files into the directory `dir` (resolved against `cwd`): it is a directory,
 * or does not exist yet and its nearest existing ancestor is a directory (the writers create the rest); that
 * ancestor is not on a kernel pseudo-filesystem (/proc, /sys, …); and a probe file can be created in it (and is
 * removed again). `option` names the flag in the message (`--traces-dir`).
 *
 * @throws {@link InputError} with one line naming the path and the problem.
 */
export function checkOutputDirectory(cwd: string, dir: string, option: string): void {
  const path = resolve(cwd, dir);
  const existing = nearestExisting(path, `${option} ${dir}`);
  const what = existing === path ? `${option} ${dir}` : `${option} ${dir}: ${existing}`;
  checkUsable(existing, what);
}

/**
 * Check that the CLI could write the file `path` (absolute): it is not a directory, and its directory passes
 * {@link checkOutputDirectory}'s checks (it exists or can be created, is not on a pseudo-filesystem, takes a
 * probe file). `option` names the flag in the message (`--out`).
 *
 * @throws {@link InputError} with one line naming the path and the problem.
 */
export function checkOutputFile(path: string, option: string): void {
  const what = `${option} ${path}`;
  const existing = nearestExisting(path, what);
  if (existing === path) {
    if (isDirectoryAt(path, what)) throw new InputError(`${what} is a directory, not a file`);
    checkUsable(dirname(path), what);
    return;
  }
  checkUsable(existing, existing === dirname(path) ? what : `${what}: ${existing}`);
}

/** `path` or its nearest ancestor that exists. */
function nearestExisting(path: string, what: string): string {
  let existing = path;
  for (;;) {
    try {
      statSync(existing);
      return existing;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new InputError(`${what} cannot be read: ${code}`);
    }
    const parent = dirname(existing);
    if (parent === existing) return existing;
    existing = parent;
  }
}

function isDirectoryAt(path: string, what: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    throw new InputError(`${what} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** The existing `dir` is a directory, on a real filesystem, and takes a probe file; `what` opens the message. */
function checkUsable(dir: string, what: string): void {
  if (!isDirectoryAt(dir, what)) throw new InputError(`${what} is not a directory`);
  const pseudo = pseudoFilesystemOf(dir);
  if (pseudo !== null) {
    throw new InputError(
      `${what} is on the kernel's ${pseudo} pseudo-filesystem, where no file can be written`,
    );
  }
  const probe = join(dir, `.interleave-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    writeFileSync(probe, "", { flag: "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EROFS" ? "is on a read-only filesystem" : "is not writable";
    throw new InputError(`${what} ${why} (${code ?? error})`);
  }
  try {
    unlinkSync(probe);
  } catch {
    // the probe was written, so the directory is writable; a leftover empty dotfile is harmless
  }
}

/** The pseudo-filesystem `dir` is on, or null for a real one. */
function pseudoFilesystemOf(dir: string): string | null {
  for (const [root, name] of PSEUDO_ROOTS) {
    if (dir === root || dir.startsWith(`${root}${sep}`)) return name;
  }
  try {
    return PSEUDO_FILESYSTEMS.get(Number(statfsSync(dir).type)) ?? null;
  } catch {
    return null;
  }
}
