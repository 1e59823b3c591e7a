/**
 * The Mermaid export of the shipped scenarios checked by real Mermaid (node_modules/mermaid, the version
 * GitHub-style renderers run) in headless Chromium: for the shrunk counterexample of every violation variant of
 * every shipped scenario, `mermaid.parse` accepts the diagram and `mermaid.render` draws an SVG showing every
 * participant's name and the violated property. One rendered diagram is saved as a screenshot under
 * test-output/. Hostile strings: packages/sim/test/mermaid.browser.test.ts.
 */
import { exploreVariantAsync, type Trace } from "@interleave/sim";
import { renderMermaid } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { testOutput } from "../test/support/chromium.js";
import { expectDrawn, useMermaidPage } from "../test/support/mermaid-page.js";
import scenarios from "./index.js";

/** The diagram saved as a picture: pauses, spawn/stop, changes and an `always` violation. */
const SCREENSHOT = { scenario: "heartbeat-vs-ack", variant: "retry-without-recheck" };

const { page, draw } = useMermaidPage();

function keysOf(trace: Trace): string[] {
  return [...new Set(trace.events.filter((e) => e.op === "tx").map((e) => e.key ?? "store"))];
}

describe("real Mermaid draws the counterexample of every violation variant", () => {
  let n = 0;
  for (const scenario of scenarios) {
    for (const variant of scenario.variants.filter((v) => v.expect === "violation")) {
      it(`${scenario.name}/${variant.name}`, async () => {
        // The async entry point runs both kinds: generator processes and real code (async tasks).
        const r = await exploreVariantAsync(scenario, variant, { seed: 11 });
        expect(r.verdict).toBe("violation");
        const trace = r.counterexample!;
        const text = renderMermaid(trace);
        const drawn = await draw(text, `diagram-${n++}`);
        expectDrawn(drawn, trace, keysOf(trace));
        if (scenario.name === SCREENSHOT.scenario && variant.name === SCREENSHOT.variant) {
          await page()
            .locator("#diagram svg")
            .screenshot({ path: testOutput(`mermaid-${scenario.name}-${variant.name}.png`) });
        }
      });
    }
  }
});
