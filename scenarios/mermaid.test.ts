/**
 * The Mermaid sequence-diagram export (`renderMermaid`, `mermaidBlock`) on real counterexamples of the shipped
 * scenarios: arrows, time, the violation and faults, the deadline of an `eventually`, the size bound and
 * `messagesMax`. On a small world with hostile strings and a crash: packages/sim/test/mermaid.test.ts; what
 * Mermaid itself makes of the text: mermaid.browser.test.ts.
 */
import { exploreVariant, InputError, type Trace, type TraceEvent } from "@interleave/sim";
import { escapeMermaid, mermaidBlock, renderMermaid, renderTimeline } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import scenarios from "./index.js";
import { variantOf } from "./testing.js";

const heartbeat = scenarios.find((s) => s.name === "heartbeat-vs-ack")!;

/** The shrunk counterexample of a violation variant, from a fixed seed. */
function counterexample(scenarioName: string, variantName: string, seed = 11): Trace {
  const scenario = scenarios.find((s) => s.name === scenarioName)!;
  const r = exploreVariant(scenario, variantOf(scenario, variantName), { seed });
  expect(r.verdict).toBe("violation");
  return r.counterexample!;
}

/** `always`, found with pauses: retry after a pause mutates an item another worker now holds. */
const retry = counterexample("heartbeat-vs-ack", "retry-without-recheck");
/** `eventually`, with hundreds of idle polls (the ack that never deletes). */
const updatedAt = counterexample("heartbeat-vs-ack", "updated-at-guard");

const lines = (text: string) => text.split("\n");
const REQUEST = /^ {2}p\d+->>k\d+: /;
const RESPONSE = /^ {2}k\d+-->>p\d+: /;
/** Body statements that count toward `messagesMax`: arrows and notes (a `rect` wraps one note). */
const STATEMENT = /^ {2,4}(p\d+|k\d+)(->>|-->>|-\)|-x)|^ {2,4}Note /;
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function hiddenIn(text: string): number {
  const m = /(\d+) repeated steps? that changed nothing \(idle polls\) hidden/.exec(text);
  return m === null ? 0 : Number(m[1]);
}

function breakingTx(trace: Trace): TraceEvent {
  const v = trace.violation!;
  return trace.events.filter((e) => e.op === "tx" && e.step === v.step).at(-1)!;
}

describe("renderMermaid on a shipped counterexample (heartbeat-vs-ack / retry-without-recheck)", () => {
  const text = renderMermaid(retry);
  const ls = lines(text);

  it("declares the processes in trace order, then the store keys in a box", () => {
    expect(ls[0]).toBe("sequenceDiagram");
    const declared = ls.filter((l) => l.includes("participant "));
    expect(declared).toEqual([
      ...retry.processes.map((p, i) => `  participant p${i} as ${escapeMermaid(p)}`),
      "    participant k0 as queue",
    ]);
    const box = ls.findIndex((l) => l.startsWith("  box "));
    expect(ls[box]).toMatch(/^ {2}box rgb\(\d+, \d+, \d+\) store$/);
    expect(ls[box + 1]).toBe("    participant k0 as queue");
    expect(ls[box + 2]).toBe("  end");
  });

  it("draws one request and one response arrow per shown tx; hidden idle polls are those the timeline hides", () => {
    // the shrunk counterexample has no idle poll left; the same run as found has some
    const found = exploreVariant(heartbeat, variantOf(heartbeat, "retry-without-recheck"), {
      seed: 11,
      shrink: false,
    }).counterexample!;
    for (const trace of [retry, found]) {
      const txs = trace.events.filter((e) => e.op === "tx").length;
      const all = renderMermaid(trace, { all: true });
      expect(lines(all).filter((l) => REQUEST.test(l))).toHaveLength(txs);
      expect(lines(all).filter((l) => RESPONSE.test(l))).toHaveLength(txs);
      expect(hiddenIn(all)).toBe(0);
      const shown = lines(renderMermaid(trace));
      const hidden = hiddenIn(shown.join("\n"));
      expect(hidden > 0).toBe(trace === found);
      expect(shown.filter((l) => REQUEST.test(l))).toHaveLength(txs - hidden);
      expect(shown.filter((l) => RESPONSE.test(l))).toHaveLength(txs - hidden);
      if (hidden > 0) {
        const timeline = renderTimeline(trace).replace(ANSI, "");
        expect(timeline).toContain(`${hidden} repeated steps that changed nothing (idle polls) are hidden`);
      }
    }
  });

  it("renders a tx as its event, its result and its changes, leaving out the process's own name", () => {
    const claim = retry.events.find(
      (e) => e.op === "tx" && e.process === "worker-2" && (e.changes?.length ?? 0) > 0,
    )!;
    const i = ls.indexOf(`  p2->>k0: Claim batchSize=1`, ls.indexOf("  Note left of p0: t=0.000s"));
    expect(i).toBeGreaterThan(0);
    expect(ls[i + 1]).toMatch(/^ {2}k0-->>p2: Claimed claims=\[#123;scope=#34;small#34; token=1 /);
    expect(ls[i + 2]).toMatch(/^ {2}Note right of k0: Δ items\.small\.claim#58; null → /);
    expect(ls[i + 2]).toContain("<br/>Δ nextToken#58; 1 → 2");
    expect(claim.changes).toHaveLength(2);
    expect(ls[i]).not.toContain("holder");
  });

  it("shows virtual time where it changes, left of the first participant", () => {
    const times = ls.filter((l) => l.startsWith("  Note left of p0: t="));
    expect(times[0]).toBe("  Note left of p0: t=0.000s");
    expect(times.at(-1)).toBe("  Note left of p0: t=17.000s");
    expect(new Set(times).size).toBe(times.length);
  });

  it("puts the violation right after the breaking tx, over its process and key, on a red rect", () => {
    const breaking = breakingTx(retry);
    expect(breaking.process).toBe("worker-2");
    const v = ls.findIndex((l) => l.includes("✗ violated here"));
    expect(ls[v]).toBe(
      "    Note over p2,k0: ✗ violated here#58; a claimed item is only mutated by its current holder",
    );
    expect(ls[v - 1]).toBe("  rect rgb(255, 200, 200)");
    expect(ls[v + 1]).toBe("  end");
    expect(ls[v - 2]).toMatch(/^ {2}Note right of k0: Δ items\.small\.updatedAtMs#58; 16000 → 17000/);
    expect(ls[v - 3]).toMatch(/^ {2}k0-->>p2: Retried /);
    expect(ls[v - 4]).toMatch(/^ {2}p2->>k0: RetryById scope=#34;small#34; token=1 /);
    expect(ls.filter((l) => l.includes("✗"))).toHaveLength(1);
  });

  it("marks each injected pause on an orange rect", () => {
    const pauses = retry.events.filter((e) => e.op === "pause");
    expect(pauses.length).toBeGreaterThan(0);
    for (const p of pauses) {
      const id = `p${retry.processes.indexOf(p.process)}`;
      const note = `    Note over ${id}: ‖ paused ${(p.input as { ms: number }).ms}ms`;
      const i = ls.indexOf(note);
      expect(i, note).toBeGreaterThan(0);
      expect(ls[i - 1]).toBe("  rect rgb(255, 232, 200)");
      expect(ls[i + 1]).toBe("  end");
    }
  });

  it("shows spawn and stop as arrows between the processes, and sleeps as short notes", () => {
    expect(ls).toContain("  p2-)p3: spawn");
    expect(ls).toContain("  p2-xp3: stop");
    expect(ls).toContain("  Note over p0: … enqueue gap 2000ms");
  });

  it("is deterministic: the same trace (or a copy, or a re-exploration) gives the same text", () => {
    expect(renderMermaid(retry)).toBe(text);
    expect(renderMermaid(JSON.parse(JSON.stringify(retry)) as Trace)).toBe(text);
    expect(renderMermaid(counterexample("heartbeat-vs-ack", "retry-without-recheck"))).toBe(text);
  });

  it("mermaidBlock fences the diagram after a title comment naming the run", () => {
    const block = mermaidBlock(retry);
    expect(block).toBe(
      [
        "```mermaid",
        `%% interleave · heartbeat-vs-ack / retry-without-recheck · seed ${retry.seed} · a claimed item is only mutated by its current holder`,
        text,
        "```",
        "",
      ].join("\n"),
    );
  });
});

describe("renderMermaid on an eventually counterexample (heartbeat-vs-ack / updated-at-guard)", () => {
  const text = renderMermaid(updatedAt);
  const ls = lines(text);

  it("ends with the deadline on a red rect, then the count of hidden idle polls", () => {
    const v = updatedAt.violation!;
    expect(v.kind).toBe("eventually");
    const i = ls.findIndex((l) => l.includes("✗"));
    expect(ls[i]).toBe(
      `    Note over p0,k0: ✗ deadline 240 s passed at t=${v.t / 1000} s with the property unmet#58; ${escapeMermaid(v.property)}`,
    );
    expect(ls[i - 1]).toBe("  rect rgb(255, 200, 200)");
    expect(ls[i + 1]).toBe("  end");
    expect(ls.length).toBe(i + 3);
    expect(ls[i + 2]).toMatch(/^ {2}Note over p0,k0: \d+ repeated steps that changed nothing/);
    const timeline = renderTimeline(updatedAt).replace(ANSI, "");
    expect(timeline).toContain(
      `${hiddenIn(text)} repeated steps that changed nothing (idle polls) are hidden`,
    );
  });

  it("stays within Mermaid's default text size (50,000 characters) even with every step shown", () => {
    expect(text.length).toBeLessThan(50_000);
    const all = renderMermaid(updatedAt, { all: true });
    expect(all.length).toBeLessThan(50_000);
    expect(all).toContain("more steps#58; see the HTML report");
    expect(all).toContain("✗ deadline 240 s passed at t=240 s with the property unmet");
  });
});

describe("messagesMax", () => {
  /** A hand-made trace: process `a` sleeps ten times at t=0, one world step each. */
  const sleeps: Trace = {
    ...retry,
    processes: ["a"],
    violation: null,
    events: Array.from({ length: 10 }, (_, i) => ({
      step: i,
      t: 0,
      process: "a",
      op: "sleep" as const,
      input: { label: `nap ${i}`, ms: 0 },
    })),
  };

  it("stops after messagesMax arrows and notes and counts the world steps not drawn", () => {
    expect(lines(renderMermaid(sleeps, { messagesMax: 4 }))).toEqual([
      "sequenceDiagram",
      "  participant p0 as a",
      "  Note left of p0: t=0.000s",
      "  Note over p0: … nap 0 0ms",
      "  Note over p0: … nap 1 0ms",
      "  Note over p0: … nap 2 0ms",
      "  Note over p0: … 7 more steps#58; see the HTML report (interleave report #60;trace#62;)",
    ]);
    expect(renderMermaid(sleeps, { messagesMax: 11 })).not.toContain("more step");
    expect(lines(renderMermaid(sleeps, { messagesMax: 10 })).at(-1)).toContain("… 1 more step#58; see");
  });

  it("on a real counterexample, keeps the beginning and still shows the breaking tx and the violation", () => {
    const text = renderMermaid(retry, { messagesMax: 10 });
    const ls = lines(text);
    const more = ls.findIndex((l) => l.includes("more step"));
    expect(more).toBeGreaterThan(0);
    const body = ls.slice(0, more);
    expect(body).toEqual(lines(renderMermaid(retry)).slice(0, more));
    const statements = body.filter((l) => STATEMENT.test(l)).length;
    expect(statements).toBeLessThanOrEqual(10);
    expect(statements).toBeGreaterThan(6);
    const after = ls.slice(more + 1);
    expect(after[0]).toBe("  Note left of p0: t=17.000s");
    expect(after[1]).toMatch(/^ {2}p2->>k0: RetryById /);
    expect(after.some((l) => l.includes("✗ violated here"))).toBe(true);
    expect(renderMermaid(retry, { messagesMax: 10 })).toBe(text);
  });

  it("draws everything when the trace fits", () => {
    expect(renderMermaid(retry, { messagesMax: 10_000 })).not.toContain("more step");
  });

  it("rejects a bound that is not a positive integer with an InputError", () => {
    expect(() => renderMermaid(retry, { messagesMax: 0 })).toThrow(InputError);
    expect(() => renderMermaid(retry, { messagesMax: 2.5 })).toThrow(
      "Mermaid messagesMax must be a positive integer, got 2.5",
    );
  });
});

it("the shipped registry has the scenario these tests explore", () => {
  expect(heartbeat.variants.map((v) => v.name)).toEqual(
    expect.arrayContaining(["retry-without-recheck", "updated-at-guard"]),
  );
});
