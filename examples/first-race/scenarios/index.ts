/** The registry `interleave explore` finds from this directory: it default-exports the array of scenarios. */
import type { Scenario } from "@interleave/sim";
import nightlyReport from "./nightly-report.js";

const scenarios: readonly Scenario[] = [nightlyReport];
export default scenarios;
