import { describe, expect, it, vi } from "vitest";

// Next bundles the workers (instrumentation) and each route separately; services on globalThis can
// throw an error built by one copy of lib/errors and have it checked by another copy.
async function freshCopy() {
  vi.resetModules();
  return import("./errors");
}

describe("errors across module copies", () => {
  it("recognises an AppError made by another copy of the module", async () => {
    const first = await freshCopy();
    const second = await freshCopy();
    expect(first.AppError).not.toBe(second.AppError);
    const thrown = new first.AppError("NOT_FOUND", "Appointment not found.");
    expect(thrown instanceof second.AppError).toBe(true);
    expect(second.isAppError(thrown)).toBe(true);
    expect(second.publicErrorBody(thrown)).toEqual({
      error: { code: "NOT_FOUND", message: "Appointment not found.", details: undefined },
    });
  });

  it("keeps subclasses apart: a plain AppError is not an instance of a subclass", async () => {
    const { AppError } = await freshCopy();
    class Narrower extends AppError {
      static override readonly brand: string = "test.Narrower";
    }
    const narrow = new Narrower("CONFLICT", "taken");
    expect(narrow instanceof AppError).toBe(true);
    expect(narrow instanceof Narrower).toBe(true);
    expect(new AppError("CONFLICT", "taken") instanceof Narrower).toBe(false);
  });

  it("does not take a look-alike object or a plain Error for an AppError", async () => {
    const { AppError, isAppError } = await freshCopy();
    expect(isAppError(new Error("boom"))).toBe(false);
    expect(isAppError({ name: "AppError", code: "NOT_FOUND", message: "x" })).toBe(false);
    expect(isAppError(null)).toBe(false);
    expect(Object.create(AppError.prototype) instanceof AppError).toBe(true);
  });
});

describe("invalidFields", () => {
  it("is a bad request whose field errors a form reads back through formFailure", async () => {
    const { formFailure, invalidFields, errorStatus } = await import("./errors");
    const error = invalidFields("Some details are not valid.", { start: "startInvalid" });
    expect(errorStatus[error.code]).toBe(400);
    expect(formFailure(error)).toEqual({ key: "fixFields", fieldErrors: { start: "startInvalid" } });
    expect(formFailure(new Error("other"))).toBeNull();
  });
});
