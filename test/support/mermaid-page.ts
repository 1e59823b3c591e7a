/**
 * One headless Chromium page with real Mermaid (node_modules/mermaid, the version GitHub-style renderers run)
 * loaded, for the Mermaid export's browser tests: the simulator's (hostile strings) and the scenarios' (every
 * shipped counterexample). `useMermaidPage()` opens the page before the file's tests and closes the browser
 * after them; `draw` parses and renders a diagram into it, `expectDrawn` checks what was drawn.
 */
import { resolve } from "node:path";
import type { Trace } from "@interleave/sim";
import { livenessOutcome } from "@interleave/sim/view";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { launchChromium } from "./chromium.js";

const MERMAID_JS = resolve(import.meta.dirname, "../../node_modules/mermaid/dist/mermaid.min.js");

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

export interface Drawn {
  /** Mermaid's parse error, or null. */
  readonly error: string | null;
  readonly svg: string;
  /** The drawn diagram's text, entities decoded, as the browser shows it. */
  readonly text: string;
}

export interface MermaidPage {
  /** The page (open once the file's `beforeAll` ran); the last drawn SVG is in `#diagram`. */
  readonly page: () => Page;
  /** Parse and render `text` with Mermaid, and put the SVG in the page (replacing the previous one). */
  readonly draw: (text: string, id: string) => Promise<Drawn>;
}

/** Registers the `beforeAll` that opens the Mermaid page and the `afterAll` that closes its browser. */
export function useMermaidPage(): MermaidPage {
  let browser: Browser | undefined;
  let page: Page | undefined;

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

  const opened = (): Page => {
    if (page === undefined)
      throw new Error("the Mermaid page is not open: useMermaidPage() opens it in beforeAll");
    return page;
  };

  const draw = (text: string, id: string): Promise<Drawn> =>
    opened().evaluate(
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

  return { page: opened, draw };
}

/** The violation as the diagram words it. */
function violationText(trace: Trace): string {
  const v = trace.violation!;
  return v.kind === "eventually"
    ? `✗ ${livenessOutcome(v)}: ${v.property}`
    : `✗ violated here: ${v.property}`;
}

/** Mermaid parsed the diagram and drew an SVG showing every process, every key in `keys` and the violation. */
export function expectDrawn(drawn: Drawn, trace: Trace, keys: readonly string[]): void {
  expect(drawn.error).toBeNull();
  expect(drawn.svg.startsWith("<svg")).toBe(true);
  for (const name of [...trace.processes, ...keys]) expect(drawn.text, name).toContain(name);
  expect(drawn.text).toContain(violationText(trace));
}
