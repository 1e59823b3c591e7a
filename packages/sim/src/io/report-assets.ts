/**
 * The HTML report's static assets (view/assets: its stylesheet and script), read from beside the sources
 * (src/view/assets, copied to dist/view/assets by the build) once and inlined by view/html.ts, so the
 * report's renderer itself stays free of file I/O.
 */
import { readFileSync } from "node:fs";

const assets = new Map<string, string>();

/** The text of asset file `name` (`report.css`, `report.js`). */
export function reportAsset(name: string): string {
  let text = assets.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../view/assets/${name}`, import.meta.url), "utf8");
    assets.set(name, text);
  }
  return text;
}
