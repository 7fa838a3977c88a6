import { describe, expect, it } from "vitest";
import { AppError, isAppError, publicErrorBody } from "./errors";

describe("isAppError", () => {
  it("recognises an AppError made by another copy of this module (another bundle)", () => {
    class ForeignAppError extends Error {
      readonly code = "NOT_FOUND";
      readonly status = 404;
      constructor(message: string) {
        super(message);
        Object.defineProperty(this, Symbol.for("consulta.AppError"), { value: true });
      }
    }
    const foreign = new ForeignAppError("Appointment not found.");
    expect(isAppError(foreign)).toBe(true);
    expect(publicErrorBody(foreign)).toEqual({ error: { code: "NOT_FOUND", message: "Appointment not found." } });
  });

  it("is true for its own errors and false for anything else", () => {
    expect(isAppError(new AppError("CONFLICT", "x"))).toBe(true);
    expect(isAppError(new Error("x"))).toBe(false);
    expect(isAppError({ code: "NOT_FOUND", message: "x" })).toBe(false);
    expect(isAppError(null)).toBe(false);
  });
});
