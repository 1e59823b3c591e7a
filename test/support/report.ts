/**
 * What the HTML report's tests share, on the simulator's own small worlds (packages/sim/test/report.test.ts) and
 * on the shipped scenarios' counterexamples (scenarios/report.test.ts).
 */
import type { ReportRun } from "@interleave/sim/view";

/** The state of `key` after row `index` of a report run (`-1`: its initial state). */
export function stateAt(states: ReportRun["states"], key: string, index: number): unknown {
  let s: unknown;
  for (const [i, v] of states[key] ?? []) if (i <= index) s = v;
  return s;
}
