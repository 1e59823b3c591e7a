/**
 * The Mermaid export of the shipped scenarios checked by real Mermaid (node_modules/mermaid, the version
 * GitHub-style renderers run) in headless Chromium: for the shrunk counterexample of every violation variant of
 * every shipped scenario, `mermaid.parse` accepts the diagram and `mermaid.render` draws an SVG showing every
 * participant's name and the violated property. One rendered diagram is saved as a screenshot under
 * test-output/. Hostile strings: packages/sim/test/mermaid.browser.test.ts.
 */
import { resolve } from "node:path";
import { exploreVariant, type Trace } from "@interleave/sim";
import { formatTime, renderMermaid } from "@interleave/sim/view";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import scenarios from "./index.js";
import { launchChromium, testOutput } from "./support/chromium.js";

const MERMAID_JS = resolve(import.meta.dirname, "../node_modules/mermaid/dist/mermaid.min.js");
/** The diagram saved as a picture: pauses, spawn/stop, changes and an `always` violation. */
const SCREENSHOT = { scenario: "heartbeat-vs-ack", variant: "retry-without-recheck" };

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

function keysOf(trace: Trace): string[] {
  return [...new Set(trace.events.filter((e) => e.op === "tx").map((e) => e.key ?? "store"))];
}

describe("real Mermaid draws the counterexample of every violation variant", () => {
  let n = 0;
  for (const scenario of scenarios) {
    for (const variant of scenario.variants.filter((v) => v.expect === "violation")) {
      it(`${scenario.name}/${variant.name}`, async () => {
        const r = exploreVariant(scenario, variant, { seed: 11 });
        expect(r.verdict).toBe("violation");
        const trace = r.counterexample!;
        const text = renderMermaid(trace);
        const drawn = await draw(text, `diagram-${n++}`);
        expectDrawn(drawn, trace, keysOf(trace));
        if (scenario.name === SCREENSHOT.scenario && variant.name === SCREENSHOT.variant) {
          await page
            .locator("#diagram svg")
            .screenshot({ path: testOutput(`mermaid-${scenario.name}-${variant.name}.png`) });
        }
      });
    }
  }
});
