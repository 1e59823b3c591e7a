/** A scenario registry module for CLI tests that need one on disk (`--scenarios`, `--workers`). */
import { lostUpdate } from "./fixtures.js";

export default [lostUpdate];
