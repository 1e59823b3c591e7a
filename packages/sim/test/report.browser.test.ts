/**
 * The HTML counterexample report in a real headless Chromium (Debian's, through playwright-core): a report of a
 * shipped scenario's counterexample (heartbeat-vs-ack retry-without-recheck: a worker paused past its claim)
 * written by the `report` command, opened from disk with every network request refused. Checks that the
 * swimlanes (one per process and per store key), every step, the fault and the violation marker render; that
 * the slider, the buttons, the keyboard and the tabs move the current step and the side panel follows it; and
 * saves screenshots under test-output/.
 */
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    expect(await page.locator("#run-0 .position").textContent()).toContain(`step ${second} /`);
    expect(await page.locator("#run-0 aside.detail h2").textContent()).toContain(`Step ${second}`);
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
