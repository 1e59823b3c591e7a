/**
 * `@interleave/sim` linearizability checker: WGL search with Lowe's memo (Porcupine's algorithm) over a history
 * of concurrent operations, against any core machine as the sequential specification. Pure: no I/O, no clock.
 */
export {
  formatHistory,
  HISTORY_FORMAT,
  HISTORY_VERSION,
  type History,
  type HistoryHeader,
  operationSchema,
  parseHistory,
} from "./history.js";
export { renderWindow } from "./render.js";
export type {
  LinMachine,
  LinOperation,
  LinOptions,
  LinResult,
  LinSpec,
  LinWindow,
  LinWindowOp,
} from "./types.js";
export { checkLinearizable } from "./wgl.js";
export { type StepOutcome, withEffects } from "./with-effects.js";
