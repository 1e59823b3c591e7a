/**
 * The Mermaid export checked by real Mermaid (node_modules/mermaid, the version GitHub-style renderers run) in
 * headless Chromium: for a world full of characters Mermaid treats specially, `mermaid.parse` accepts the
 * diagram and `mermaid.render` draws an SVG showing every participant's name, the notes and the violated
 * property verbatim. Every shipped scenario's counterexamples: scenarios/mermaid.browser.test.ts.
 */
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defineScenario, exploreVariant, note, type Trace, tx } from "../src/index.js";
import { formatTime } from "../src/view/index.js";
import { renderMermaid } from "../src/view/mermaid.js";
import { counter } from "./fixtures.js";
import { launchChromium } from "./support/chromium.js";

const MERMAID_JS = resolve(import.meta.dirname, "../../../node_modules/mermaid/dist/mermaid.min.js");

/** What the test uses of the page's globals (the project's TypeScript has no DOM library). */
interface PageGlobals {
  readonly mermaid: {
    initialize(config: object): void;
    parse(text: string): Promise<unknown>;
    render(id: string, text: string): Promise<{ svg: string }>;
  };
  readonly document: {
    getElementById(id: string): { innerHTML: string; textContent: string | null } | null;
  };
}

interface Drawn {
  /** Mermaid's parse error, or null. */
  readonly error: string | null;
  readonly svg: string;
  /** The drawn diagram's text, entities decoded, as the browser shows it. */
  readonly text: string;
}

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.setContent(
    '<!doctype html><html><body style="margin:0;background:#fff"><div id="diagram"></div></body></html>',
  );
  await page.addScriptTag({ path: MERMAID_JS });
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).mermaid.initialize({ startOnLoad: false });
  });
});

afterAll(async () => {
  await browser?.close();
});

/** Parse and render `text` with Mermaid, and put the SVG in the page (replacing the previous one). */
function draw(text: string, id: string): Promise<Drawn> {
  return page.evaluate(
    async ({ text, id }) => {
      const g = globalThis as unknown as PageGlobals;
      try {
        await g.mermaid.parse(text);
      } catch (error) {
        return { error: String(error), svg: "", text: "" };
      }
      const { svg } = await g.mermaid.render(id, text);
      const host = g.document.getElementById("diagram")!;
      host.innerHTML = svg;
      return { error: null, svg, text: host.textContent ?? "" };
    },
    { text, id },
  );
}

/** The violation as the diagram words it. */
function violationText(trace: Trace): string {
  const v = trace.violation!;
  return v.kind === "eventually"
    ? `✗ deadline passed at t=${formatTime(v.t)}: ${v.property}`
    : `✗ violated here: ${v.property}`;
}

function expectDrawn(drawn: Drawn, trace: Trace, keys: readonly string[]): void {
  expect(drawn.error).toBeNull();
  expect(drawn.svg.startsWith("<svg")).toBe(true);
  for (const name of [...trace.processes, ...keys]) expect(drawn.text, name).toContain(name);
  expect(drawn.text).toContain(violationText(trace));
}

const HOSTILE_NOTE = "a;b#c<d>e%%f:g\"h'i{j}k&l @n, `o` --> end";
const HOSTILE_PROCESS = "w;#1<x>:y, @z";
const HOSTILE_KEY = "count%%er{1}";
const HOSTILE_PROPERTY = "the counter stays below 2; said: <never> #1 %%";

const hostile = defineScenario({
  name: "hostile",
  source: "test",
  description: "hostile strings",
  params: {},
  runs: 1,
  variants: { bug: { expect: "violation", why: "two increments", options: {} } },
  build(world) {
    const c = world.store(HOSTILE_KEY, counter, 0);
    world.process(HOSTILE_PROCESS, function* () {
      yield* note(`${HOSTILE_NOTE}\nsecond line`);
      yield* tx(c, { _tag: "Increment" });
      yield* tx(c, { _tag: "Increment" });
    });
    world.always(HOSTILE_PROPERTY, (v) => v.get(c) < 2);
  },
});

it("real Mermaid draws names, notes and a property full of its special characters, verbatim", async () => {
  const trace = exploreVariant(hostile, hostile.variants[0]!, { seed: 1 }).counterexample!;
  const drawn = await draw(renderMermaid(trace), "diagram-hostile");
  expectDrawn(drawn, trace, [HOSTILE_KEY]);
  expect(drawn.text).toContain(`~ ${HOSTILE_NOTE} second line`);
});
