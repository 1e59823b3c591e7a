/**
 * Prints the interleave vs fast-check lost-update figures as a table (3 writers × 2 increments, 2,000 pass
 * runs, 2,000-run budget per seed). A quick look at whether both tools find the race on most seeds and how
 * their per-schedule cost compares; run from the repo root:
 *
 *   npx tsx --conditions=source bench/peer/lost-update.check.ts
 */
import { benchLostUpdate } from "./lost-update.js";

const rows = await benchLostUpdate({ writers: 3, increments: 2, passRuns: 2000, budgetRuns: 2000 });
console.table(rows);
