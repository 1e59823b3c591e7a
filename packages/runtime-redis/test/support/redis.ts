// The tests' private Redis: the package's testing entry (src/testing/), shared with the benchmarks.
export * from "../../src/testing/index.js";
