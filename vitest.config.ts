import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources; one test (packages/core/test/built-package.test.ts)
// imports the built packages from plain Node to prove the `exports` maps serve `dist/`.
// The sim's subpath entries come before its root: an alias also matches the ids under it (`@interleave/sim/x`).
export default defineConfig({
  resolve: {
    alias: {
      "@interleave/core/kit": src("./packages/core/src/kit.ts"),
      "@interleave/core": src("./packages/core/src/index.ts"),
      "@interleave/sim/strategies": src("./packages/sim/src/strategy/index.ts"),
      "@interleave/sim/search": src("./packages/sim/src/search/index.ts"),
      "@interleave/sim/statespace": src("./packages/sim/src/statespace/index.ts"),
      "@interleave/sim/trace": src("./packages/sim/src/trace/index.ts"),
      "@interleave/sim/view": src("./packages/sim/src/view/index.ts"),
      "@interleave/sim/redis": src("./packages/sim/src/redis/index.ts"),
      "@interleave/sim/cli": src("./packages/sim/src/cli/index.ts"),
      "@interleave/sim": src("./packages/sim/src/index.ts"),
      "@interleave/runtime-redis/testing": src("./packages/runtime-redis/src/testing/index.ts"),
      "@interleave/runtime-redis": src("./packages/runtime-redis/src/index.ts"),
      "@interleave/scenarios": src("./scenarios/index.ts"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "scenarios/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
