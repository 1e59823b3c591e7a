import { runWorldAsync } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import { renderTimeline } from "@interleave/sim/view";

const mod = await import(process.argv[2]!);
const v = mod.default.variants.find((x: { name: string }) => x.name === process.argv[3])!;
const r = await runWorldAsync(v.build, new RandomChooser(Number(process.argv[4])), { record: true });
const trace = {
  version: 2,
  scenario: mod.default.name,
  variant: v.name,
  seed: 0,
  strategy: "random",
  decisions: r.decisions,
  events: r.events,
  processes: r.processes,
  violation: r.violation,
  steps: r.steps,
  endMs: r.endMs,
} as never;
try {
  console.log(renderTimeline(trace, { color: false, all: true } as never));
} catch (e) {
  console.log(JSON.stringify(r.events?.slice(-40), null, 0));
  console.log(e);
}
