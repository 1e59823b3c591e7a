// The dependency-graph searches of TaskDeps (./task-deps.ts): the cycle through a task (declared cycles are
// blocked, seed 001's ORCH-026 Level B) and the tasks on it. Pure functions over the state's task record.

import { getOwn } from "./internal/record.js";
import type { Task } from "./task-deps.js";

/** One frame of the depth-first search: a task on the current path and the index of its next dependency. */
interface Frame {
  readonly task: Task;
  next: number;
}

/**
 * Depth-first search from `start` over known dependencies, in declaration order, with an explicit stack:
 * the path from `start` when an edge leads back to `start`, else `null`. Each task is entered at most once
 * (one entered before and fully explored cannot reach `start`, or the search would have stopped), so the
 * search is linear in tasks plus dependencies and the path never repeats an id.
 */
export function cycleThrough(tasks: Readonly<Record<string, Task>>, start: string): string[] | null {
  const startTask = getOwn(tasks, start);
  if (startTask === undefined) {
    return null;
  }
  const entered = new Set<string>([start]);
  const path: Frame[] = [{ task: startTask, next: 0 }];
  while (path.length > 0) {
    const frame = path[path.length - 1]!;
    const dep = frame.task.deps[frame.next];
    if (dep === undefined) {
      path.pop();
      continue;
    }
    frame.next += 1;
    if (dep === start) {
      return path.map((entry) => entry.task.id);
    }
    const depTask = getOwn(tasks, dep);
    if (depTask !== undefined && !entered.has(dep)) {
      entered.add(dep);
      path.push({ task: depTask, next: 0 });
    }
  }
  return null;
}

/**
 * The tasks on some dependency cycle through `start` (its strongly connected component over known
 * dependencies): those reachable from `start` that also reach it. Includes `start` when it is on a cycle.
 * In ascending `seq` order.
 */
export function cycleMembers(tasks: Readonly<Record<string, Task>>, start: string): string[] {
  const dependents = new Map<string, string[]>();
  for (const task of Object.values(tasks)) {
    for (const dep of task.deps) {
      if (getOwn(tasks, dep) === undefined) {
        continue;
      }
      const list = dependents.get(dep);
      if (list === undefined) {
        dependents.set(dep, [task.id]);
      } else {
        list.push(task.id);
      }
    }
  }
  const forward = reachable(
    start,
    (id) => getOwn(tasks, id)?.deps.filter((dep) => getOwn(tasks, dep) !== undefined) ?? [],
  );
  const backward = reachable(start, (id) => dependents.get(id) ?? []);
  return Object.values(tasks)
    .filter((task) => forward.has(task.id) && backward.has(task.id))
    .sort((a, b) => a.seq - b.seq)
    .map((task) => task.id);
}

/** The ids reachable from `start` by one or more `next` steps (breadth-first, explicit queue). */
function reachable(start: string, next: (id: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [start];
  for (let index = 0; index < queue.length; index += 1) {
    for (const id of next(queue[index]!)) {
      if (!seen.has(id)) {
        seen.add(id);
        queue.push(id);
      }
    }
  }
  return seen;
}
