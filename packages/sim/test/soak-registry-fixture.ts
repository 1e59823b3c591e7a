/** A scenario registry module for the soak tests that need one on disk (`--scenarios`, `--workers`). */
import { lostUpdate, rareLostUpdate } from "./fixtures.js";

export default [lostUpdate, rareLostUpdate];
