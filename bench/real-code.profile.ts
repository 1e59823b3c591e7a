/**
 * A short run of one harness of the real-code section, to profile it (where a schedule's time goes):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx --conditions=source bench/real-code.profile.ts interleave
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx --conditions=source bench/real-code.profile.ts fc
 *
 * `interleave`: 200 schedules (or the count after the harness) of `heartbeat-vs-ack-real` `fenced-handler` without faults under
 * `exploreVariantAsync` (seed 1); `fc`: as many runs of the fast-check harness on the same code (seed 1).
 */
import { performance } from "node:perf_hooks";
import { exploreVariantAsync } from "@interleave/sim";
import fc from "fast-check";
import real, { params } from "../scenarios/heartbeat-vs-ack/worker-real.js";
import { fcRealRun } from "./peer/real-code-fc.js";

const RUNS = Number(process.argv[3] ?? 200);
const which = process.argv[2];
const t0 = performance.now();
if (which === "interleave") {
  const fenced = real.variants.find((v) => v.name === "fenced-handler")!;
  const build = fenced.buildWith({ ...params, pause: { ...params.pause, countMax: 0 } });
  const r = await exploreVariantAsync(
    real,
    { ...fenced, build },
    { seed: 1, runs: RUNS, strategy: "random" },
  );
  console.log(`interleave: ${r.verdict}, ${r.schedules} schedules, ${r.steps} steps`);
} else if (which === "fc") {
  const d = await fc.check(
    fc.asyncProperty(fc.scheduler(), async (s) => (await fcRealRun(s, true)).violation === null),
    { seed: 1, numRuns: RUNS },
  );
  console.log(`fast-check: ${d.failed ? "failed" : "pass"}, ${d.numRuns} runs`);
} else {
  console.error("usage: real-code.profile.ts interleave|fc");
  process.exit(2);
}
console.log(`${((performance.now() - t0) / 1000).toFixed(2)} s`);
