import { describe, expect, it } from "vitest";
import { canEditAvailability } from "./access";

const clinicianId = "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b";

describe("canEditAvailability", () => {
  it("lets clinicians edit only themselves and admins anyone; staff nobody", () => {
    expect(canEditAvailability({ id: clinicianId, role: "CLINICIAN" }, clinicianId)).toBe(true);
    expect(canEditAvailability({ id: "other", role: "CLINICIAN" }, clinicianId)).toBe(false);
    expect(canEditAvailability({ id: "admin", role: "ADMIN" }, clinicianId)).toBe(true);
    expect(canEditAvailability({ id: clinicianId, role: "STAFF" }, clinicianId)).toBe(false);
  });
});
