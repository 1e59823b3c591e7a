/**
 * The HTML page of a linearizability verdict (view/lincheck-page.ts) without a browser, on the classics: a
 * lease granted to two holders at once (a call that never returned among the stuck ops) and a register's stale
 * read checked per key — the stuck ops, the lanes, each stuck op's recorded output against the machine's
 * answer, the state reached and the partition; hostile process names and values escaped; the linearizable and
 * unknown pages. The `--html` option of the CLI: lincheck-cli.test.ts; the page in a real browser:
 * lincheck-page.browser.test.ts.
 */
import { Lease } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { checkLinearizable, type LinOperation, type LinResult } from "../src/lincheck/index.js";
import { escapeHtml, type LincheckPage, REPORT_GENERATOR, renderLincheckPage } from "../src/view/index.js";

const config = { leaseTtlMs: 1_000 };
const acquire = (
  process: string,
  holder: string,
  atMs: number,
  output: unknown,
  callMs: number,
  returnMs: number | null,
): LinOperation<Lease.Event> => ({
  process,
  input: { _tag: "Acquire", holder, atMs },
  output,
  callMs,
  returnMs,
});
const granted = (token: number, expiresAtMs: number) => ({
  _tag: "Granted",
  token,
  expiresAtMs,
  reclaimed: false,
});

/** The page of `ops` checked against the Lease machine. */
function leasePage(ops: readonly LinOperation<Lease.Event>[]): { html: string; result: LinResult } {
  const result = checkLinearizable(ops, { machine: Lease, config });
  const page: LincheckPage = {
    result,
    machine: "Lease",
    config,
    ops: ops.length,
    file: "two-holders.jsonl",
    partitionBy: null,
  };
  return { html: renderLincheckPage(page), result };
}

/** The escaped compact JSON of `value`, as the page's table shows it. */
const shown = (value: unknown) => escapeHtml(JSON.stringify(value));

/** The opening tag of the element with class `cls` and `data-index="index"`, or undefined. */
const tagOf = (html: string, cls: string, index: number) =>
  new RegExp(`<[a-z]+ class="${cls}[^"]*" data-index="${index}"[^>]*>`).exec(html)?.[0];

describe("the verdict page of a lease granted to two holders at once", () => {
  const ops = [
    acquire("worker-a", "worker-a", 5, granted(1, 1_005), 0, 10),
    acquire("worker-b", "worker-b", 6, granted(2, 1_006), 2, 12),
    acquire("worker-c", "worker-c", 9, undefined, 8, null),
  ];
  const { html, result } = leasePage(ops);

  it("is a report-style page saying not linearizable, with the counts", () => {
    expect(result.verdict).toBe("not-linearizable");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<meta name="generator" content="${REPORT_GENERATOR}">`);
    expect(html).toContain('<p class="banner bad" data-verdict="not-linearizable">');
    expect(html).toContain("3 ops against Lease");
    expect(html).toContain("After 1 op linearized, none of the 2 stuck ops below can take effect next");
    expect(html).toContain(`config <code>${shown(config)}</code>`);
    expect(html).toContain("one object (not partitioned)");
    expect(html).toContain("file two-holders.jsonl");
    expect(html).not.toContain("<script");
  });

  it("draws a lane per process and each op as a bar from its call to its return, the stuck ones marked", () => {
    const lanes = [...html.matchAll(/<div class="lin-lane" data-process="([^"]*)">/g)].map((m) => m[1]);
    expect(lanes).toEqual(["worker-a", "worker-b", "worker-c"]);
    // Time runs from 0 to 12 over 88% of the track: worker-a's grant 0–10, worker-b's 2–12.
    expect(tagOf(html, "lin-op linearized", 0)).toContain('style="left:0%;width:73.33%;top:3px"');
    expect(tagOf(html, "lin-op stuck", 1)).toContain('style="left:14.67%;width:73.33%;top:3px"');
    // The call that never returned runs open to the right edge.
    expect(tagOf(html, "lin-op stuck pending", 2)).toContain('style="left:58.67%;width:41.33%;top:3px"');
    // worker-b's return at 12 is where the search had to place it.
    expect(html).toContain('<div class="lin-deadline" style="left:88%"');
    expect(html).toContain("the first return of a stuck op, at 12");
  });

  it("sets each stuck op's recorded output against the machine's answer, and shows the state reached", () => {
    const busy = { _tag: "Busy", holder: "worker-a", expiresAtMs: 1_005 };
    const row = (index: number) =>
      new RegExp(`<tr class="lin-row [a-z]+" data-index="${index}">.*</tr>`).exec(html)?.[0] ?? "";
    expect(row(1)).toContain('class="lin-row stuck"');
    expect(row(1)).toContain(`<td class="lin-recorded"><code>${shown(granted(2, 1_006))}</code></td>`);
    expect(row(1)).toContain(`<td class="lin-expected"><code>${shown(busy)}</code></td>`);
    expect(row(2)).toContain("? (pending: never returned)");
    expect(row(2)).toContain(`<td class="lin-expected"><code>${shown(busy)}</code></td>`);
    expect(row(0)).toContain('class="lin-row linearized"');
    expect(row(0)).toContain("(linearized)");
    // Stuck ops first in the table.
    expect(html.indexOf('data-index="1"><td')).toBeLessThan(html.indexOf('data-index="0"><td'));
    expect(html).toContain(
      `<pre class="lin-state">${escapeHtml(JSON.stringify(stateOf(result), null, 2))}</pre>`,
    );
    expect(html).toContain("&quot;holder&quot;: &quot;worker-a&quot;");
  });

  it("is pure: the same verdict gives the same bytes", () => {
    expect(leasePage(ops).html).toBe(html);
  });
});

function stateOf(result: LinResult): unknown {
  return result.verdict === "not-linearizable" ? result.window.state : undefined;
}

describe("the verdict page of a register's stale read, checked per key", () => {
  type Event = { _tag: "Write"; key: string; value: number } | { _tag: "Read"; key: string };
  const Register = {
    initial: (_: null): Readonly<Record<string, number>> => ({}),
    transition: (
      state: Readonly<Record<string, number>>,
      e: Event,
    ): { state: typeof state; result: unknown } =>
      e._tag === "Write"
        ? { state: { ...state, [e.key]: e.value }, result: { _tag: "Ok" } }
        : { state, result: { _tag: "Value", value: state[e.key] ?? 0 } },
  };
  const op = (process: string, input: Event, output: unknown, callMs: number, returnMs: number) => ({
    process,
    input,
    output,
    callMs,
    returnMs,
  });
  const ops = [
    op("a", { _tag: "Write", key: "x", value: 1 }, { _tag: "Ok" }, 0, 10),
    op("b", { _tag: "Write", key: "x", value: 2 }, { _tag: "Ok" }, 20, 30),
    op("d", { _tag: "Write", key: "y", value: 7 }, { _tag: "Ok" }, 25, 45),
    op("c", { _tag: "Read", key: "x" }, { _tag: "Value", value: 1 }, 40, 50),
  ];
  const result = checkLinearizable(ops, { machine: Register, config: null, partition: (e) => e.key });
  const html = renderLincheckPage({
    result,
    machine: "Register",
    config: null,
    ops: ops.length,
    file: null,
    partitionBy: "key",
  });

  it("names the partition and shows the stale read against the value the machine holds", () => {
    expect(result.verdict).toBe("not-linearizable");
    expect(html).toContain("partitioned by input field <code>key</code>");
    expect(html).toContain(`The failing window of partition <code>key = ${escapeHtml('"x"')}</code>`);
    expect(html).toContain('data-partition="x"');
    expect(html).toContain("After 2 ops linearized, the stuck op below cannot take effect next");
    expect(tagOf(html, "lin-op stuck", 3)).toBeDefined();
    expect(html).toContain(
      `<td class="lin-recorded"><code>${shown({ _tag: "Value", value: 1 })}</code></td>`,
    );
    expect(html).toContain(
      `<td class="lin-expected"><code>${shown({ _tag: "Value", value: 2 })}</code></td>`,
    );
    // Only the stuck read is in the window: the writes returned before it was called.
    expect([...html.matchAll(/<div class="lin-lane" data-process="([^"]*)">/g)].map((m) => m[1])).toEqual([
      "c",
    ]);
    expect(html).not.toContain("· file ");
  });
});

describe("hostile strings", () => {
  it("a process named <script> and values full of markup are escaped everywhere", () => {
    const evil = "<script>alert(1)</script>";
    const ops = [
      acquire(evil, evil, 5, granted(1, 1_005), 0, 10),
      acquire(`"'&b</pre>`, `"'&b</pre>`, 6, granted(2, 1_006), 2, 12),
    ];
    const { html, result } = leasePage(ops);
    expect(result.verdict).toBe("not-linearizable");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("</script>");
    expect(html).not.toContain("&b</pre>");
    expect(html).toContain(`data-process="${escapeHtml(evil)}"`);
    expect(html).toContain(`>${escapeHtml(evil)}</div>`);
    // The machine's answer names the hostile holder; it is escaped in the table and the state too.
    expect(html).toContain(escapeHtml(JSON.stringify({ _tag: "Busy", holder: evil, expiresAtMs: 1_005 })));
    expect(html.match(/<\/pre>/g)).toHaveLength(1);
  });
});

describe("the page of a verdict without a window", () => {
  it("a window without ops (not produced by the checker) still renders, without a timeline", () => {
    const result: LinResult = {
      verdict: "not-linearizable",
      states: 0,
      window: { partition: null, prefixLength: 0, state: null, ops: [] },
    };
    const html = renderLincheckPage({
      result,
      machine: "Lease",
      config,
      ops: 0,
      file: null,
      partitionBy: null,
    });
    expect(html).toContain("The window holds no ops.");
    expect(html).not.toContain("NaN");
  });

  it("linearizable: says so, with the partitions and states", () => {
    const { html, result } = leasePage([acquire("a", "a", 5, granted(1, 1_005), 0, 10)]);
    expect(result.verdict).toBe("linearizable");
    expect(html).toContain(
      '<p class="banner ok" data-verdict="linearizable"><strong>✓ linearizable:</strong>',
    );
    expect(html).toContain("(1 partition, ");
    expect(html).not.toContain("lin-window");
  });

  it("unknown: says nothing is claimed", () => {
    const ops = [
      acquire("a", "a", 5, granted(1, 1_005), 0, 10),
      acquire("b", "b", 6, granted(2, 1_006), 2, 12),
    ];
    const result = checkLinearizable(ops, { machine: Lease, config }, { statesMax: 1 });
    expect(result.verdict).toBe("unknown");
    const html = renderLincheckPage({
      result,
      machine: "Lease",
      config,
      ops: 2,
      file: null,
      partitionBy: null,
    });
    expect(html).toContain('<p class="banner unknown" data-verdict="unknown"><strong>? unknown:</strong>');
    expect(html).toContain("nothing is claimed");
    expect(html).not.toContain("lin-window");
  });
});
