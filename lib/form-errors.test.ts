import { describe, expect, it } from "vitest";
import { z } from "zod";
import { firstErrorPerField } from "./form-errors";

const schema = z.object({
  id: z.uuid({ error: "idInvalid" }),
  patient: z.object({
    name: z.string().min(1, { error: "required" }).max(3, { error: "tooLong" }),
    phone: z.string().regex(/^\+\d+$/),
  }),
});

describe("firstErrorPerField", () => {
  it("keys the first issue of each known field, nested or not, and calls an unknown message invalid", () => {
    const parsed = schema.safeParse({ id: "x", patient: { name: "", phone: "12" } });
    if (parsed.success) throw new Error("expected a failure");
    expect(
      firstErrorPerField(parsed.error, ["name", "phone"] as const, ["required", "tooLong", "invalid"] as const),
    ).toEqual({
      name: "required",
      phone: "invalid",
    });
  });
});
