/**
 * `pnpm bench`: how fast each strategy finds the shipped scenarios' races, how long exhaustive search takes to
 * verify their fixed variants, side-by-side comparisons with fast-check's scheduler on shared race models
 * (bench/peer/), explicit-state throughput (bench/statespace.ts), and the speed-up of worker threads. Never
 * part of `pnpm test`; results are recorded in docs/benchmarks.md with the command that produced them.
 *
 * Usage: pnpm bench [--quick] [--scenario NAME] [--only SECTION] [--no-peer]
 *   --quick     fewer seeds and runs, for a smoke check
 *   --scenario  only that scenario (repeatable); default: every scenario
 *   --only      one section (repeatable): strategies, exhaustive, models, peer, statespace, spin (SPIN side by
 *               side: bench/peer/spin, skipped when spin or a C compiler is missing), check-workers (check
 *               --workers 2 against one thread, beside the two-thread ceiling), workers, redis-lease,
 *               redis-queue, redis-mailbox (the Redis ones start their own redis-server on a free loopback port),
 *               lincheck (the linearizability checker on generated Lease and ClaimQueue histories),
 *               real-code (issue 21: the real runtime code under interleave and under fc.scheduler, beside the model),
 *               shrink (shrunk length against the shortest counterexample, per violation variant)
 *   --no-peer   skip the fast-check comparisons (the peer section, and fast-check's rows of real-code)
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { exploreVariant, type Scenario, type Strategy } from "@interleave/sim";
import { WorkerPool, workerBundleDir } from "@interleave/sim/cli";
import { strategyLabel } from "@interleave/sim/strategies";
import scenarios, { modelScenarios } from "../scenarios/index.js";
import { benchLostUpdate, type PeerFigures } from "./peer/lost-update.js";
import { benchSyncVsResetPeer } from "./peer/sync-vs-reset.js";
import { median } from "./support/measure.js";

const SECTIONS = [
  "strategies",
  "exhaustive",
  "models",
  "peer",
  "statespace",
  "spin",
  "check-workers",
  "workers",
  "redis-lease",
  "redis-queue",
  "redis-mailbox",
  "lincheck",
  "real-code",
  "shrink",
] as const;
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    scenario: { type: "string", multiple: true },
    only: { type: "string", multiple: true },
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
for (const section of args.only ?? []) {
  if (!(SECTIONS as readonly string[]).includes(section)) {
    console.error(`unknown section "${section}"; known: ${SECTIONS.join(", ")}`);
    process.exit(2);
  }
}
const run = (section: (typeof SECTIONS)[number]) =>
  (args.only === undefined || args.only.includes(section)) && !(section === "peer" && args["no-peer"]);
const SEEDS = Array.from({ length: quick ? 5 : 20 }, (_, i) => i + 1);
const PASS_RUNS = quick ? 1_000 : 10_000;
// The strategy and exhaustive sections run the model scenarios; the real-code ones have their own section.
const chosen = modelScenarios.filter((s) => selected.includes(s.name));

/** Schedules and ms to the first violation (no shrinking: finding, plus recording the trace). */
function toViolation(scenario: Scenario, variantName: string, strategy: Strategy) {
  const variant = scenario.variants.find((v) => v.name === variantName)!;
  // exhaustive search has no seed: one search, deterministic
  const seeds = strategy === "exhaustive" ? [1] : SEEDS;
  const schedules: number[] = [];
  const millis: number[] = [];
  let found = 0;
  let missed = "";
  for (const seed of seeds) {
    const t0 = performance.now();
    const r = exploreVariant(scenario, variant, { seed, strategy, shrink: false });
    millis.push(performance.now() - t0);
    schedules.push(r.schedules);
    if (r.verdict === "violation") found++;
    else missed = `none: pass (${r.strength})${r.bound === null ? "" : `, ${r.bound}`}`;
  }
  return {
    scenario: scenario.name,
    variant: variantName,
    strategy: strategyLabel({ strategy }, scenario) + (strategy === scenario.strategy ? " (default)" : ""),
    verdict:
      strategy === "exhaustive"
        ? found === 1
          ? "violation"
          : missed
        : `violation on ${found}/${seeds.length} seeds`,
    "median schedules to violation": median(schedules),
    "mean schedules": Number((schedules.reduce((a, b) => a + b, 0) / schedules.length).toFixed(1)),
    "median ms to violation": Number(median(millis).toFixed(1)),
    "max schedules": Math.max(...schedules),
  };
}

function benchStrategies(scenario: Scenario) {
  const rows: Record<string, string | number>[] = [];
  for (const variant of scenario.variants) {
    if (variant.expect === "pass") {
      // random, then feedback: its pass over the same budget, and its cost per schedule beside random's
      for (const strategy of ["random", "feedback"] as const) {
        exploreVariant(scenario, variant, { seed: 0, runs: 200, strategy }); // warm-up
        const t0 = performance.now();
        const r = exploreVariant(scenario, variant, { seed: 1, runs: PASS_RUNS, strategy });
        const ms = performance.now() - t0;
        rows.push({
          scenario: scenario.name,
          variant: variant.name,
          strategy,
          verdict: `${r.verdict}, ${r.schedules} schedules`,
          "schedules/s": Math.round(r.schedules / (ms / 1000)),
          "steps/s": Math.round(r.steps / (ms / 1000)),
          "ms/schedule": Number((ms / r.schedules).toFixed(3)),
        });
      }
    } else {
      for (const strategy of ["random", "pct", "exhaustive", "feedback"] as const)
        rows.push(toViolation(scenario, variant.name, strategy));
    }
  }
  return rows;
}

/**
 * Exhaustive search of every pass variant with the defaults: the deviation budget deepens by itself until the
 * search is complete or its default time budget (10 s per variant) ends. Reports the verdict's strength, the
 * bound it reached and the deepest deviation level completed.
 */
function benchExhaustive(scenario: Scenario) {
  return scenario.variants
    .filter((v) => v.expect === "pass")
    .map((variant) => {
      const t0 = performance.now();
      const r = exploreVariant(scenario, variant, { seed: 1, strategy: "exhaustive" });
      const ms = performance.now() - t0;
      const c = r.coverage;
      return {
        scenario: scenario.name,
        variant: variant.name,
        bounds: c?.bounds ?? "",
        verdict: r.strength === null ? r.verdict : `${r.verdict} (${r.strength})`,
        bound: r.bound ?? "—",
        "deepest level": c?.deepest ?? "—",
        "schedules within it": c === null || c.deepest === null ? "—" : (c.levelSchedules[c.deepest] ?? 0),
        schedules: r.schedules,
        "stopped by": c?.stoppedBy ?? "—",
        seconds: Number((ms / 1000).toFixed(2)),
      };
    });
}

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

/**
 * The machine's own ceiling for two threads: the same fixed CPU-bound loop once on this thread, then on two
 * worker threads at once. On a VM whose two vCPUs share a physical core, this is well below 2.
 */
async function twoThreadCeiling() {
  const loop = "let x = 0; for (let i = 0; i < 6e8; i++) x = (x + i) % 7;";
  let t0 = performance.now();
  new Function(loop)();
  const one = performance.now() - t0;
  const { Worker } = await import("node:worker_threads");
  t0 = performance.now();
  await Promise.all(
    [0, 1].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(`${loop} require("node:worker_threads").parentPort.postMessage(x);`, {
            eval: true,
          });
          w.once("message", () => void w.terminate().then(() => resolve()));
          w.once("error", reject);
        }),
    ),
  );
  const two = performance.now() - t0;
  return {
    "same loop, 1 thread s": Number((one / 1000).toFixed(2)),
    "twice, on 2 threads s": Number((two / 1000).toFixed(2)),
    "ceiling speed-up": Number(((2 * one) / two).toFixed(2)),
  };
}

/**
 * One thread vs `--workers 2` on the same exploration, worker start-up included: a new pool's first explore (the
 * main thread explores at once; the worker joins once it has loaded the bundle), with the bundle cache emptied
 * first (`cold`: esbuild compiles the registry) and with it cached (`warm`), then the same pool again (steady
 * state). Process CPU time (all threads; esbuild's own process not included) shows what start-up costs
 * whatever the load.
 */
async function benchWorkers() {
  const registry = fileURLToPath(new URL("../scenarios/index.ts", import.meta.url));
  const cases = [
    { scenario: "membership-orders", variant: "mailbox-supersede", runs: quick ? 2_000 : 10_000 },
    { scenario: "sync-vs-reset", variant: "serial", runs: quick ? 5_000 : 40_000 },
  ];
  const rows: Record<string, string | number | boolean>[] = [];
  const s = (ms: number) => Number((ms / 1000).toFixed(2));
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (const c of cases) {
    const scenario = scenarios.find((x) => x.name === c.scenario)!;
    const variant = scenario.variants.find((v) => v.name === c.variant)!;
    const options = { seed: 1, runs: c.runs };
    exploreVariant(scenario, variant, { seed: 0, runs: 200 }); // warm-up
    let t0 = performance.now();
    let c0 = cpu();
    const one = exploreVariant(scenario, variant, options);
    const single = { wall: performance.now() - t0, cpu: cpu() - c0 };
    const timed = async (pool: WorkerPool) => {
      t0 = performance.now();
      c0 = cpu();
      const result = await pool.explore(registry, scenario, variant, options);
      return { wall: performance.now() - t0, cpu: cpu() - c0, result, threads: pool.lastThreads };
    };
    rmSync(workerBundleDir(), { recursive: true, force: true });
    const coldPool = new WorkerPool(2);
    const cold = await timed(coldPool);
    const coldReady = coldPool.readyMs;
    await coldPool.close();
    const pool = new WorkerPool(2);
    const warm = await timed(pool);
    const steady = await timed(pool);
    await pool.close();
    const same = [cold, warm, steady].every(
      (r) =>
        r.result.verdict === one.verdict &&
        r.result.schedules === one.schedules &&
        r.result.steps === one.steps,
    );
    rows.push({
      exploration: `${c.scenario}/${c.variant}, ${c.runs} schedules`,
      "1 thread s": s(single.wall),
      "cold: --workers 2 s (bundle built)": s(cold.wall),
      "cold speed-up": Number((single.wall / cold.wall).toFixed(2)),
      "warm: --workers 2 s (bundle cached)": s(warm.wall),
      "warm speed-up": Number((single.wall / warm.wall).toFixed(2)),
      "steady speed-up": Number((single.wall / steady.wall).toFixed(2)),
      "worker ready s (cold, warm)": `${s(coldReady ?? 0)}, ${s(pool.readyMs ?? 0)}`,
      "CPU s (1 thread, cold, warm, steady)": [single, cold, warm, steady].map((r) => s(r.cpu)).join(", "),
      "threads (cold, warm)": `${cold.threads}, ${warm.threads}`,
      "same result": same,
    });
  }
  return rows;
}

console.log(
  `interleave bench · node ${process.version} · ${quick ? "quick" : "full"} · seeds ${SEEDS[0]}..${SEEDS.at(-1)}`,
);
if (run("strategies")) {
  console.log(
    "Schedules and ms to the first violation (random/pct/feedback: median over seeds; exhaustive: one search):",
  );
  for (const scenario of chosen) console.table(benchStrategies(scenario));
}
if (run("exhaustive")) {
  console.log(
    "Exhaustive search of the pass variants, deepening within the default budget (10 s per variant):",
  );
  console.table(chosen.flatMap(benchExhaustive));
}
if (run("models")) {
  const { default: models } = await import("../scenarios/models.js");
  console.log("interleave check --all: every registered model (scenarios/models.ts), one core:");
  const rows = models.map((model) => {
    const { result } = model.check();
    return {
      model: model.name,
      machine: model.machine,
      expect: model.expect,
      verdict: result._tag,
      states: result.states,
      depth: result.depth,
      "states/s": result.statesPerSecond,
      seconds: Number((result.elapsedMs / 1000).toFixed(2)),
    };
  });
  console.table(rows);
  console.log(`total: ${rows.reduce((n, r) => n + r.seconds, 0).toFixed(1)} s over ${rows.length} models`);
}
if (run("peer")) {
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
  console.log(
    "sync-vs-reset coordinator-entry-check vs fc.scheduler (bench/peer/sync-vs-reset.ts), same process:",
  );
  console.table(
    await benchSyncVsResetPeer({ seeds: SEEDS, budgetRuns: 100_000, passRuns: quick ? 500 : 2_000 }),
  );
}
if (run("statespace")) {
  const { benchStateSpace } = await import("./statespace.js");
  console.log("Explicit-state breadth-first checking (bench/statespace.ts), one core:");
  console.table(await benchStateSpace({ quick }));
}
if (run("spin")) {
  const { benchSpin } = await import("./peer/spin/run.js");
  console.log(
    "SPIN side by side (bench/peer/spin): the lease as processes, lease.pml under SPIN vs lease-processes-spin, one core:",
  );
  const rows = benchSpin({ quick });
  if (rows !== null) console.table(rows);
}
if (run("check-workers")) {
  const { benchCheckWorkers } = await import("./check-workers.js");
  console.log(
    "check --workers (bench/check-workers.ts): parallel BFS over a shared visited set on worker threads vs one thread:",
  );
  console.table(await benchCheckWorkers({ quick }));
  console.log("The machine's ceiling for two threads (a fixed CPU-bound loop), same run:");
  console.table([await twoThreadCeiling()]);
}
if (run("workers")) {
  console.log("Worker threads (--workers 2) against one thread, same exploration:");
  const workerRows = await benchWorkers();
  console.table(workerRows);
  console.log("The machine's ceiling for two threads (a fixed CPU-bound loop), measured right after:");
  const ceiling = await twoThreadCeiling();
  console.table([ceiling]);
  console.log(
    `target: warm speed-up incl. start-up ≥ min(1.8, ceiling ${ceiling["ceiling speed-up"]}) = ${Math.min(1.8, ceiling["ceiling speed-up"])}: ${workerRows.map((r) => `${r["warm speed-up"]}× (cold ${r["cold speed-up"]}×)`).join(", ")}`,
  );
}
if (run("redis-lease")) {
  const { benchLease } = await import("./redis-lease.js");
  console.log(
    "Redis: LeaseManager vs redlock, acquire+release cycles (bench/redis-lease.ts), same private Redis:",
  );
  console.table(await benchLease({ quick }));
}
if (run("redis-queue")) {
  const { benchQueue } = await import("./redis-queue.js");
  console.log(
    "Redis: ClaimQueue + Worker vs BullMQ, claim→ack cycles (bench/redis-queue.ts), same private Redis:",
  );
  console.table(await benchQueue({ quick }));
}
if (run("redis-mailbox")) {
  const { benchMailbox, mailboxCeilingRatio } = await import("./redis-mailbox.js");
  console.log(
    "Redis: KeyedMailbox vs BullMQ dedup keepLastIfActive, orders/s with 4 processes (bench/redis-mailbox.ts), same private Redis:",
  );
  const rows = await benchMailbox({ quick });
  console.table(rows);
  console.log(`1 key: interleave FIFO / serial round-trip ceiling = ${mailboxCeilingRatio(rows).toFixed(2)}`);
}
if (run("lincheck")) {
  const { benchLincheck } = await import("./lincheck.js");
  console.log(
    "Linearizability checker (bench/lincheck.ts): generated histories of 5 processes, one core, median of the runs:",
  );
  console.table(benchLincheck({ quick }));
}
if (run("real-code")) {
  const { benchRealCode, violationRates } = await import("./real-code.js");
  console.log(
    "Real code (bench/real-code.ts): heartbeat-vs-ack-real under interleave and under fc.scheduler with fake timers, beside the model; medians of the repetitions:",
  );
  const { rows, ratios } = await benchRealCode({
    ...(quick
      ? { passRuns: 10, modelRuns: 1_000, seeds: 5, budgetRuns: 100, reps: 3 }
      : { passRuns: 50, modelRuns: 10_000, seeds: 10, budgetRuns: 200, reps: 5 }),
    fastCheck: !args["no-peer"],
  });
  console.table(rows);
  console.table(ratios);
  if (!args["no-peer"]) {
    console.log("unfenced-handler with pauses, the violation's rate per schedule in each harness (seed 1):");
    console.table(await violationRates(quick ? 20 : 200));
  }
}
if (run("shrink")) {
  const { benchShrink } = await import("./shrink.js");
  console.log(
    `Shrinking (bench/shrink.ts): each violation variant's counterexample on seeds 1..${SEEDS.at(-1)}, shrunk with explore's budget; lengths in steps:`,
  );
  console.table(await benchShrink(chosen, { seeds: SEEDS.length }));
}
