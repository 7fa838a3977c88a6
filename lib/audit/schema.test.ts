import { describe, expect, it } from "vitest";
import { auditFieldErrors, auditSearchSchema, decodeCursor, encodeCursor, knownAuditActions } from "./schema";
import { AUDIT_ACTIONS } from "./sentences";

const errorsOf = (raw: Record<string, unknown>) => {
  const parsed = auditSearchSchema.safeParse(raw);
  if (parsed.success) throw new Error("expected a failure");
  return auditFieldErrors(parsed.error);
};

describe("audit search parameters", () => {
  it("reads absent and empty filters as no filter", () => {
    expect(auditSearchSchema.parse({})).toEqual({});
    expect(auditSearchSchema.parse({ actor: "", action: "", subject: "", from: "", to: "", cursor: "" })).toEqual({});
  });

  it("accepts an actor id or the system, actions and families, subjects and a local date range", () => {
    const actor = "2b1c7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
    expect(
      auditSearchSchema.parse({
        actor,
        action: "graph.call.*",
        subject: "4A1F-00aa",
        from: "2026-02-28",
        to: "2026-03-01",
      }),
    ).toEqual({ actor, action: "graph.call.*", subject: "4A1F-00aa", from: "2026-02-28", to: "2026-03-01" });
    expect(auditSearchSchema.parse({ actor: "system" }).actor).toBe("system");
  });

  it("names what is wrong with each bad filter", () => {
    expect(
      errorsOf({
        actor: ["a", "b"],
        action: "DROP TABLE",
        subject: "<script>",
        from: "2026-02-30",
        cursor: "2026-01-01_1; --",
      }),
    ).toEqual({
      actor: "repeated",
      action: "actionInvalid",
      subject: "subjectInvalid",
      from: "dateInvalid",
      cursor: "cursorInvalid",
    });
    expect(errorsOf({ from: "2026-03-02", to: "2026-03-01" })).toEqual({ to: "rangeReversed" });
    expect(errorsOf({ actor: "someone" })).toEqual({ actor: "actorInvalid" });
    expect(errorsOf({ subject: "x".repeat(201) })).toEqual({ subject: "subjectInvalid" });
  });

  it("round-trips a cursor and refuses anything that is not one", () => {
    const cursor = { at: new Date("2026-11-25T10:00:00.123Z"), id: 42n };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor("2026-11-25T10:00:00.123Z_")).toBeNull();
    expect(decodeCursor("2026-13-25T10:00:00.123Z_1")).toBeNull();
    expect(decodeCursor("2026-11-25T10:00:00.123Z_9223372036854775808")).toBeNull();
  });
});

describe("the action suggestions", () => {
  it("offer every action the app writes, each family once and before its first member, all valid filters", () => {
    for (const action of AUDIT_ACTIONS) expect(knownAuditActions).toContain(action);
    expect(new Set(knownAuditActions).size).toBe(knownAuditActions.length);
    for (const family of [
      "rescue.*",
      "prompt.*",
      "graph.*",
      "graph.calendar.*",
      "appointment.link.*",
      "patient.sms.*",
    ]) {
      const members = knownAuditActions.filter((action) => action !== family && action.startsWith(family.slice(0, -1)));
      expect(members.length, family).toBeGreaterThan(0);
      expect(knownAuditActions.indexOf(family), family).toBeLessThan(knownAuditActions.indexOf(members[0]!));
    }
    for (const action of knownAuditActions) expect(auditSearchSchema.parse({ action }).action).toBe(action);
  });
});
