/**
 * `pnpm bench --only shrink`: how close shrinking gets to the shortest counterexample. For every violation
 * variant of the model scenarios, over seeds 1 … N: the counterexample the variant's default strategy finds
 * (unshrunk), the same shrunk with the budget `explore` gives it (EXPLORE_SHRINK_RUNS candidate runs, counted),
 * and the shortest reference: the shortest shrunk counterexample over the seeds. Lengths are steps (what
 * `explore` prints as "shrunk: a → b steps"); events (trace lines) beside them. Ratio = shrunk ÷ shortest,
 * median and worst over the seeds. Where a checker model exists for the same race, the checker's
 * breadth-first shortest is printed beside it, counted as machine inputs (ticks left out: a model's tick is a
 * step of its clock, a scenario's clock moves inside a sleep), against the shrunk trace's transitions of the
 * same machine (its tx events on the modelled store).
 */
import { exploreVariant, type Scenario, type Trace } from "@interleave/sim";
import { EXPLORE_SHRINK_RUNS, shrinkTrace } from "@interleave/sim/search";
import { median } from "./support/measure.js";

/** A scenario variant beside the checker model of the same race: the model, and the store it models. */
export interface CheckerPair {
  readonly scenario: string;
  readonly variant: string;
  readonly model: string;
  readonly store: string;
}

const CHECKER_PAIRS: readonly CheckerPair[] = [
  {
    scenario: "heartbeat-vs-ack",
    variant: "retry-without-recheck",
    model: "claim-queue-retry-without-recheck",
    store: "queue",
  },
  {
    scenario: "heartbeat-vs-ack",
    variant: "drain-ignores-ack-result",
    model: "claim-queue-updated-at-guard",
    store: "queue",
  },
];

const txOn = (t: Trace, store: string) => t.events.filter((e) => e.op === "tx" && e.key === store).length;

/** The checker's shortest counterexample of `model`, in machine inputs other than ticks. */
async function checkerInputs(model: string): Promise<number> {
  const { default: models } = await import("../scenarios/models.js");
  const m = models.find((x) => x.name === model)!;
  const { path } = m.check();
  if (path === null) throw new Error(`${model}: expected a violation`);
  // path[0] is the initial state, not an input
  return path.slice(1).filter((s) => !s.input.startsWith("tick")).length;
}

export async function benchShrink(scenarios: readonly Scenario[], options: { readonly seeds: number }) {
  const rows: Record<string, string | number>[] = [];
  for (const scenario of scenarios) {
    for (const variant of scenario.variants.filter((v) => v.expect === "violation")) {
      const found: number[] = [];
      const shrunk: number[] = [];
      const foundEvents: number[] = [];
      const shrunkEvents: number[] = [];
      const runs: number[] = [];
      const millis: number[] = [];
      const traces: Trace[] = [];
      for (let seed = 1; seed <= options.seeds; seed++) {
        const r = exploreVariant(scenario, variant, { seed, shrink: false });
        if (r.verdict !== "violation") continue;
        const original = r.counterexample!;
        const t0 = performance.now();
        const s = shrinkTrace(scenario, variant, original, {
          runsMax: EXPLORE_SHRINK_RUNS,
          timeBudgetMs: Number.POSITIVE_INFINITY,
        });
        millis.push(performance.now() - t0);
        found.push(original.steps);
        foundEvents.push(original.events.length);
        shrunk.push(s.trace.steps);
        shrunkEvents.push(s.trace.events.length);
        runs.push(s.attempts);
        traces.push(s.trace);
      }
      const shortest = Math.min(...shrunk);
      const pair = CHECKER_PAIRS.find((p) => p.scenario === scenario.name && p.variant === variant.name);
      const checker = pair === undefined ? null : await checkerInputs(pair.model);
      const machine = pair === undefined ? [] : traces.map((t) => txOn(t, pair.store));
      rows.push({
        variant: `${scenario.name}/${variant.name}`,
        seeds: `${found.length}/${options.seeds}`,
        "found steps (median)": median(found),
        "shrunk steps (median)": median(shrunk),
        "shrunk steps (max)": Math.max(...shrunk),
        "shortest shrunk": shortest,
        "ratio median": Number((median(shrunk) / shortest).toFixed(2)),
        "ratio max": Number((Math.max(...shrunk) / shortest).toFixed(2)),
        "events found→shrunk (median)": `${median(foundEvents)}→${median(shrunkEvents)}`,
        "checker inputs": checker === null ? "—" : `${checker} (${pair!.model})`,
        "machine tx shrunk (median, max)":
          checker === null ? "—" : `${median(machine)}, ${Math.max(...machine)}`,
        "candidate runs (median, max)": `${median(runs)}, ${Math.max(...runs)}`,
        "ms (median)": Number(median(millis).toFixed(1)),
      });
    }
  }
  return rows;
}
