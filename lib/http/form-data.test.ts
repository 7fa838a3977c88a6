import { describe, expect, it } from "vitest";
import { formArgument } from "./form-data";

describe("formArgument", () => {
  it("passes a real form through untouched", () => {
    const form = new FormData();
    form.set("firstName", "Ana");
    expect(formArgument(form)).toBe(form);
  });

  it("turns anything else into an empty form", () => {
    for (const value of [undefined, null, "firstName=Ana", { firstName: "Ana" }, ["firstName", "Ana"], 42]) {
      const form = formArgument(value);
      expect(form).toBeInstanceOf(FormData);
      expect([...form.keys()]).toEqual([]);
    }
  });
});
