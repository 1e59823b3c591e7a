/**
 * The HTML counterexample report on counterexamples of the shipped scenarios: the store replayed through the
 * scenario agrees with the states rebuilt from the trace, the violating step, faults and idle repeats, the
 * fallback when the code no longer replays, the page's lanes and rows, and its purity. On the simulator's own
 * small worlds and through the `report` command: packages/sim/test/report.test.ts.
 */
import { exploreVariant, type Trace } from "@interleave/sim";
import {
  escapeHtml,
  REPORT_GENERATOR,
  rebuildStore,
  renderReport,
  replayStore,
  reportRun,
  reportRunOf,
  valueAt,
} from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { stateAt } from "../test/support/report.js";
import scenarios from "./index.js";

function counterexample(scenarioName: string, variantName: string, seed: number) {
  const scenario = scenarios.find((s) => s.name === scenarioName)!;
  const variant = scenario.variants.find((v) => v.name === variantName)!;
  const r = exploreVariant(scenario, variant, { seed });
  expect(r.verdict).toBe("violation");
  return { scenario, variant, trace: r.counterexample!, original: r.original };
}

describe("report data", () => {
  it("replays the store through the scenario, and the states rebuilt from the trace agree on every changed field", () => {
    const { variant, trace } = counterexample("heartbeat-vs-ack", "retry-without-recheck", 1);
    const replayed = replayStore(variant, trace);
    expect("store" in replayed).toBe(true);
    if (!("store" in replayed)) return;
    const exact = reportRun(trace, { title: "t", store: replayed.store });
    const rebuilt = reportRun(trace, { title: "t", store: rebuildStore(trace), rebuiltBecause: "test" });
    expect(exact.storeSource._tag).toBe("Replayed");
    expect(rebuilt.storeSource).toMatchObject({ _tag: "Rebuilt", partial: true });
    expect(exact.keys).toEqual(["queue"]);
    const paths = new Set(trace.events.flatMap((e) => (e.changes ?? []).map((c) => `${e.key}|${c.path}`)));
    expect(paths.size).toBeGreaterThan(3);
    let compared = 0;
    for (const step of exact.steps) {
      for (const kp of paths) {
        const [key, path] = kp.split("|") as [string, string];
        expect(valueAt(stateAt(rebuilt.states, key, step.index), path)).toEqual(
          valueAt(stateAt(exact.states, key, step.index), path),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
    // Each tx's row has its key's state after it: the diff's `after` values are there.
    for (const step of exact.steps.filter((s) => s.op === "tx")) {
      for (const c of step.changes ?? [])
        expect(valueAt(stateAt(exact.states, step.key!, step.index), c.path)).toEqual(c.after);
    }
  });

  it("marks the violating step (the last tx of the violation's step), faults and idle repeats", () => {
    const { variant, trace } = counterexample("heartbeat-vs-ack", "retry-without-recheck", 1);
    const run = reportRunOf(trace, "shrunk counterexample", { scenario: scenarios[0]!, variant });
    const v = trace.violation!;
    expect(v.kind).toBe("always");
    const marked = run.steps.filter((s) => s.violation);
    expect(marked).toHaveLength(1);
    expect(marked[0]!.index).toBe(run.violationIndex);
    expect(marked[0]).toMatchObject({ op: "tx", step: v.step });
    expect(run.steps.slice(marked[0]!.index + 1).some((s) => s.op === "tx" && s.step === v.step)).toBe(false);
    const faults = run.steps.filter((s) => s.fault).map((s) => s.op);
    expect(faults).toEqual(
      trace.events.filter((e) => ["pause", "crash", "restart"].includes(e.op)).map((e) => e.op),
    );
    expect(faults.length).toBeGreaterThan(0);
    expect(run.steps).toHaveLength(trace.events.length);
  });

  it("falls back to rebuilt states, with the reason, when the code no longer replays the trace", () => {
    const { scenario, variant, trace } = counterexample("heartbeat-vs-ack", "retry-without-recheck", 1);
    const tampered: Trace = {
      ...trace,
      decisions: trace.decisions.map((d, i) => (i === 0 ? { ...d, label: "something else" } : d)),
    };
    const run = reportRunOf(tampered, "run", { scenario, variant });
    expect(run.storeSource._tag).toBe("Rebuilt");
    expect(run.storeSource._tag === "Rebuilt" && run.storeSource.reason).toMatch(/no longer replays/);
  });
});

describe("report page", () => {
  it("has a lane per process and per store key, a row per step, the violation marked and faults marked", () => {
    const { scenario, variant, trace, original } = counterexample(
      "heartbeat-vs-ack",
      "retry-without-recheck",
      1,
    );
    const runs = [
      reportRunOf(trace, "shrunk counterexample", { scenario, variant }),
      reportRunOf(original!, "original, as found", { scenario, variant }),
    ];
    const html = renderReport(runs);
    expect(html).toContain(`<meta name="generator" content="${REPORT_GENERATOR}">`);
    for (const p of trace.processes) expect(html).toContain(`>${p}</th>`);
    expect(html).toContain(">▣ queue</th>");
    const firstRun = html.slice(html.indexOf('id="run-0"'), html.indexOf('id="run-1"'));
    expect(firstRun.match(/<tr class="row /g)).toHaveLength(trace.events.length);
    expect(firstRun.match(/class="row [^"]*\bfault\b/g)?.length).toBe(
      trace.events.filter((e) => e.op === "pause").length,
    );
    expect(firstRun).toContain(`✗ violated here: ${trace.violation!.property}`);
    expect(html.match(/role="tab" /g)).toHaveLength(2);
    // What the variant models and why it is expected to fail, from the registry.
    expect(html).toContain(`expects violation: ${escapeHtml(variant.why)}`);
    expect(html).toContain(escapeHtml(scenario.description));
    // Self-contained: no external scripts, styles, images or fonts.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(|@import|https?:\/\//);
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]!,
    );
    expect(data.runs).toHaveLength(2);
    expect(data.runs[0].steps).toHaveLength(trace.events.length);
  });

  it("is a pure function of its runs", () => {
    const { scenario, variant, trace } = counterexample("sync-vs-reset", "coordinator-no-entry-check", 3);
    const a = renderReport([reportRunOf(trace, "x", { scenario, variant })]);
    const b = renderReport([reportRunOf(trace, "x", { scenario, variant })]);
    expect(a).toBe(b);
  });
});
