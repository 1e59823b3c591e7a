#!/usr/bin/env node
// The `interleave` command: a thin shim so the bin exists before `pnpm build` creates dist/.
import "../dist/cli/bin.js";
