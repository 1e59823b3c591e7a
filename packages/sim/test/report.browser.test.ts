/**
 * The HTML counterexample report in a real headless Chromium (Debian's, through playwright-core): a report of a
 * shipped scenario's counterexample (heartbeat-vs-ack retry-without-recheck: a worker paused past its claim)
 * written by the `report` command, opened from disk with every network request refused. Checks that the
 * swimlanes (one per process and per store key), every step, the fault and the violation marker render; that
 * the slider, the buttons, the keyboard and the tabs move the current step and the side panel follows it; that
 * the page uses one step numbering; that the store-key lane stays on screen at 1280×720 and 1366×768 and the
 * side panel at 800 px wide; that the scenario's source is text, not a link; and saves screenshots under
 * test-output/.
 */
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import scenarios from "../../../scenarios/index.js";
import { launchChromium, testOutput } from "../../../test/support/chromium.js";
import { runCli } from "../src/cli/index.js";

const root = resolve(import.meta.dirname, "../../..");

async function cli(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) };
}

describe("the HTML report in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let html: string;
  let trace: { processes: string[]; events: { op: string }[]; violation: { property: string } };
  const blocked: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-report-browser-"));
    const registry = join(root, "scenarios/index.ts");
    const explored = await cli(
      [
        "explore",
        "heartbeat-vs-ack",
        "--variant",
        "retry-without-recheck",
        "--seed",
        "1",
        "--json",
        "--traces-dir",
        dir,
        "--scenarios",
        registry,
      ],
      root,
    );
    expect(explored.code).toBe(0);
    const result = JSON.parse(explored.stdout).results[0];
    const tracePath = resolve(root, result.trace);
    html = join(dir, "report.html");
    const written = await cli(["report", tracePath, "--out", html, "--scenarios", registry], root);
    expect(written.code, written.stderr).toBe(0);
    trace = JSON.parse((await import("node:fs")).readFileSync(tracePath, "utf8"));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://")) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    await page.goto(`file://${html}`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  const current = () => page.locator("section.run:not([hidden]) tr.row.current").getAttribute("data-index");

  it("renders a lane per process and per store key, every step, the fault and the violation marker", async () => {
    const lanes = await page.locator("#run-0 th.lane-head").allTextContents();
    expect(lanes).toEqual([...trace.processes, "▣ queue"]);
    expect(await page.locator("#run-0 tr.row").count()).toBe(trace.events.length);
    const pauses = trace.events.filter((e) => e.op === "pause").length;
    expect(pauses).toBeGreaterThan(0);
    expect(await page.locator("#run-0 tr.row.fault").count()).toBe(pauses);
    await expect.poll(() => page.locator("#run-0 tr.row.fault .chip").first().isVisible()).toBe(true);
    const marker = page.locator("#run-0 td.violation-marker");
    expect(await marker.isVisible()).toBe(true);
    expect(await marker.textContent()).toBe(`✗ violated here: ${trace.violation.property}`);
    expect(await page.locator("#run-0 .banner.bad").textContent()).toContain(trace.violation.property);
    // Every visible row has a visible chip in its lanes.
    expect(await page.locator("#run-0 tr.row:visible .chip").count()).toBeGreaterThan(10);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
  });

  it("keyboard, buttons and slider move the current step, and the side panel follows", async () => {
    expect(await current()).toBe("0");
    await page.keyboard.press("ArrowRight");
    const second = Number(await current());
    expect(second).toBeGreaterThan(0);
    expect(await page.locator("#run-0 .position").textContent()).toContain(`step ${second + 1} /`);
    expect(await page.locator("#run-0 aside.detail h2").textContent()).toContain(`Step ${second + 1} `);
    await page.keyboard.press("ArrowLeft");
    expect(await current()).toBe("0");
    await page.locator("#run-0 button.next").click();
    expect(await current()).toBe(String(second));

    await page.keyboard.press("v");
    const violationRow = page.locator("#run-0 tr.row.violation");
    expect(await current()).toBe(await violationRow.getAttribute("data-index"));
    expect(await page.locator("#run-0 aside.detail .violated").textContent()).toContain(
      trace.violation.property,
    );
    expect(
      await page.locator("#run-0 aside.detail details.store-key summary").first().textContent(),
    ).toContain("queue");
    await page.screenshot({ path: testOutput("report-heartbeat-vs-ack-retry-without-recheck.png") });

    await page.keyboard.press("Home");
    expect(await current()).toBe("0");
    await page.keyboard.press("End");
    const lastVisible = await page.locator("#run-0 tr.row:visible").last().getAttribute("data-index");
    expect(await current()).toBe(lastVisible);

    // The slider: set it to position 3 and fire "input", as dragging does.
    await page.evaluate(`(() => {
      const slider = document.querySelector("#run-0 .slider");
      slider.value = "3";
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    })()`);
    const atThree = await current();
    const visible = await Promise.all(
      (await page.locator("#run-0 tr.row:visible").all()).map((row) => row.getAttribute("data-index")),
    );
    expect(atThree).toBe(visible[3]);
    // Clicking a row selects it.
    await page.locator("#run-0 tr.row:visible").nth(5).click();
    expect(await current()).toBe(visible[5]);
    expect(errors).toEqual([]);
  });

  /** A fresh page of the report at `width`×`height`, network refused and errors collected as for `page`. */
  async function open(width: number, height: number): Promise<Page> {
    const p = await browser.newPage({ viewport: { width, height } });
    p.on("pageerror", (e) => errors.push(String(e)));
    await p.route("**/*", (route) =>
      route.request().url().startsWith("file://") ? route.continue() : route.abort(),
    );
    await p.goto(`file://${html}`);
    return p;
  }

  /** `locator`'s box lies wholly inside the `width`×`height` viewport. */
  async function expectOnScreen(locator: Locator, width: number, height: number, what: string) {
    const box = await locator.boundingBox();
    expect(box, `${what}: no box`).not.toBeNull();
    const { x, y, width: w, height: h } = box!;
    expect(
      x >= -0.5 && y >= -0.5 && x + w <= width + 0.5 && y + h <= height + 0.5,
      `${what}: box ${JSON.stringify(box)} is not inside the ${width}×${height} viewport`,
    ).toBe(true);
  }

  it("uses one step numbering: the # column, position, slider, side panel, address and violation jump agree", async () => {
    const p = await open(1280, 720);
    const rows = await p.locator("#run-0 tr.row").count();
    const violation = Number(await p.locator("#run-0 tr.row.violation td.idx").textContent());
    expect(await p.locator("#run-0 .banner.bad .jump").textContent()).toBe(`go to step ${violation}`);
    const check = async (action: string) => {
      const n = Number(await p.locator("#run-0 tr.row.current td.idx").textContent());
      expect(await p.locator("#run-0 .position").textContent(), action).toMatch(
        new RegExp(`^step ${n} / ${rows} · t=`),
      );
      expect(await p.locator("#run-0 aside.detail h2").textContent(), action).toMatch(
        new RegExp(`^Step ${n} · t=`),
      );
      expect(await p.locator("#run-0 .slider").getAttribute("aria-valuetext"), action).toBe(`step ${n}`);
      expect(new URL(p.url()).hash, action).toBe(`#run=0&step=${n}`);
      // Every "step N" a reader sees is the current step or the violation's; no other count of steps.
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees (no hidden tab)
      const text = await p.locator("body").innerText();
      expect(text, action).not.toMatch(/world step/i);
      const seen = new Set([...text.matchAll(/\bsteps? (\d+)/gi)].map((m) => Number(m[1])));
      expect(
        [...seen].every((s) => s === n || s === violation),
        `${action}: ${[...seen]}`,
      ).toBe(true);
      return n;
    };
    expect(await check("on load")).toBe(1);
    await p.keyboard.press("ArrowRight");
    expect(await check("after →")).toBeGreaterThan(1);
    await p.keyboard.press("v");
    expect(await check("after v")).toBe(violation);
    await p.keyboard.press("Home");
    await p.locator("#run-0 .banner.bad .jump").click();
    expect(await check("after the jump button")).toBe(violation);
    // The address opens the step it names.
    const again = await open(1280, 720);
    await again.goto(`file://${html}#run=0&step=${violation}`);
    await again.reload();
    expect(await again.locator("#run-0 tr.row.current td.idx").textContent()).toBe(String(violation));
    await again.close();
    await p.close();
    expect(errors).toEqual([]);
  });

  for (const [width, height] of [
    [1280, 720],
    [1366, 768],
  ] as const) {
    it(`keeps the store lane and the current step on screen at ${width}×${height}`, async () => {
      const p = await open(width, height);
      const onScreen = async (when: string) => {
        await expectOnScreen(p.locator("#run-0 th.lane-head.key"), width, height, `${when}: store lane head`);
        await expectOnScreen(
          p.locator("#run-0 tr.row.current td.key-lane").first(),
          width,
          height,
          `${when}: store lane at the current step`,
        );
        await expectOnScreen(
          p.locator("#run-0 tr.row.current td.idx"),
          width,
          height,
          `${when}: current step`,
        );
        await expectOnScreen(p.locator("#run-0 aside.detail h2"), width, height, `${when}: side panel`);
      };
      await onScreen("on load");
      for (let n = 0; n < 12; n++) await p.keyboard.press("ArrowRight");
      await onScreen("after 12 steps");
      await p.keyboard.press("v");
      await onScreen("after v");
      await p.keyboard.press("Home");
      await p.locator("#run-0 .banner.bad .jump").click();
      await onScreen("after the jump button");
      await p.screenshot({ path: testOutput(`report-heartbeat-vs-ack-${width}x${height}.png`) });
      await p.close();
      expect(errors).toEqual([]);
    });
  }

  it("with four store keys at 1280×720, keeps every key lane and the acting process's lane on screen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-report-browser-"));
    const registry = join(root, "scenarios/index.ts");
    const explored = await cli(
      [
        "explore",
        "merge-gate",
        "--variant",
        "stale-reclaim-without-fencing",
        "--seed",
        "1",
        "--json",
        "--traces-dir",
        dir,
        "--scenarios",
        registry,
      ],
      root,
    );
    expect(explored.code).toBe(0);
    const trace = resolve(root, JSON.parse(explored.stdout).results[0].trace);
    const out = join(dir, "merge-gate.html");
    expect(
      (await cli(["report", trace, "--out", out, "--scenarios", registry, "--no-original"], root)).code,
    ).toBe(0);
    const p = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    p.on("pageerror", (e) => errors.push(String(e)));
    await p.goto(`file://${out}`);
    const keys = p.locator("#run-0 th.lane-head.key");
    expect(await keys.count()).toBe(4);
    for (const when of ["on load", "after v"]) {
      if (when === "after v") await p.keyboard.press("v");
      for (let k = 0; k < 4; k++) await expectOnScreen(keys.nth(k), 1280, 720, `${when}: store lane ${k}`);
      await expectOnScreen(p.locator("#run-0 tr.row.current td.own"), 1280, 720, `${when}: acting process`);
      await expectOnScreen(p.locator("#run-0 tr.row.current td.time"), 1280, 720, `${when}: time`);
    }
    await p.screenshot({ path: testOutput("report-merge-gate-1280x720.png") });
    await p.close();
    expect(errors).toEqual([]);
  });

  it("keeps the side panel beside the swimlanes at 800 px wide, the store lane on screen", async () => {
    const p = await open(800, 700);
    await p.keyboard.press("v");
    const aside = p.locator("#run-0 aside.detail");
    await expectOnScreen(p.locator("#run-0 aside.detail h2"), 800, 700, "side panel heading");
    expect((await aside.boundingBox())!.width).toBeGreaterThanOrEqual(240);
    expect(await aside.locator(".violated").isVisible()).toBe(true);
    await expectOnScreen(p.locator("#run-0 th.lane-head.key"), 800, 700, "store lane head");
    await expectOnScreen(p.locator("#run-0 tr.row.current td.key-lane").first(), 800, 700, "store lane");
    await p.screenshot({ path: testOutput("report-heartbeat-vs-ack-800x700.png") });
    await p.close();
    expect(errors).toEqual([]);
  });

  it("shows the scenario's source as text, not a link", async () => {
    const scenario = scenarios.find((s) => s.name === "heartbeat-vs-ack")!;
    const p = await open(1280, 720);
    expect(await p.locator("#run-0 .about code.source").textContent()).toBe(scenario.source);
    expect(await p.locator("a").count()).toBe(0);
    await p.close();
  });

  it("shows the shrunk counterexample first and the original on its own tab", async () => {
    const tabs = page.locator(".tab");
    expect(await tabs.count()).toBe(2);
    expect(await tabs.nth(0).getAttribute("aria-selected")).toBe("true");
    expect(await tabs.nth(0).textContent()).toContain("shrunk counterexample");
    expect(await page.locator("#run-1").isVisible()).toBe(false);
    await tabs.nth(1).click();
    expect(await page.locator("#run-1").isVisible()).toBe(true);
    expect(await page.locator("#run-0").isVisible()).toBe(false);
    expect(await tabs.nth(1).textContent()).toContain("original, as found");
    await page.keyboard.press("v");
    expect(await current()).toBe(await page.locator("#run-1 tr.row.violation").getAttribute("data-index"));
    await page.screenshot({ path: testOutput("report-heartbeat-vs-ack-retry-without-recheck-original.png") });
    for (const name of [
      "report-heartbeat-vs-ack-retry-without-recheck.png",
      "report-heartbeat-vs-ack-retry-without-recheck-original.png",
    ]) {
      expect(existsSync(testOutput(name))).toBe(true);
      expect(statSync(testOutput(name)).size).toBeGreaterThan(20_000);
    }
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
  });
});
