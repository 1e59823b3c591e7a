/**
 * Prints the sync-vs-reset side by side with fast-check's scheduler (bench/peer/sync-vs-reset.ts): first each
 * variant's per-schedule violation rate in both tools (the evidence that the port samples the same
 * distribution as the scenario, `serial` included: it must stay at 0), then schedules and ms to the first
 * violation of `coordinator-entry-check` over seeds 1..N. Run from the repo root:
 *
 *   npx tsx --conditions=source bench/peer/sync-vs-reset.check.ts [--rate-runs 5000] [--seeds 20] [--budget 100000]
 */
import { parseArgs } from "node:util";
import { benchSyncVsResetPeer, PORTED_VARIANTS, syncVsResetViolationRates } from "./sync-vs-reset.js";

const { values } = parseArgs({
  options: {
    "rate-runs": { type: "string", default: "5000" },
    seeds: { type: "string", default: "20" },
    budget: { type: "string", default: "100000" },
  },
});
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
};
const rateRuns = positive("rate-runs", values["rate-runs"]);
const seeds = positive("seeds", values.seeds);
const budgetRuns = positive("budget", values.budget);

console.log(`Per-schedule violation rates, ${rateRuns} schedules per tool and variant (seed 2026):`);
const rates = [];
for (const variant of Object.keys(PORTED_VARIANTS)) {
  for (const r of await syncVsResetViolationRates({ variant, runs: rateRuns, seed: 2026 })) {
    const { byProperty: _, ...flat } = r;
    rates.push(flat);
  }
}
console.table(rates);

console.log(`Schedules to the first violation, seeds 1..${seeds}, budget ${budgetRuns} per seed:`);
console.table(
  await benchSyncVsResetPeer({ seeds: Array.from({ length: seeds }, (_, i) => i + 1), budgetRuns }),
);
