/** nightly-interest: the user's job on the real LeaseManager (./nightly-interest.ts), under every strategy. */
import { describeRealCode } from "../real-code-testing.js";
import scenario from "./nightly-interest.js";

describeRealCode(scenario, { runs: 150, exhaustiveSchedules: 200 });
