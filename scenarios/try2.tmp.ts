import { exploreVariantAsync } from "@interleave/sim";
import { renderTimeline } from "@interleave/sim/view";

const mod = await import(process.argv[2]!);
const scenario = mod.default;
const v = scenario.variants.find((x: { name: string }) => x.name === process.argv[3])!;
const r = await exploreVariantAsync(scenario, v, { seed: Number(process.argv[4] ?? 1), runs: 50 });
console.log(r.verdict, r.property);
if (r.counterexample) console.log(renderTimeline(r.counterexample, { color: false } as never));
