/**
 * The Mermaid export checked by real Mermaid (node_modules/mermaid, the version GitHub-style renderers run) in
 * headless Chromium: for a world full of characters Mermaid treats specially, `mermaid.parse` accepts the
 * diagram and `mermaid.render` draws an SVG showing every participant's name, the notes and the violated
 * property verbatim. Every shipped scenario's counterexamples: scenarios/mermaid.browser.test.ts.
 */
import { expect, it } from "vitest";
import { expectDrawn, useMermaidPage } from "../../../test/support/mermaid-page.js";
import { defineScenario, exploreVariant, note, tx } from "../src/index.js";
import { renderMermaid } from "../src/view/mermaid.js";
import { counter } from "./fixtures.js";

const { draw } = useMermaidPage();

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
