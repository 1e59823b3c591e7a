/**
 * What a scenario's `build` declares, collected before the world runs: its stores (keys, machines, initial
 * states, effects handlers), its top-level processes, its fault plan, its properties (added to `properties`),
 * its horizon and its finish predicate. Each declaration is checked as it is made (a key or a process declared
 * twice, a bad plan, a horizon that is not a positive integer number of ms).
 */
import { assert } from "@interleave/core";
import type { ServerProtocol, TaskBody } from "../../async/types.js";
import type { ProcessBody, StoreRef, View } from "../ops.js";
import { type FaultPlan, validatePlan } from "./faults.js";
import type { Properties } from "./properties.js";
import type { Build, EffectIo } from "./types.js";

/** The declarations of one `build` call, in declaration order; `horizonMs` `null` when none was given. */
export interface Declared {
  readonly starts: readonly {
    readonly name: string;
    readonly body: ProcessBody;
    readonly faultable: boolean;
  }[];
  readonly refs: readonly StoreRef<unknown, unknown, unknown>[];
  readonly states: readonly unknown[];
  readonly effectHandlers: readonly (((effect: unknown, io: EffectIo) => void) | undefined)[];
  /** Server protocols by store index (absent: not a server). */
  readonly servers: readonly (ServerProtocol | undefined)[];
  readonly tasks: readonly { readonly name: string; readonly body: TaskBody; readonly faultable: boolean }[];
  readonly plan: FaultPlan;
  readonly horizonMs: number | null;
  readonly finishPredicate: ((view: View) => boolean) | null;
}

/** Runs `build` once and returns what it declared; its properties go to `properties`. */
export function declare(build: Build, properties: Properties): Declared {
  const starts: { name: string; body: ProcessBody; faultable: boolean }[] = [];
  const refs: StoreRef<unknown, unknown, unknown>[] = [];
  const states: unknown[] = [];
  const effectHandlers: (((effect: unknown, io: EffectIo) => void) | undefined)[] = [];
  const servers: (ServerProtocol | undefined)[] = [];
  const tasks: { name: string; body: TaskBody; faultable: boolean }[] = [];
  const named = (name: string) => starts.some((s) => s.name === name) || tasks.some((t) => t.name === name);
  let plan: FaultPlan = {};
  let horizonMs: number | null = null;
  let finishPredicate: ((view: View) => boolean) | null = null;
  build({
    store: (key, machine, initial, storeOptions) => {
      assert(!refs.some((r) => r.key === key), `store key "${key}" is declared twice`);
      effectHandlers.push(storeOptions?.effects as ((effect: unknown, io: EffectIo) => void) | undefined);
      servers.push(storeOptions?.server as ServerProtocol | undefined);
      const ref = { key, index: refs.length, machine } as unknown as StoreRef<unknown, unknown, unknown>;
      refs.push(ref);
      states.push(initial);
      return ref as never;
    },
    process: (name, body, opts) => {
      assert(!named(name), `process "${name}" is declared twice`);
      starts.push({ name, body, faultable: opts?.faults === true });
    },
    task: (name, body, opts) => {
      assert(!named(name), `task "${name}" is declared twice (or a process has that name)`);
      assert(!name.includes("/"), `task "${name}": a task's name cannot contain "/"`);
      tasks.push({ name, body, faultable: opts?.faults === true });
    },
    faults: (declaredPlan) => {
      validatePlan(declaredPlan);
      plan = declaredPlan;
    },
    always: (name, predicate) => {
      properties.addAlways(name, predicate);
    },
    eventually: (name, predicate, { withinMs }) => {
      properties.addEventually(name, predicate, withinMs);
    },
    horizon: (ms) => {
      assert(Number.isInteger(ms) && ms > 0, `horizon must be a positive integer number of ms, got ${ms}`);
      horizonMs = ms;
    },
    finishWhen: (predicate) => {
      finishPredicate = predicate;
    },
  });
  return { starts, refs, states, effectHandlers, servers, tasks, plan, horizonMs, finishPredicate };
}
