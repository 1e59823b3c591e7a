import { exploreVariantAsync } from "@interleave/sim";

const which = process.argv[2] ?? "nightly";
const mod = await import(
  which === "nightly"
    ? "/work/main/scenarios/nightly-interest/nightly-interest.ts"
    : which === "worker"
      ? "/work/main/scenarios/heartbeat-vs-ack/worker-real.ts"
      : "/work/main/scenarios/membership-orders/dispatcher-real.ts"
);
const scenario = mod.default;
for (const v of scenario.variants) {
  const t = performance.now();
  const r = await exploreVariantAsync(scenario, v, {
    seed: 1,
    runs: Number(process.argv[3] ?? 50),
    strategy: (process.argv[4] ?? "random") as never,
  });
  console.log(
    v.name,
    r.verdict,
    r.strength,
    r.property,
    "schedules",
    r.schedules,
    "steps",
    r.steps,
    Math.round(performance.now() - t),
    "ms",
    r.counterexample ? `cx steps ${r.counterexample.steps ?? r.counterexample.events?.length}` : "",
  );
}
