import { describe, expect, it } from "vitest";
import { z } from "zod";
import { appointmentReplySchema } from "./appointments/schema";
import { initialRescueState } from "./rescue/flow";
import { rescueCallFlowSchema } from "./rescue/schema";
import { parseStoredJson, StoredJsonError } from "./stored-json";

const place = { column: "IdempotencyRecord.responseBody", row: "record-1" };

describe("parseStoredJson", () => {
  it("returns the parsed value", () => {
    const appointmentId = "6f1c2a4e-0000-4000-8000-0000000000aa";
    expect(parseStoredJson(appointmentReplySchema, { appointmentId }, place)).toEqual({ appointmentId });
  });

  it("names the column, the row and what did not match, never the values found", () => {
    const stored = { appointmentId: "Maria Souza +5511987654321", note: "private" };
    let error: unknown;
    try {
      parseStoredJson(appointmentReplySchema, stored, place);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoredJsonError);
    const message = (error as StoredJsonError).message;
    expect(message).toMatch(/^IdempotencyRecord\.responseBody of record-1 does not match its schema: appointmentId: /);
    expect(message).not.toContain("Maria");
    expect(message).not.toContain("+5511");
  });

  it("refuses a value that is not an object at all", () => {
    expect(() => parseStoredJson(z.object({ a: z.string() }), null, place)).toThrow(/\(value\): /);
  });

  it("reads a rescue call's document as the flow writes it, and refuses one with an unknown step", () => {
    const document = {
      state: initialRescueState(),
      rescueId: "6f1c2a4e-0000-4000-8000-0000000000bb",
      locale: "en",
      about: { startsAt: "2030-06-03T13:00:00Z", zone: "America/Sao_Paulo", clinicianName: "Dr. Bo" },
    };
    const stored = JSON.parse(JSON.stringify(document)) as unknown;
    const where = { column: "Call.flow", row: "call-1" };
    expect(parseStoredJson(rescueCallFlowSchema, stored, where)).toEqual(document);
    const unknownStep = { ...document, state: { ...document.state, step: "dancing" } };
    expect(() => parseStoredJson(rescueCallFlowSchema, unknownStep, where)).toThrow(
      /^Call\.flow of call-1 .*state\.step: /,
    );
  });
});
