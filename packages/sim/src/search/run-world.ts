/**
 * {@link runWorldAsync}: the async twin of `runWorld` (model/world/world.ts), for tools that run one world
 * with async tasks under their own chooser.
 */

import { runAsync } from "../model/world/drive.js";
import type { Build, RunOptions, RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import type { Chooser } from "../strategy/chooser.js";

/**
 * The same as `runWorld`, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn between
 * their steps. Resolves to the same {@link RunResult} as `runWorld` for a world of generator processes; rejects
 * where `runWorld` throws (a process or machine threw, a replay chooser diverged).
 */
export function runWorldAsync(build: Build, chooser: Chooser, options: RunOptions = {}): Promise<RunResult> {
  return runAsync(runWorldGen(build, chooser, options));
}
