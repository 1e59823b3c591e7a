/**
 * @interleave/sim/view — showing a trace to people: the terminal timeline, the self-contained HTML report
 * (and the run model it is built from), the Mermaid sequence diagram, and the HTML page of a linearizability
 * verdict. Used by `interleave replay`, `report`, `explore --html/--mermaid` and `lincheck --html`; import it
 * to render traces and verdicts in your own tools or tests.
 */

export { escapeHtml, REPORT_GENERATOR, renderReport, reportStylesheet } from "./html.js";
export { type LincheckPage, renderLincheckPage } from "./lincheck-page.js";
export {
  escapeMermaid,
  MERMAID_BODY_CHARS_MAX,
  MERMAID_MESSAGES_MAX_DEFAULT,
  type MermaidOptions,
  mermaidBlock,
  renderMermaid,
} from "./mermaid.js";
export {
  type ReportRun,
  type ReportRunTarget,
  type ReportStep,
  rebuildStore,
  replayStore,
  replayStoreAsync,
  replayStoreGen,
  reportRun,
  reportRunOf,
  reportRunOfAsync,
  reportRunOfGen,
  type StoreSource,
  valueAt,
} from "./report-model.js";
export {
  foldIdle,
  formatSeconds,
  formatTime,
  formatValue,
  isIdleResult,
  livenessOutcome,
  renderTimeline,
  type TimelineOptions,
} from "./timeline.js";
