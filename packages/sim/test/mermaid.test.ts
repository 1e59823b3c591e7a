/**
 * The Mermaid sequence-diagram export (`renderMermaid`, `mermaidBlock`, `escapeMermaid`) on a small world with
 * hostile strings and a crashing process. On real counterexamples of the shipped scenarios:
 * scenarios/mermaid.test.ts; what Mermaid itself makes of the text: mermaid.browser.test.ts.
 */
import { describe, expect, it } from "vitest";
import { constant, defineScenario, exploreVariant, note, sleep, type Trace, tx } from "../src/index.js";
import { mermaidBlock, renderMermaid } from "../src/view/mermaid.js";
import { counter } from "./fixtures.js";

const lines = (text: string) => text.split("\n");

/** Text Mermaid's sequence grammar would misread, and a name and key that need escaping too. */
const HOSTILE_NOTE = "a;b#c<d>e%%f:g\"h'i{j}k&l\nm @n, `o`";
const HOSTILE_PROCESS = "w;#1<x>:y";
const HOSTILE_KEY = "count%%er{1}";

/**
 * A writer (under a crash fault plan) notes a hostile string and increments a counter twice; the invariant
 * "below 2" breaks at the second increment. Unshrunk runs keep the crash and the restart.
 */
const hostile = defineScenario({
  name: "hostile",
  source: "test",
  description: "hostile strings and a crash",
  params: {},
  runs: 50,
  variants: { bug: { expect: "violation", why: "two increments", options: {} } },
  build(world) {
    const c = world.store(HOSTILE_KEY, counter, 0);
    world.faults({ crash: { probability: 0.5, restartDelayMs: constant(5), countMax: 1 } });
    world.process(
      HOSTILE_PROCESS,
      function* () {
        yield* note(HOSTILE_NOTE, { said: "x;y" });
        yield* note(`long ${"x".repeat(300)}`);
        yield* sleep(constant(10), "think");
        yield* tx(c, { _tag: "Increment" });
        yield* tx(c, { _tag: "Increment" });
      },
      { faults: true },
    );
    world.always("the counter stays below 2; said: <never>", (v) => v.get(c) < 2);
  },
});

/** The hostile world's counterexample (seed 3: it crashes and restarts). */
function hostileTrace(): Trace {
  const r = exploreVariant(hostile, hostile.variants[0]!, { seed: 3, shrink: false });
  return r.counterexample!;
}

describe("escaping and faults on a small world", () => {
  const trace = hostileTrace();
  const text = renderMermaid(trace);
  const ls = lines(text);

  it("the run crashed and restarted (the precondition of these checks)", () => {
    expect(trace.events.map((e) => e.op)).toEqual(expect.arrayContaining(["crash", "restart", "note"]));
  });

  it("escapes every character Mermaid treats specially, in notes, names and the property", () => {
    expect(ls).toContain(
      "  Note over p0: ~ a#59;b#35;c#60;d#62;e#37;#37;f#58;g#34;h#39;i#123;j#125;k#38;l m #64;n#44; #96;o#96; #123;said=#34;x#59;y#34;#125;",
    );
    expect(ls).toContain("  participant p0 as w#59;#35;1#60;x#62;#58;y");
    expect(ls).toContain("    participant k0 as count#37;#37;er#123;1#125;");
    expect(text).toContain("✗ violated here#58; the counter stays below 2#59; said#58; #60;never#62;");
    // The text of every statement: after the first colon, or after `as` in a participant declaration.
    const texts = ls
      .slice(1)
      .map((l) => (l.includes(" as ") ? l.split(" as ")[1]! : (l.split(/: (.*)/)[1] ?? "")));
    expect(texts.filter((t) => t !== "").length).toBeGreaterThan(10);
    for (const text of texts) {
      const bare = text.replace(/#\d+;/g, "").replace(/<br\/>/g, "");
      expect(bare, text).not.toMatch(/[;#%<>{}:"'`\n]/);
    }
  });

  it("writes a change of a key's whole state without a path", () => {
    expect(ls).toContain("  Note right of k0: Δ 1 → 2");
  });

  it("caps a long text at 120 characters with an ellipsis", () => {
    const long = ls.find((l) => l.includes("~ long "))!;
    const text = long.slice(long.indexOf("~ long "));
    expect(Array.from(text)).toHaveLength(120);
    expect(text.endsWith("x…")).toBe(true);
  });

  it("marks the crash and the restart on orange rects", () => {
    const crash = trace.events.find((e) => e.op === "crash")!;
    const crashNote = `    Note over p0: ✖ crashed, restart in ${(crash.input as { restartInMs: number }).restartInMs}ms`;
    for (const note of [crashNote.replace(",", "#44;"), "    Note over p0: ↻ restarted from its entry"]) {
      const i = ls.indexOf(note);
      expect(i, note).toBeGreaterThan(0);
      expect(ls[i - 1]).toBe("  rect rgb(255, 232, 200)");
      expect(ls[i + 1]).toBe("  end");
    }
  });

  it("mermaidBlock keeps the title comment on one line, without braces or backticks", () => {
    const block = mermaidBlock(trace);
    expect(lines(block)[1]).toBe(
      `%% interleave · hostile / bug · seed ${trace.seed} · the counter stays below 2; said: <never>`,
    );
    expect(lines(block)[2]).toBe("sequenceDiagram");
  });
});
