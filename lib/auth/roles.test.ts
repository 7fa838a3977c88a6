import { describe, expect, it } from "vitest";
import { roleFromClaims } from "./roles";

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
