import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources; one test (packages/core/test/built-package.test.ts)
// imports the built packages from plain Node to prove the `exports` maps serve `dist/`.
export default defineConfig({
  resolve: {
    alias: {
      "@interleave/core": src("./packages/core/src/index.ts"),
      "@interleave/sim": src("./packages/sim/src/index.ts"),
      "@interleave/runtime-redis/testing": src("./packages/runtime-redis/src/testing/index.ts"),
      "@interleave/runtime-redis": src("./packages/runtime-redis/src/index.ts"),
      "@interleave/scenarios": src("./scenarios/index.ts"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "scenarios/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
