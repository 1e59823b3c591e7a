/**
 * `pnpm bench`: exploration throughput and time-to-first-violation of the shipped scenarios, plus the
 * side-by-side comparison with fast-check's scheduler on a shared race model (bench/peer/). Never part of
 * `pnpm test`; results are recorded in docs/benchmarks.md with the command that produced them.
 *
 * Usage: pnpm bench [--quick] [--scenario NAME] [--no-peer]
 *   --quick     fewer runs, for a smoke check
 *   --scenario  only that scenario (repeatable); default: every scenario
 *   --no-peer   skip the fast-check comparison
 */
import { parseArgs } from "node:util";
import { exploreVariant, PCT_DEPTH_DEFAULT, type Scenario } from "@interleave/sim";
import scenarios from "../scenarios/index.js";
import { benchLostUpdate, type PeerFigures } from "./peer/lost-update.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    scenario: { type: "string", multiple: true },
    "no-peer": { type: "boolean", default: false },
  },
});
const quick = args.quick;
const selected = args.scenario ?? scenarios.map((s) => s.name);
for (const name of selected) {
  if (!scenarios.some((s) => s.name === name)) {
    console.error(`unknown scenario "${name}"; known: ${scenarios.map((s) => s.name).join(", ")}`);
    process.exit(2);
  }
}
const SEEDS = Array.from({ length: quick ? 5 : 20 }, (_, i) => i + 1);
const PASS_RUNS = quick ? 1_000 : 10_000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function benchScenario(scenario: Scenario) {
  const rows: Record<string, string | number>[] = [];
  for (const variant of scenario.variants) {
    if (variant.expect === "pass") {
      exploreVariant(scenario, variant, { seed: 0, runs: 200 }); // warm-up
      const t0 = performance.now();
      const r = exploreVariant(scenario, variant, { seed: 1, runs: PASS_RUNS });
      const ms = performance.now() - t0;
      rows.push({
        scenario: scenario.name,
        variant: variant.name,
        verdict: r.verdict,
        schedules: r.schedules,
        steps: r.steps,
        "schedules/s": Math.round(r.schedules / (ms / 1000)),
        "steps/s": Math.round(r.steps / (ms / 1000)),
      });
    } else {
      for (const strategy of ["random", "pct"] as const) {
        const schedules: number[] = [];
        const millis: number[] = [];
        let found = 0;
        for (const seed of SEEDS) {
          const t0 = performance.now();
          const r = exploreVariant(scenario, variant, { seed, strategy });
          millis.push(performance.now() - t0);
          schedules.push(r.schedules);
          if (r.verdict === "violation") found++;
        }
        rows.push({
          scenario: scenario.name,
          variant: variant.name,
          strategy: strategy === "pct" ? `pct(d=${PCT_DEPTH_DEFAULT})` : strategy,
          verdict: `violation on ${found}/${SEEDS.length} seeds`,
          "median schedules to violation": median(schedules),
          "median ms to violation": Number(median(millis).toFixed(1)),
          "max schedules": Math.max(...schedules),
        });
      }
    }
  }
  return rows;
}

console.log(
  `interleave bench · node ${process.version} · ${quick ? "quick" : "full"} · seeds ${SEEDS[0]}..${SEEDS.at(-1)}`,
);
for (const scenario of scenarios)
  if (selected.includes(scenario.name)) console.table(benchScenario(scenario));
if (args["no-peer"]) process.exit(0);

/** interleave ÷ fast-check for throughput; fast-check ÷ interleave for time (both: > 1 means interleave is ahead). */
function ratios(rows: readonly PeerFigures[]) {
  const i = rows.find((r) => r.tool === "interleave")!;
  const f = rows.find((r) => r.tool === "fast-check")!;
  return {
    "throughput interleave/fast-check": Number((i.schedulesPerSecond / f.schedulesPerSecond).toFixed(2)),
    "median ms to violation fast-check/interleave": Number(
      (f.medianMsToViolation / i.medianMsToViolation).toFixed(2),
    ),
    "mean schedules to violation fast-check/interleave": Number(
      (f.meanSchedulesToViolation / i.meanSchedulesToViolation).toFixed(2),
    ),
  };
}

console.log("Side by side with fast-check's scheduler (bench/peer/lost-update.ts), same process:");
const shallow = await benchLostUpdate({
  writers: 3,
  increments: 2,
  passRuns: quick ? 2_000 : 20_000,
  budgetRuns: 2_000,
});
console.table(shallow);
console.table([ratios(shallow)]);
const deep = await benchLostUpdate({
  writers: 2,
  increments: 1,
  prefix: 10,
  passRuns: quick ? 2_000 : 20_000,
  budgetRuns: 100_000,
  seeds: quick ? 20 : 100,
});
console.table(deep);
console.table([ratios(deep)]);
