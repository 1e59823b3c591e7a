/**
 * The HTML counterexample report: one self-contained file (inline CSS, script and data; nothing fetched at view
 * time) showing one or more runs ({@link ReportRun}) as tabs — the shrunk counterexample first, the original
 * as found second. Each run is a swimlane diagram (a lane per process, then a lane per store key, virtual time
 * down the left), every step with its input and result, the store's whole state and the step's diff in a side
 * panel, faults marked, and the violated property highlighted at its step; a slider and the keyboard
 * (← → / j k, Home, End, PageUp/PageDown, `v` for the violation) move the current step.
 *
 * The swimlanes are rendered here, so the page reads without its script; the script (assets/report.js) adds
 * the navigation and the side panel from the embedded JSON.
 *
 * One step numbering (rows from 1, see `stepNumber`). The store-key lanes stay in view: they are pinned to the
 * right edge of the swimlanes (each `--key-lane` wide, in assets/report.css: together at most about half the
 * swimlanes' width), as the `#` and time columns are to the left edge, and on a screen at least 720 px wide the
 * swimlanes and the side panel scroll inside panes that fill the window below the run's header.
 */
import { reportAsset as asset } from "../io/report-assets.js";
import { type ReportRun, type ReportStep, stepNumber } from "./report-model.js";
import { formatTime } from "./timeline.js";

/** The `<meta name="generator">` of every report: `report` refuses to overwrite an HTML file without it. */
export const REPORT_GENERATOR = "interleave report";

/**
 * The report's stylesheet (assets/report.css), for the pages that share its look: the counterexample report
 * and the linearizability verdict (./lincheck-page.ts).
 */
export function reportStylesheet(): string {
  return asset("report.css");
}

/** Escape text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** JSON that is safe inside `<script type="application/json">` (no `</script>`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

const OP_ICON: Record<ReportStep["op"], string> = {
  tx: "●",
  read: "○",
  note: "~",
  sleep: "…",
  spawn: "+",
  kill: "−",
  pause: "‖",
  crash: "✖",
  restart: "↻",
  timer: "⏲",
  deliver: "←",
  fault: "⚡",
  deadline: "✗",
};

/**
 * The report page for `runs` (at least one; the first is shown first). `title` heads the page. Pure: the same
 * runs give the same bytes.
 */
export function renderReport(runs: readonly ReportRun[], options: { readonly title?: string } = {}): string {
  if (runs.length === 0) throw new Error("renderReport needs at least one run");
  const first = runs[0]!;
  const title = options.title ?? `${first.scenario} / ${first.variant}`;
  const tabs = runs
    .map(
      (r, i) =>
        `<button type="button" role="tab" class="tab" id="tab-${i}" data-run="${i}" aria-selected="${i === 0}" aria-controls="run-${i}">${escapeHtml(r.title)} <span class="dim">(${eventsOf(r)} events)</span></button>`,
    )
    .join("");
  const sections = runs.map((r, i) => renderRun(r, i)).join("\n");
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
<body class="report">
<header class="top">
  <h1><span class="brand">interleave</span> ${escapeHtml(title)}</h1>
  <nav class="tabs" role="tablist">${tabs}</nav>
  <p class="keys dim">Keys: ← → or j k step · PageUp PageDown ±10 · Home End · v the violation · click a row</p>
</header>
${sections}
<script type="application/json" id="report-data">${scriptJson({ runs })}</script>
<script>
${asset("report.js")}
</script>
</body>
</html>
`;
}

/** Events of the trace shown in a run (its rows without a synthetic deadline row). */
export function eventsOf(run: ReportRun): number {
  return run.steps.filter((s) => s.op !== "deadline").length;
}

function renderRun(run: ReportRun, i: number): string {
  const lanes = [
    ...run.processes.map((p) => ({ kind: "process", name: p })),
    ...run.keys.map((k) => ({ kind: "key", name: k })),
  ];
  const laneOf = new Map<string, number>();
  for (const [n, p] of run.processes.entries()) laneOf.set(`p:${p}`, n);
  for (const [n, k] of run.keys.entries()) laneOf.set(`k:${k}`, run.processes.length + n);
  // Key lane n of K is pinned (CSS position: sticky) at `right: (K - 1 - n) * --key-lane`, each lane that wide.
  const pin = (lane: number) =>
    lane < run.processes.length ? "" : ` style="right:calc(var(--key-lane) * ${lanes.length - 1 - lane})"`;
  const pinned = (lane: number) => (lane < run.processes.length ? "" : " key-lane");
  const head = lanes
    .map(
      (l, lane) =>
        `<th class="lane-head ${l.kind}${pinned(lane)}" scope="col" title="${l.kind === "key" ? "store key" : "process"}"${pin(lane)}>${l.kind === "key" ? "▣ " : ""}${escapeHtml(l.name)}</th>`,
    )
    .join("");
  const rows: string[] = [];
  let lastT = -1;
  for (const s of run.steps) {
    const own = laneOf.get(`p:${s.process}`) ?? 0;
    const keyLane = s.key === undefined ? -1 : (laneOf.get(`k:${s.key}`) ?? -1);
    const lo = keyLane < 0 ? own : Math.min(own, keyLane);
    const hi = keyLane < 0 ? own : Math.max(own, keyLane);
    const cells: string[] = [];
    if (s.op === "deadline") cells.push(`<td class="cell own" colspan="${lanes.length}">${chip(s)}</td>`);
    else
      for (let lane = 0; lane < lanes.length; lane++) {
        if (lane === own) cells.push(`<td class="cell own">${chip(s)}</td>`);
        else if (lane === keyLane)
          cells.push(`<td class="cell store${pinned(lane)}"${pin(lane)}>${storeChip(s)}</td>`);
        else if (lane > lo && lane < hi) cells.push(`<td class="cell wire${pinned(lane)}"${pin(lane)}></td>`);
        else cells.push(`<td class="cell${pinned(lane)}"${pin(lane)}></td>`);
      }
    // Time is shown where it changes, with the gap since the previous row shown by default: idle rows are
    // folded away unless asked for, so they neither hide a time change nor split a gap.
    const gap = lastT < 0 ? 0 : s.t - lastT;
    const time =
      s.t === lastT && !s.idle
        ? `<td class="time same">${formatTime(s.t)}</td>`
        : `<td class="time">${formatTime(s.t)}${gap > 0 && !s.idle ? `<span class="gap">+${formatTime(gap)}</span>` : ""}</td>`;
    if (!s.idle) lastT = s.t;
    const classes = [
      "row",
      `op-${s.op}`,
      s.fault ? "fault" : "",
      s.violation ? "violation" : "",
      s.idle ? "idle" : "",
    ]
      .filter((c) => c !== "")
      .join(" ");
    rows.push(
      `<tr class="${classes}" data-index="${s.index}" id="r${i}-${s.index}"><td class="idx">${stepNumber(s.index)}</td>${time}${cells.join("")}</tr>`,
    );
    if (s.violation && run.violation !== null && s.op !== "deadline") {
      rows.push(
        `<tr class="marker" aria-hidden="true"><td></td><td></td><td class="violation-marker" colspan="${lanes.length}">✗ violated here: ${escapeHtml(run.violation.property)}</td></tr>`,
      );
    }
  }
  const v = run.violation;
  const banner =
    v === null
      ? `<p class="banner ok">No property was violated in this run. <span class="dim">One schedule is a sample of one: it says nothing about the others. How strong a pass is — verified, bounded or sampled — is what <code>interleave explore</code> reports.</span></p>`
      : `<p class="banner bad" data-violation="${run.violationIndex ?? ""}"><strong>✗ property violated:</strong> ${escapeHtml(v.property)} <span class="dim">(${v.kind}; ${escapeHtml(run.violationMessage ?? "")}${run.violationIndex === null ? "" : `; at step ${stepNumber(run.violationIndex)}`}, t=${formatTime(v.t)})</span>${run.violationIndex === null ? "" : ` <button type="button" class="jump">go to step ${stepNumber(run.violationIndex)}</button>`}</p>`;
  const source =
    run.storeSource._tag === "Replayed"
      ? `store states replayed through the scenario`
      : `<span class="warn">store states rebuilt from the trace's recorded changes (only fields the run changed are shown): ${escapeHtml(run.storeSource.reason)}</span>`;
  const facts = [
    `seed ${run.seed}`,
    `strategy ${escapeHtml(run.strategy)}`,
    `${eventsOf(run)} events`,
    `${run.decisions} decisions`,
    `ends at ${formatTime(run.endMs)}`,
    run.shrunk === null ? "" : `shrunk from ${run.shrunk.originalDecisions} decisions`,
    run.swarm ? "swarm fault plan" : "",
    run.file === null ? "" : `file ${escapeHtml(run.file)}`,
    `fingerprint <code>${run.fingerprint.slice(0, 16)}…</code>`,
  ].filter((f) => f !== "");
  const idle = run.steps.filter((s) => s.idle).length;
  const idleToggle =
    idle === 0
      ? ""
      : `<label class="idle-toggle"><input type="checkbox" class="hide-idle" checked> hide ${idle} repeated idle step${idle === 1 ? "" : "s"} (polls that changed nothing)</label>`;
  const about =
    run.about === null
      ? ""
      : `<p class="about">${escapeHtml(run.about.description)} <span class="dim">· models <code class="source" title="the incident this scenario models, as the scenario names it">${escapeHtml(run.about.source)}</code> · variant <strong>${escapeHtml(run.variant)}</strong> expects ${run.about.expect}: ${escapeHtml(run.about.why)}</span></p>`;
  return `<section class="run${idle === 0 ? "" : " hiding-idle"}" id="run-${i}" role="tabpanel" aria-labelledby="tab-${i}" data-run="${i}"${i === 0 ? "" : " hidden"}>
  ${about}
  ${banner}
  <p class="facts dim">${facts.join(" · ")} · ${source}</p>
  <div class="controls">
    <button type="button" class="prev" aria-label="previous step">◀</button>
    <input type="range" class="slider" min="0" max="${Math.max(0, run.steps.length - 1)}" value="0" aria-label="step">
    <button type="button" class="next" aria-label="next step">▶</button>
    <span class="position" aria-live="polite">step ${stepNumber(0)} / ${run.steps.length}</span>
    ${idleToggle}
  </div>
  <div class="layout">
    <div class="lanes-wrap">
      <table class="lanes" style="--keys:${Math.max(1, run.keys.length)}">
        <thead><tr><th class="idx" scope="col">#</th><th class="time" scope="col">time</th>${head}</tr></thead>
        <tbody>
${rows.join("\n")}
        </tbody>
      </table>
    </div>
    <aside class="detail" aria-label="step detail"></aside>
  </div>
</section>`;
}

function chip(s: ReportStep): string {
  const icon = OP_ICON[s.op];
  return `<div class="chip ${s.op}" title="${escapeHtml(s.summary)}"><span class="icon">${icon}</span> ${escapeHtml(s.summary)}</div>`;
}

/** The store-key end of a `tx`: its result, what it changed and the effects it returned. */
function storeChip(s: ReportStep): string {
  const n = s.changes?.length ?? 0;
  const effects = s.effects?.length ?? 0;
  const parts = [n === 0 ? "unchanged" : `Δ ${n}`];
  if (effects > 0) parts.push(`⇒ ${effects}`);
  const result = s.resultSummary ?? "";
  return `<div class="chip key-chip${n === 0 ? " quiet" : ""}" title="${escapeHtml(`→ ${result} (${n} change${n === 1 ? "" : "s"}${effects > 0 ? `, ${effects} effect${effects === 1 ? "" : "s"}` : ""})`)}"><span class="arrow">→</span> ${escapeHtml(result)} <span class="delta">${parts.join(" ")}</span></div>`;
}
