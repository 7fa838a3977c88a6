import { describe, expect, it } from "vitest";
import { nameRule } from "./name-rule";

const firstIssue = (value: unknown) => {
  const parsed = nameRule(10).safeParse(value);
  return parsed.success ? parsed.data : `! ${parsed.error.issues[0]?.message}`;
};

describe("nameRule", () => {
  it("trims a name with a letter, and says the first problem of any other", () => {
    expect(firstIssue("  Ana Maria ")).toBe("Ana Maria");
    expect(firstIssue("Zoë-Ana")).toBe("Zoë-Ana");
    expect(firstIssue(undefined)).toBe("! required");
    expect(firstIssue("   ")).toBe("! required");
    expect(firstIssue("A".repeat(11))).toBe("! tooLong");
    expect(firstIssue("Ana\nMaria")).toBe("! nameControl");
    expect(firstIssue("Ana\u202Eoiréb")).toBe("! nameBidi");
    expect(firstIssue("1234")).toBe("! nameNoLetter");
  });
});
