/**
 * @interleave/sim/trace — the trace format: its name and version, the fingerprint of an event log, and the
 * parser that validates a trace file's text. The `Trace` type and `readTrace`/`writeTrace` (files) are in
 * `@interleave/sim`. For tools that read or produce traces without the simulator.
 */

export {
  FINGERPRINTED_FIELDS,
  type FingerprintedRun,
  fingerprint,
  TRACE_FORMAT,
  TRACE_VERSION,
} from "./format.js";
export { parseTrace } from "./schema.js";
