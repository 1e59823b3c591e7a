/**
 * The linearizability verdict page (`interleave lincheck --html`, view/lincheck-page.ts) in a real headless
 * Chromium (Debian's, through playwright-core; one launch): the page of a lease granted to two holders at once,
 * with a call that never returned, written by the CLI and opened from disk with every network request refused.
 * Checks that it loads without a console error or page error and without a request beyond the file itself; that
 * the lanes and the stuck ops (the pending one open to the right edge) are laid out as visible boxes; and that
 * hostile process names and holders (markup, an `onerror` image, a script) are shown as text — no element of
 * theirs in the document, nothing run. Saves a screenshot under test-output/.
 * Without a browser: lincheck-page.test.ts.
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, testOutput } from "../../../test/support/chromium.js";
import { runCli } from "../src/cli/index.js";

const evilScript = "<script>window.__pwned = 'script'</script>";
const evilImage = "<img src=x onerror=\"window.__pwned='img'\">";
const evilQuote = `"'&b</pre><b class="injected">bold</b>`;

const header = { format: "interleave-history", version: 1, machine: "Lease", config: { leaseTtlMs: 1_000 } };
const acquire = (holder: string, atMs: number, output: unknown, callMs: number, returnMs: number | null) => ({
  process: holder,
  input: { _tag: "Acquire", holder, atMs },
  ...(returnMs === null ? {} : { output }),
  callMs,
  returnMs,
});
const granted = (token: number, expiresAtMs: number) => ({
  _tag: "Granted",
  token,
  expiresAtMs,
  reclaimed: false,
});
/** Two grants of the lease at once (the second is stuck) and a pending acquire overlapping them (stuck too). */
const history = [
  header,
  acquire(evilScript, 5, granted(1, 1_005), 0, 10),
  acquire(evilImage, 6, granted(2, 1_006), 2, 12),
  acquire(evilQuote, 9, null, 8, null),
];

async function cli(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}

/** The element's box, or a failure naming it. */
async function box(page: Page, selector: string, nth = 0) {
  const b = await page.locator(selector).nth(nth).boundingBox();
  if (b === null) throw new Error(`${selector} #${nth} has no box`);
  return b;
}

describe("the lincheck verdict page in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let html: string;
  const requests: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-lincheck-browser-"));
    writeFileSync(join(dir, "two-holders.jsonl"), `${history.map((l) => JSON.stringify(l)).join("\n")}\n`);
    html = join(dir, "two-holders.html");
    const written = await cli(["lincheck", "two-holders.jsonl", "--html", "two-holders.html"], dir);
    expect(written.code, written.stderr).toBe(1);
    expect(written.stdout).toContain(`html written: ${html}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("request", (r) => requests.push(r.url()));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://")) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    await page.goto(`file://${html}`, { waitUntil: "load" });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("loads with no console error, no page error and no request but the file itself", async () => {
    expect(await page.title()).toBe("interleave · lincheck · Lease · not linearizable");
    expect(await page.locator(".banner.bad").getAttribute("data-verdict")).toBe("not-linearizable");
    expect(await page.locator(".banner.bad").isVisible()).toBe(true);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requests).toEqual([`file://${html}`]);
  });

  it("draws a visible lane per process and the stuck ops as visible bars, the pending one open to the right", async () => {
    const lanes = page.locator(".lin-lane[data-process]");
    expect(await lanes.count()).toBe(3);
    for (let k = 0; k < 3; k++) {
      const lane = await box(page, ".lin-lane[data-process]", k);
      expect(lane.width).toBeGreaterThan(100);
      expect(lane.height).toBeGreaterThan(10);
    }
    const stuck = page.locator(".lin-op.stuck");
    expect(await stuck.count()).toBe(2);
    expect(await stuck.evaluateAll((els) => els.map((e) => e.getAttribute("data-index")))).toEqual([
      "1",
      "2",
    ]);
    for (let k = 0; k < 2; k++) {
      expect(await stuck.nth(k).isVisible()).toBe(true);
      const b = await box(page, ".lin-op.stuck", k);
      expect(b.width).toBeGreaterThan(10);
      expect(b.height).toBeGreaterThan(10);
    }
    const linearized = await box(page, ".lin-op.linearized");
    expect(linearized.width).toBeGreaterThan(10);
    // worker 1's grant (2–12) starts right of worker 0's (0–10); both end within the track.
    const second = await box(page, '.lin-op.stuck[data-index="1"]');
    expect(second.x).toBeGreaterThan(linearized.x);
    // The call that never returned runs to the right edge of its lane's track.
    const pending = await box(page, ".lin-op.stuck.pending");
    const track = await box(page, ".lin-lane[data-process] .lin-track:has(.lin-op.pending)");
    expect(Math.abs(pending.x + pending.width - (track.x + track.width))).toBeLessThan(2);
    expect(second.x + second.width).toBeLessThan(track.x + track.width - 10);
    // The deadline line (the first stuck return) is drawn in every lane.
    expect(await page.locator(".lin-deadline").count()).toBe(3);
    expect((await box(page, ".lin-deadline")).height).toBeGreaterThan(10);
    // The table: the two stuck rows first, each with the machine's answer.
    const rows = page.locator("table.lin-ops tbody tr");
    expect(await rows.evaluateAll((els) => els.map((e) => e.className))).toEqual([
      "lin-row stuck",
      "lin-row stuck",
      "lin-row linearized",
    ]);
    expect(await page.locator("table.lin-ops tr.stuck td.lin-expected").first().textContent()).toContain(
      '"_tag":"Busy"',
    );
    expect(await page.locator("table.lin-ops").isVisible()).toBe(true);
    expect(await page.locator("pre.lin-state").isVisible()).toBe(true);
    await page.screenshot({ path: testOutput("lincheck-two-holders.png"), fullPage: true });
    expect(existsSync(testOutput("lincheck-two-holders.png"))).toBe(true);
    expect(statSync(testOutput("lincheck-two-holders.png")).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });

  it("shows hostile strings as text: no element of theirs, nothing run", async () => {
    expect(await page.locator("script").count()).toBe(0);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("b.injected").count()).toBe(0);
    expect(await page.locator("pre").count()).toBe(1);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    const heads = await page.locator(".lin-lane[data-process] .lin-lane-head").allTextContents();
    expect(heads).toEqual([evilScript, evilImage, evilQuote]);
    expect(
      await page
        .locator(".lin-lane[data-process]")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-process"))),
    ).toEqual([evilScript, evilImage, evilQuote]);
    const processCells = await page.locator("table.lin-ops tbody tr td:nth-child(3)").allTextContents();
    expect([...processCells].sort()).toEqual([evilScript, evilImage, evilQuote].sort());
    // The state reached names the first holder, as text.
    expect(JSON.parse((await page.locator("pre.lin-state").textContent()) ?? "")).toMatchObject({
      holder: evilScript,
    });
    expect(await page.locator(`.lin-op.stuck[data-index="2"]`).getAttribute("title")).toContain(evilQuote);
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
  });
});
