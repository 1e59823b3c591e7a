/**
 * The HTML page of a linearizability verdict (`interleave lincheck --html`), in the counterexample report's
 * look (its stylesheet, escaping and banners). For a history that is not linearizable it draws the failing
 * window: a lane per process, each op a bar from its call to its return (a call that never returned runs open
 * to the right), the ops already linearized apart from the stuck ones, each stuck op's recorded output against
 * the machine's answer, the machine state reached and the partition. For a linearizable or unknown verdict the
 * page says so, so a page left from an earlier failing run is never mistaken for the current verdict.
 * One self-contained file without a script; pure: the same input gives the same bytes.
 */
import type { LinResult, LinWindow, LinWindowOp } from "../lincheck/types.js";
import { escapeHtml, REPORT_GENERATOR, reportStylesheet } from "./html.js";
import { formatValue } from "./timeline.js";

/** What the verdict page shows: the verdict and what it was checked against. */
export interface LincheckPage {
  /** The verdict of `checkLinearizable`. */
  readonly result: LinResult;
  /** The machine's name, e.g. `"Lease"`. */
  readonly machine: string;
  /** The machine's config, as given to `initial(config)`. */
  readonly config: unknown;
  /** How many ops the history holds. */
  readonly ops: number;
  /** The history file, for display; null for an in-memory history. */
  readonly file: string | null;
  /** The input field the ops were partitioned by (`--partition-by`), or null for one object. */
  readonly partitionBy: string | null;
}

/** Finite bars end by this share of the track's width; a pending op's bar runs on to the right edge. */
const FINITE_SHARE = 88;
/** Height of one row of bars in a lane, in px (a lane grows a row per overlapping op of its process). */
const ROW_PX = 28;
const TICKS = 5;

/**
 * The verdict page for `page` (see the module comment): a complete HTML document carrying the report's
 * generator tag, so `report` and `lincheck --html` replace each other's pages and nothing else.
 *
 * @example
 * const result = checkLinearizable(ops, { machine: Lease, config });
 * const html = renderLincheckPage({ result, machine: "Lease", config, ops: ops.length, file: null, partitionBy: null });
 */
export function renderLincheckPage(page: LincheckPage): string {
  const { result } = page;
  const title = `lincheck · ${page.machine} · ${result.verdict.replace("-", " ")}`;
  const body =
    result.verdict === "not-linearizable" ? renderWindowSection(result.window, page.partitionBy) : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${REPORT_GENERATOR}">
<title>${escapeHtml(`interleave · ${title}`)}</title>
<style>
${reportStylesheet()}
</style>
</head>
<body>
<header class="top">
  <h1><span class="brand">interleave</span> ${escapeHtml(title)}</h1>
</header>
<main class="lin">
  ${banner(page)}
  <p class="facts dim">${facts(page).join(" · ")}</p>
${body}
</main>
</body>
</html>
`;
}

/** The verdict in one sentence, coloured like the report's banners. */
function banner(page: LincheckPage): string {
  const { result } = page;
  const against = `${page.ops} op${page.ops === 1 ? "" : "s"} against ${escapeHtml(page.machine)}`;
  switch (result.verdict) {
    case "linearizable":
      return `<p class="banner ok" data-verdict="linearizable"><strong>✓ linearizable:</strong> ${against} <span class="dim">— some order of the calls, consistent with real time, replays on the machine and gives every recorded output (${result.partitions} partition${result.partitions === 1 ? "" : "s"}, ${result.states} states searched).</span></p>`;
    case "unknown":
      return `<p class="banner unknown" data-verdict="unknown"><strong>? unknown:</strong> ${escapeHtml(result.message)} <span class="dim">(${against}; ${result.states} states searched) — nothing is claimed: give the search more budget (--time-budget-ms, --states-max).</span></p>`;
    case "not-linearizable": {
      const w = result.window;
      const stuck = w.ops.filter((o) => !o.linearized).length;
      return `<p class="banner bad" data-verdict="not-linearizable"><strong>✗ not linearizable:</strong> ${against}${w.partition === null ? "" : ` (partition ${escapeHtml(JSON.stringify(w.partition))})`} <span class="dim">— no order of the calls consistent with real time gives every recorded output (proved by an exhaustive search of ${result.states} states). After ${w.prefixLength} op${w.prefixLength === 1 ? "" : "s"} linearized, ${stuck === 1 ? "the stuck op below cannot" : `none of the ${stuck} stuck ops below can`} take effect next.</span></p>`;
    }
  }
}

/** The facts line: the machine's config, the file, the partitioning and the search's size. */
function facts(page: LincheckPage): string[] {
  const { result } = page;
  return [
    `machine ${escapeHtml(page.machine)}`,
    `config <code>${escapeHtml(compact(page.config))}</code>`,
    `${page.ops} ops`,
    page.partitionBy === null
      ? "one object (not partitioned)"
      : `partitioned by input field <code>${escapeHtml(page.partitionBy)}</code>`,
    `${result.states} states searched`,
    page.file === null ? "" : `file ${escapeHtml(page.file)}`,
  ].filter((f) => f !== "");
}

/** The failing window: its timeline, its ops as a table, the state reached and a legend. */
function renderWindowSection(window: LinWindow, partitionBy: string | null): string {
  const stuck = window.ops.filter((o) => !o.linearized);
  const shownLinearized = window.ops.length - stuck.length;
  const deadline = firstStuckReturn(window.ops);
  const where =
    window.partition === null
      ? ""
      : ` of partition <code>${escapeHtml(partitionBy ?? "key")} = ${escapeHtml(JSON.stringify(window.partition))}</code>`;
  return `  <section class="lin-window" data-partition="${escapeHtml(window.partition ?? "")}">
  <h2>The failing window${where}</h2>
  <p class="dim">The search linearized ${window.prefixLength} op${window.prefixLength === 1 ? "" : "s"}, then got stuck: each stuck op gets another answer from the machine than the one recorded, and the stuck op that returns first cannot wait any longer. Shown: the ${stuck.length} stuck op${stuck.length === 1 ? "" : "s"} and the ${shownLinearized} linearized op${shownLinearized === 1 ? "" : "s"} overlapping them in time (a different order could have moved them; the search tried every such order).</p>
${renderTimeline(window.ops)}
${renderOpsTable(window.ops)}
  <h3>Machine state reached (after the ${window.prefixLength} linearized op${window.prefixLength === 1 ? "" : "s"})</h3>
  <pre class="lin-state">${escapeHtml(pretty(window.state))}</pre>
  <h3>Legend</h3>
  <ul class="lin-legend dim">
    <li><span class="lin-swatch stuck"></span> a stuck op: not linearized, and no place for it in the state reached</li>
    <li><span class="lin-swatch linearized"></span> a linearized op overlapping the stuck ones (part of the prefix)</li>
    <li><span class="lin-swatch pending"></span> a call that never returned: it may take effect at any time after its call, or never</li>
${deadline === null ? "" : `    <li><span class="lin-swatch deadline"></span> the first return of a stuck op, at ${deadline}: it must have taken effect by then</li>\n`}    <li>bars run from the call to the return, in the history's time unit (ms); <code>#n</code> is the op's index in the history (0-based, header not counted)</li>
  </ul>
  </section>`;
}

/** An op and the row of its process's lane it sits in (0 unless it overlaps an earlier op of the process). */
interface Placed {
  readonly op: LinWindowOp;
  readonly row: number;
}

/** The window's ops as bars, a lane per process (in order of first call), overlapping ops on extra rows. */
function renderTimeline(ops: readonly LinWindowOp[]): string {
  if (ops.length === 0) return `  <p class="dim">The window holds no ops.</p>`;
  const times = ops.flatMap((o) => (o.returnMs === null ? [o.callMs] : [o.callMs, o.returnMs]));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = t1 > t0 ? t1 - t0 : 1;
  const x = (t: number) => (FINITE_SHARE * (t - t0)) / span;
  const deadline = firstStuckReturn(ops);
  const deadlineLine =
    deadline === null
      ? ""
      : `<div class="lin-deadline" style="left:${pct(x(deadline))}" title="${escapeHtml(`the first stuck op returned at ${deadline}`)}"></div>`;
  const byCall = [...ops].sort((a, b) => a.callMs - b.callMs || a.index - b.index);
  const processes = [...new Set(byCall.map((o) => o.process))];
  const lanes = processes.map((process) => {
    const placed = placeRows(byCall.filter((o) => o.process === process));
    const rows = Math.max(1, ...placed.map((p) => p.row + 1));
    const bars = placed.map((p) => bar(p, x)).join("");
    return `    <div class="lin-lane" data-process="${escapeHtml(process)}"><div class="lin-lane-head" title="process">${escapeHtml(process)}</div><div class="lin-track" style="height:${rows * ROW_PX}px">${deadlineLine}${bars}</div></div>`;
  });
  const ticks = Array.from({ length: TICKS }, (_, k) => {
    const t = t0 + (span * k) / (TICKS - 1);
    return `<span class="lin-tick" style="left:${pct(x(t))}">${escapeHtml(String(Number(t.toFixed(2))))}</span>`;
  }).join("");
  return `  <div class="lin-timeline" role="figure" aria-label="the failing window's ops on a time axis, a lane per process">
    <div class="lin-lane lin-axis"><div class="lin-lane-head dim">time (ms)</div><div class="lin-track">${ticks}</div></div>
${lanes.join("\n")}
  </div>`;
}

/** When the first stuck op returned (it must have taken effect by then), or null when every stuck op is pending. */
function firstStuckReturn(ops: readonly LinWindowOp[]): number | null {
  const returns = ops.filter((o) => !o.linearized && o.returnMs !== null).map((o) => o.returnMs!);
  return returns.length === 0 ? null : Math.min(...returns);
}

/** Give each op (sorted by call) the first row whose last op returned before it was called. */
function placeRows(ops: readonly LinWindowOp[]): Placed[] {
  const rowEnds: number[] = [];
  return ops.map((op) => {
    let row = rowEnds.findIndex((end) => end < op.callMs);
    if (row < 0) row = rowEnds.length;
    rowEnds[row] = op.returnMs ?? Number.POSITIVE_INFINITY;
    return { op, row };
  });
}

/** One op as a positioned bar: `#n Input…`, its details in the tooltip. */
function bar({ op, row }: Placed, x: (t: number) => number): string {
  const left = x(op.callMs);
  const width = op.returnMs === null ? 100 - left : x(op.returnMs) - left;
  const classes = ["lin-op", op.linearized ? "linearized" : "stuck", op.returnMs === null ? "pending" : ""]
    .filter((c) => c !== "")
    .join(" ");
  const label = `#${op.index} ${formatValue(op.input, 0, op.process)}`;
  const tip = [
    `#${op.index} ${op.process}: ${compact(op.input)}`,
    `call ${op.callMs}, ${op.returnMs === null ? "never returned" : `return ${op.returnMs}`}`,
    op.returnMs === null ? "output unknown (pending)" : `recorded output ${compact(op.output)}`,
    op.linearized ? "linearized" : `stuck: the machine says ${compact(op.expected)}`,
  ].join("\n");
  return `<div class="${classes}" data-index="${op.index}" style="left:${pct(left)};width:${pct(width)};top:${row * ROW_PX + 3}px" title="${escapeHtml(tip)}">${escapeHtml(label)}</div>`;
}

/** The window's ops as a table: the stuck ones first, each with its recorded output and the machine's answer. */
function renderOpsTable(ops: readonly LinWindowOp[]): string {
  const order = [...ops].sort(
    (a, b) => Number(a.linearized) - Number(b.linearized) || a.callMs - b.callMs || a.index - b.index,
  );
  const rows = order.map((op) => {
    const output =
      op.returnMs === null
        ? `<td class="lin-recorded dim">? (pending: never returned)</td>`
        : `<td class="lin-recorded"><code>${escapeHtml(compact(op.output))}</code></td>`;
    const says = op.linearized
      ? `<td class="dim">(linearized)</td>`
      : `<td class="lin-expected"><code>${escapeHtml(compact(op.expected))}</code></td>`;
    return `      <tr class="lin-row ${op.linearized ? "linearized" : "stuck"}" data-index="${op.index}"><td class="idx">#${op.index}</td><td>${op.linearized ? "linearized" : "<strong>stuck</strong>"}</td><td>${escapeHtml(op.process)}</td><td class="time">${op.callMs}</td><td class="time">${op.returnMs === null ? "—" : op.returnMs}</td><td><code>${escapeHtml(compact(op.input))}</code></td>${output}${says}</tr>`;
  });
  return `  <table class="lin-ops">
    <thead><tr><th scope="col">op</th><th scope="col">status</th><th scope="col">process</th><th scope="col">call</th><th scope="col">return</th><th scope="col">input</th><th scope="col">recorded output</th><th scope="col">machine says (in the state reached)</th></tr></thead>
    <tbody>
${rows.join("\n")}
    </tbody>
  </table>`;
}

/** `value` as one line of JSON (`?` for undefined). */
function compact(value: unknown): string {
  return value === undefined ? "?" : JSON.stringify(value);
}

/** `value` as indented JSON (`?` for undefined). */
function pretty(value: unknown): string {
  return value === undefined ? "?" : JSON.stringify(value, null, 2);
}

/** A percentage for a style attribute, rounded to 0.01. */
function pct(value: number): string {
  return `${Number(value.toFixed(2))}%`;
}
