// interleave report: step navigation (slider, buttons, keyboard, clicks, #run=R&step=S in the address) and
// the step panel (input, result, effects, the step's diff, the whole store at that step with changed fields
// marked). The runs are the JSON in #report-data; the swimlanes are already in the page.
// One numbering: row `index` (0-based in the data) is shown as step `index + 1` everywhere, the address too.
(() => {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const sections = Array.from(document.querySelectorAll("section.run"));
  const tabs = Array.from(document.querySelectorAll(".tab"));
  const selected = sections.map(() => 0);
  let active = 0;

  const esc = (text) =>
    String(text)
      .replaceAll("&", "&amp;")
      .replaceAll("<", "&lt;")
      .replaceAll(">", "&gt;")
      .replaceAll('"', "&quot;");
  const time = (ms) => `${(ms / 1000).toFixed(3)}s`;
  const stepNumber = (index) => index + 1;

  /** Pretty JSON as HTML; a record field whose path is in `marks` is wrapped in <mark>. */
  function json(value, path, marks, indent) {
    if (value === undefined) return '<span class="absent">∅</span>';
    if (value === null || typeof value !== "object")
      return `<span class="lit">${esc(JSON.stringify(value))}</span>`;
    const pad = "  ".repeat(indent + 1);
    const end = "  ".repeat(indent);
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      const items = value.map((v) => pad + json(v, null, marks, indent + 1));
      return `[\n${items.join(",\n")}\n${end}]`;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return "{}";
    const lines = keys.map((k) => {
      const p = path === null ? null : path === "" ? k : `${path}.${k}`;
      const line = `${pad}<span class="k">${esc(JSON.stringify(k))}</span>: ${json(value[k], p, marks, indent + 1)}`;
      return p !== null && marks.has(p) ? `<mark>${line}</mark>` : line;
    });
    return `{\n${lines.join(",\n")}\n${end}}`;
  }

  /** The state of `key` at row `index` (after that row ran). */
  function stateAt(run, key, index) {
    const list = run.states[key] || [];
    let state;
    for (const [at, s] of list) {
      if (at > index) break;
      state = s;
    }
    return state;
  }

  function detail(run, step) {
    const parts = [];
    parts.push(
      `<h2>Step ${stepNumber(step.index)} <span class="dim">· t=${time(step.t)}</span></h2>`,
      `<p class="who"><span class="pill">${esc(step.process)}</span> ${esc(step.op)}${step.key === undefined ? "" : ` on <span class="pill key">${esc(step.key)}</span>`}${step.fault ? ' <span class="pill fault">fault</span>' : ""}</p>`,
    );
    if (step.violation && run.violation !== null)
      parts.push(
        `<p class="violated">✗ ${run.violation.kind === "eventually" ? esc(run.violationOutcome ?? "deadline passed") : "violated here"}: ${esc(run.violation.property)}<br><span class="dim">${esc(run.violationMessage ?? "")}</span></p>`,
      );
    const none = new Set();
    if (step.input !== undefined) parts.push(`<h3>Input</h3><pre>${json(step.input, null, none, 0)}</pre>`);
    if (step.result !== undefined)
      parts.push(`<h3>Result</h3><pre>${json(step.result, null, none, 0)}</pre>`);
    if (step.effects !== undefined && step.effects.length > 0)
      parts.push(`<h3>Effects</h3><pre>${step.effects.map((f) => json(f, null, none, 0)).join("\n")}</pre>`);
    const changes = step.changes || [];
    if (step.op === "tx") {
      parts.push(
        changes.length === 0
          ? '<h3>Diff</h3><p class="dim">this step changed nothing in the store</p>'
          : `<h3>Diff <span class="dim">(${changes.length})</span></h3><table class="diff"><thead><tr><th>path</th><th>before</th><th>after</th></tr></thead><tbody>${changes
              .map(
                (c) =>
                  `<tr><td><code>${esc(c.path || "(whole state)")}</code></td><td class="before">${c.before === undefined ? "∅" : esc(JSON.stringify(c.before))}</td><td class="after">${c.after === undefined ? "∅" : esc(JSON.stringify(c.after))}</td></tr>`,
              )
              .join("")}</tbody></table>`,
      );
    }
    parts.push(
      `<h3>Store after this step${run.storeSource._tag === "Rebuilt" ? ' <span class="warn">(rebuilt: changed fields only)</span>' : ""}</h3>`,
    );
    for (const key of run.keys) {
      const marks = new Set(step.key === key ? changes.map((c) => c.path) : []);
      const touched = step.key === key && changes.length > 0;
      parts.push(
        `<details class="store-key" open data-key="${esc(key)}"><summary>▣ ${esc(key)}${touched ? ' <span class="changed-tag">changed</span>' : ""}</summary><pre>${marks.has("") ? "<mark>" : ""}${json(stateAt(run, key, step.index), "", marks, 0)}${marks.has("") ? "</mark>" : ""}</pre></details>`,
      );
    }
    return parts.join("\n");
  }

  /** The row indices the slider and keys step through: all, or those not hidden as idle. */
  function order(runIndex) {
    const run = data.runs[runIndex];
    const hiding = sections[runIndex].classList.contains("hiding-idle");
    return run.steps.filter((s) => !(hiding && s.idle)).map((s) => s.index);
  }

  /** Select row `index` of run `runIndex` (a hidden idle row selects the nearest visible row before it). */
  function select(runIndex, index, scroll) {
    const run = data.runs[runIndex];
    const section = sections[runIndex];
    const rows = order(runIndex);
    let position = 0;
    for (let n = 0; n < rows.length; n++) if (rows[n] <= index) position = n;
    const i = rows.length === 0 ? 0 : rows[position];
    selected[runIndex] = i;
    for (const row of section.querySelectorAll("tr.row")) {
      const n = Number(row.dataset.index);
      row.classList.toggle("current", n === i);
      row.classList.toggle("future", n > i);
    }
    const slider = section.querySelector(".slider");
    slider.max = String(Math.max(0, rows.length - 1));
    slider.value = String(position);
    slider.setAttribute("aria-valuetext", `step ${stepNumber(i)}`);
    section.querySelector(".position").textContent =
      `step ${stepNumber(i)} / ${run.steps.length} · t=${run.steps.length === 0 ? "—" : time(run.steps[i].t)}`;
    section.querySelector(".detail").innerHTML =
      run.steps.length === 0 ? "<p>no steps</p>" : detail(run, run.steps[i]);
    if (scroll) {
      // The row's own-process cell, so the lanes pane also scrolls sideways to the process that acted; the
      // scroll padding keeps it clear of the pinned columns (# and time, the store-key lanes) and lane heads.
      const wrap = section.querySelector(".lanes-wrap");
      const width = (selector) =>
        Array.from(wrap.querySelectorAll(selector)).reduce(
          (w, th) => w + th.getBoundingClientRect().width,
          0,
        );
      wrap.style.scrollPaddingTop = `${wrap.querySelector("thead").getBoundingClientRect().height}px`;
      wrap.style.scrollPaddingLeft = `${width("thead th.idx, thead th.time")}px`;
      wrap.style.scrollPaddingRight = `${width("thead th.key-lane")}px`;
      const cell = section.querySelector(`tr.row[data-index="${i}"] td.own`);
      if (cell) cell.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    if (history.replaceState) history.replaceState(null, "", `#run=${runIndex}&step=${stepNumber(i)}`);
  }

  /** Move `delta` visible rows from the selected one (or to the first / last with ±Infinity). */
  function move(runIndex, delta) {
    const rows = order(runIndex);
    if (rows.length === 0) return;
    const at = Math.max(0, rows.indexOf(selected[runIndex]));
    const to = delta === -Infinity ? 0 : delta === Infinity ? rows.length - 1 : at + delta;
    select(runIndex, rows[Math.max(0, Math.min(rows.length - 1, to))], true);
  }

  function show(runIndex) {
    active = runIndex;
    sections.forEach((s, n) => {
      s.hidden = n !== runIndex;
    });
    tabs.forEach((t, n) => {
      t.setAttribute("aria-selected", String(n === runIndex));
    });
    select(runIndex, selected[runIndex], false);
  }

  tabs.forEach((tab, n) => {
    tab.addEventListener("click", () => show(n));
  });
  sections.forEach((section, n) => {
    section.querySelector(".slider").addEventListener("input", (e) => {
      const rows = order(n);
      select(n, rows[Number(e.target.value)] ?? 0, true);
    });
    section.querySelector(".prev").addEventListener("click", () => move(n, -1));
    section.querySelector(".next").addEventListener("click", () => move(n, 1));
    const hide = section.querySelector(".hide-idle");
    if (hide)
      hide.addEventListener("change", () => {
        section.classList.toggle("hiding-idle", hide.checked);
        select(n, selected[n], true);
      });
    const jump = section.querySelector(".jump");
    if (jump) jump.addEventListener("click", () => select(n, data.runs[n].violationIndex ?? 0, true));
    section.querySelector("tbody").addEventListener("click", (e) => {
      const row = e.target.closest("tr.row");
      if (row) select(n, Number(row.dataset.index), false);
    });
  });

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // The focused slider moves itself on arrows, Home, End and PageUp/Down (and fires "input").
    if (e.target instanceof HTMLInputElement && e.target.classList.contains("slider")) return;
    if (e.target instanceof HTMLInputElement && e.target.type === "checkbox" && e.key === " ") return;
    const moves = {
      ArrowRight: 1,
      ArrowDown: 1,
      j: 1,
      ArrowLeft: -1,
      ArrowUp: -1,
      k: -1,
      PageDown: 10,
      PageUp: -10,
    };
    if (e.key in moves) move(active, moves[e.key]);
    else if (e.key === "Home") move(active, -Infinity);
    else if (e.key === "End") move(active, Infinity);
    else if (e.key === "v" && data.runs[active].violationIndex !== null)
      select(active, data.runs[active].violationIndex, true);
    else return;
    e.preventDefault();
  });

  const hash = /^#run=(\d+)&step=(\d+)$/.exec(location.hash);
  if (hash && Number(hash[1]) < sections.length) {
    const runIndex = Number(hash[1]);
    selected[runIndex] = Math.max(0, Number(hash[2]) - 1);
    show(runIndex);
    select(runIndex, selected[runIndex], true);
  } else show(0);
})();
