/**
 * A model registry for the tests of `check --workers` (check-workers.test.ts) and of partial-order reduction
 * (reduction.test.ts): small models written here, loaded by each worker thread from this module.
 */
import { defineModel } from "../src/model/checked-model.js";
import type { StateSpaceModel } from "../src/statespace/model.js";

export interface Counters {
  readonly phases: readonly number[];
  readonly shared: number;
}
type CounterInput = { readonly p: number; readonly kind: "prepare" | "commit" };

/**
 * `processes` processes each loop: prepare (a local step: phase 0 → 1, then 1 → 2), commit (shared += 1 when
 * phase 2, back to phase 0), until `shared` reaches `limit`. Invariant: `shared` stays below `broken`.
 */
export function counters(
  processes: number,
  limit: number,
  broken: number,
): StateSpaceModel<Counters, CounterInput> {
  const inputs: CounterInput[] = [];
  for (let p = 0; p < processes; p++) inputs.push({ p, kind: "prepare" }, { p, kind: "commit" });
  const set = (phases: readonly number[], p: number, v: number) => phases.map((x, i) => (i === p ? v : x));
  return {
    name: "counters",
    initial: { phases: Array.from({ length: processes }, () => 0), shared: 0 },
    inputs: () => inputs,
    next: (s, { p, kind }) => {
      const phase = s.phases[p]!;
      if (kind === "prepare") return phase < 2 ? { ...s, phases: set(s.phases, p, phase + 1) } : null;
      return phase === 2 && s.shared < limit ? { phases: set(s.phases, p, 0), shared: s.shared + 1 } : null;
    },
    invariants: [{ name: "shared stays below the bound", holds: (s) => s.shared < broken }],
    key: (s) => `${s.phases.join(",")}|${s.shared}`,
    reduction: { process: (i) => i.p, localOnly: (s, p) => s.phases[p]! < 2 },
  };
}

/** An n × n torus walked by `right` and `up`, keyed by number; no reduction. */
function torus(n: number): StateSpaceModel<number, "right" | "up"> {
  const inputs = ["right", "up"] as const;
  return {
    name: "torus",
    initial: 0,
    inputs: () => inputs,
    next: (s, input) => (input === "right" ? (s + 1) % (n * n) : (s + n) % (n * n)),
    invariants: [{ name: "in range", holds: (s) => s >= 0 && s < n * n }],
    key: (s) => s,
  };
}

const source = "packages/sim/test (written for the tests)";
export default [
  defineModel({
    name: "counters",
    machine: "none",
    description: "4 processes, local prepare steps, shared counter to 5",
    source,
    expect: "pass",
    why: "the counter stays in bounds",
    build: () => counters(4, 5, 99),
  }),
  defineModel({
    name: "counters-broken",
    machine: "none",
    description: "the same, bound 4",
    source,
    expect: "violation",
    why: "the counter reaches the bound",
    build: () => counters(4, 5, 4),
  }),
  defineModel({
    name: "torus",
    machine: "none",
    description: "a 400 × 400 torus (more states than the shared set's first size: it grows)",
    source,
    expect: "pass",
    why: "every state in range",
    build: () => torus(400),
  }),
];
