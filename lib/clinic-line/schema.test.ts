import { describe, expect, it } from "vitest";
import { minutesToTime, parseCallerPattern, ruleFieldErrors, ruleFormSchema, type RuleFormInput } from "./schema";

const form = (over: Partial<RuleFormInput> = {}): RuleFormInput => ({
  label: "",
  kind: "BLOCK",
  caller: "",
  weekdays: [],
  start: "",
  end: "",
  targetKind: "",
  targetUser: "",
  targetPhone: "",
  priority: "100",
  active: true,
  ...over,
});

describe("clinic-line rule input", () => {
  it("reads callers as anyone, a prefix or a number written any way", () => {
    expect(parseCallerPattern("")).toEqual({ ok: true, pattern: "*" });
    expect(parseCallerPattern(" * ")).toEqual({ ok: true, pattern: "*" });
    expect(parseCallerPattern("+55 (11)*")).toEqual({ ok: true, pattern: "+5511*" });
    expect(parseCallerPattern("(11) 98765-4321")).toEqual({ ok: true, pattern: "+5511987654321" });
    expect(parseCallerPattern("+55 11 1234")).toEqual({ ok: false, error: "callerInvalid" });
    expect(parseCallerPattern("+1 202 456 1111")).toEqual({ ok: true, pattern: "+12024561111" });
    expect(parseCallerPattern("5511*")).toEqual({ ok: false, error: "prefixInvalid" });
    expect(parseCallerPattern("+*")).toEqual({ ok: false, error: "prefixInvalid" });
  });

  it("turns a form into a rule row: window in minutes, sorted unique days, label or null", () => {
    const parsed = ruleFormSchema.parse(
      form({
        label: "  Noite  ",
        kind: "REDIRECT",
        weekdays: ["5", "1", "5"],
        start: "22:30",
        end: "06:00",
        targetKind: "phone",
        targetPhone: "11 91234-5678",
      }),
    );
    expect(parsed).toEqual({
      label: "Noite",
      kind: "REDIRECT",
      callerPattern: "*",
      weekdays: [1, 5],
      startMinute: 22 * 60 + 30,
      endMinute: 6 * 60,
      redirectTarget: "+5511912345678",
      priority: 100,
      active: true,
    });
    expect(minutesToTime(parsed.startMinute)).toBe("22:30");
    expect(minutesToTime(null)).toBe("");
    // a block rule keeps no target even if the form still has one filled in
    expect(
      ruleFormSchema.parse(form({ caller: "+5511900000001", targetKind: "phone", targetPhone: "11 91234-5678" }))
        .redirectTarget,
    ).toBeNull();
  });

  it("refuses a rule without a condition: a blank form is not 'reject every caller, all day'", () => {
    const blank = ruleFormSchema.safeParse(form());
    expect(ruleFieldErrors(blank.error!)).toEqual({
      caller: "conditionRequired",
      confirmRejectAll: "confirmRejectAll",
    });
    const redirectAll = ruleFormSchema.safeParse(
      form({ kind: "REDIRECT", targetKind: "phone", targetPhone: "11 91234-5678" }),
    );
    expect(ruleFieldErrors(redirectAll.error!)).toEqual({ caller: "conditionRequired" });
    // a day, or hours, or a caller is a condition
    expect(
      ruleFormSchema.safeParse(
        form({ kind: "REDIRECT", weekdays: ["7"], targetKind: "phone", targetPhone: "11 91234-5678" }),
      ).success,
    ).toBe(true);
    expect(ruleFormSchema.safeParse(form({ caller: "+5511*" })).success).toBe(true);
  });

  it("keeps a rule that rejects every caller only when the admin confirms it", () => {
    const sundays = form({ weekdays: ["7"] });
    expect(ruleFieldErrors(ruleFormSchema.safeParse(sundays).error!)).toEqual({ confirmRejectAll: "confirmRejectAll" });
    expect(
      ruleFieldErrors(ruleFormSchema.safeParse({ ...sundays, caller: "*", start: "22:00", end: "06:00" }).error!),
    ).toEqual({
      confirmRejectAll: "confirmRejectAll",
    });
    expect(ruleFormSchema.parse({ ...sundays, confirmRejectAll: true })).toMatchObject({
      kind: "BLOCK",
      callerPattern: "*",
      weekdays: [7],
    });
  });

  it("names the field of every problem", () => {
    const result = ruleFormSchema.safeParse(
      form({ kind: "REDIRECT", start: "7pm", end: "", targetKind: "user", targetUser: "x", priority: "1.5" }),
    );
    expect(result.success).toBe(false);
    expect(ruleFieldErrors(result.error!)).toEqual({
      start: "timeInvalid",
      end: "timeBoth",
      targetUser: "targetUserInvalid",
      priority: "priorityInvalid",
    });
    const junk = ruleFormSchema.safeParse({ ...form(), weekdays: "1", active: "on", __proto__: { x: 1 } });
    expect(ruleFieldErrors(junk.error!)).toEqual({ weekdays: "weekdayInvalid", active: "invalid" });
  });
});
