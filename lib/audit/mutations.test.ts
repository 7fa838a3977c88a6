import { describe, expect, it } from "vitest";
import { auditActorOf, systemActor } from "./mutations";
import { auditActor } from "./sentences";

describe("auditActorOf", () => {
  it("labels a person by name and role, keeping their id and address", () => {
    expect(auditActorOf({ id: "u1", name: "Carla Mendes", role: "STAFF", ip: "192.0.2.7" })).toEqual({
      id: "u1",
      label: "Carla Mendes (staff)",
      ip: "192.0.2.7",
    });
  });

  it("falls back to the role when the account has no name", () => {
    expect(auditActorOf({ id: "u2", name: "  ", role: "CLINICIAN", ip: null })).toEqual({
      id: "u2",
      label: "clinician",
      ip: null,
    });
  });

  it("writes labels the audit page reads back as the same person and role", () => {
    const { label } = auditActorOf({ id: "u3", name: "Dr. Ana (Lisboa)", role: "ADMIN", ip: null });
    expect(auditActor({ actorLabel: label })).toEqual({ kind: "person", name: "Dr. Ana (Lisboa)", role: "ADMIN" });
    expect(auditActor({ actorLabel: auditActorOf({ id: "u4", name: "", role: "STAFF", ip: null }).label })).toEqual({
      kind: "role",
      role: "STAFF",
    });
  });

  it("leaves the labels of older rows and of jobs readable", () => {
    expect(auditActor({ actorLabel: "Carla Mendes" })).toEqual({ kind: "person", name: "Carla Mendes", role: null });
    expect(auditActor({ actorLabel: "staff" })).toEqual({ kind: "role", role: "STAFF" });
    expect(systemActor("reminder-call")).toEqual({ id: null, label: "reminder-call" });
  });
});
