/** A model registry named with `--models` in the `check` CLI tests. */
import { defineModel } from "../../../src/model/checked-model.js";
import { counter } from "./counter.js";

export default [
  defineModel({
    name: "corner",
    machine: "Counter",
    description: "a counter to 10",
    source: "test",
    expect: "pass",
    why: "no value is bad",
    build: () => counter(10),
  }),
];
