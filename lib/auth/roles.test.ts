import { describe, expect, it } from "vitest";
import { mayManageAppointment, roleFromClaims } from "./roles";

describe("roleFromClaims", () => {
  it("takes the strongest app role", () => {
    expect(roleFromClaims(["Clinician", "Staff"], "a@x.example", "")).toBe("STAFF");
    expect(roleFromClaims(["Admin", "Clinician"], "a@x.example", "")).toBe("ADMIN");
    expect(roleFromClaims(["Clinician"], "a@x.example", "")).toBe("CLINICIAN");
  });
  it("gives no access without a known role", () => {
    expect(roleFromClaims(undefined, "a@x.example", "")).toBeNull();
    expect(roleFromClaims(["Reader", 42], "a@x.example", "")).toBeNull();
  });
  it("bootstraps admins from configuration, case-insensitively", () => {
    expect(roleFromClaims([], "Boss@X.example", " other@x.example, boss@x.example ")).toBe("ADMIN");
    expect(roleFromClaims([], "someone@x.example", "boss@x.example")).toBeNull();
  });
});

describe("mayManageAppointment", () => {
  const visit = { clinicianId: "c1" };
  it("lets staff and admins manage any appointment, a clinician only their own", () => {
    expect(mayManageAppointment({ id: "s1", role: "STAFF" }, visit)).toBe(true);
    expect(mayManageAppointment({ id: "a1", role: "ADMIN" }, visit)).toBe(true);
    expect(mayManageAppointment({ id: "c1", role: "CLINICIAN" }, visit)).toBe(true);
    expect(mayManageAppointment({ id: "c2", role: "CLINICIAN" }, visit)).toBe(false);
  });
});
