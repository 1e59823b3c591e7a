/** The model registry `check` finds by walking up from the fixture directory (scenarios/models.ts). */
import { defineModel } from "../../../../src/model/checked-model.js";
import { counter } from "../counter.js";

export default [
  defineModel({
    name: "fixture-model",
    machine: "Counter",
    description: "a counter to 5 that must not reach 4",
    source: "test",
    expect: "violation",
    why: "the counter reaches 4",
    build: () => counter(5, 4),
  }),
];
