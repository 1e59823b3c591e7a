/**
 * Partial-order reduction keeps every verdict of `interleave check --all`: each registered model is checked with
 * and without reduction (`check --no-reduction`) and gets the same verdict — the same invariant for a violation,
 * verified for a pass. Models that declare no reduction run the very same search both ways, so only the models
 * that declare one (`StateSpaceModel.reduction`) are checked twice here; the test asserts there are some, among
 * them one that must be a violation.
 */
import { describe, expect, it } from "vitest";
import models from "./models.js";

const reducible = models.filter((m) => m.build().reduction !== undefined);

describe("interleave check --all, with and without partial-order reduction", () => {
  it("has models that declare a reduction, a pass and a violation among them", () => {
    expect(reducible.map((m) => m.expect).sort()).toEqual(["pass", "violation"]);
  });

  for (const model of reducible) {
    it(`${model.name}: the same verdict reduced and unreduced, in no more states`, () => {
      const reduced = model.check().result;
      const full = model.check({ reduction: false }).result;
      expect(reduced._tag).toBe(full._tag);
      expect(reduced._tag).toBe(model.expect === "pass" ? "Verified" : "Violation");
      if (reduced._tag === "Violation" && full._tag === "Violation") {
        expect(reduced.invariant).toBe(full.invariant);
      } else {
        expect(reduced.states).toBeLessThan(full.states);
      }
    });
  }
});
