import { describe, expect, it } from "vitest";
import { callerMatches, decide, normaliseCaller, parseRedirectTarget, type ClinicLineRuleInput } from "./rules";

const ZONE = "America/Sao_Paulo"; // UTC-3, no DST
const ONCALL = "a1b2c3d4-0000-4000-8000-00000000abcd";

const rule = (over: Partial<ClinicLineRuleInput>): ClinicLineRuleInput => ({
  id: "r",
  kind: "BLOCK",
  callerPattern: "*",
  weekdays: [],
  startMinute: null,
  endMinute: null,
  redirectTarget: null,
  priority: 100,
  active: true,
  ...over,
});

// Wednesday 2026-11-25
const at = (localHHMM: string, day = "2026-11-25") => new Date(`${day}T${localHHMM}:00-03:00`);

const afterHours = rule({
  id: "after",
  kind: "REDIRECT",
  startMinute: 18 * 60,
  endMinute: 8 * 60,
  redirectTarget: ONCALL,
});
const spam = rule({ id: "spam", kind: "BLOCK", callerPattern: "+5511900000000", priority: 1 });

describe("clinic line rules", () => {
  it("normalises callers and targets", () => {
    expect(normaliseCaller("+55 (11) 98765-4321")).toBe("+5511987654321");
    expect(normaliseCaller("5511987654321")).toBe("+5511987654321");
    expect(normaliseCaller("anonymous")).toBeNull();
    expect(parseRedirectTarget("+5511912345678")).toEqual({ kind: "phone", phone: "+5511912345678" });
    expect(parseRedirectTarget(ONCALL.toUpperCase())).toEqual({ kind: "user", userId: ONCALL });
    expect(parseRedirectTarget("someone")).toBeNull();
  });

  it("matches exact numbers, prefixes and anyone", () => {
    expect(callerMatches("+5511*", "+5511987654321")).toBe(true);
    expect(callerMatches("+5521*", "+5511987654321")).toBe(false);
    expect(callerMatches("+5511987654321", "+5511987654321")).toBe(true);
    expect(callerMatches("+5511987654321", null)).toBe(false);
    expect(callerMatches("*", null)).toBe(true);
  });

  it("answers when nothing matches", () => {
    expect(decide([spam, afterHours], "+5511987654321", at("10:00"), ZONE)).toEqual({ action: "answer", ruleId: null });
  });

  it("rejects a blocklisted caller at any time, before a redirect", () => {
    expect(decide([afterHours, spam], "+5511900000000", at("23:00"), ZONE)).toEqual({
      action: "reject",
      ruleId: "spam",
    });
    expect(decide([spam], "+5511900000000", at("10:00"), ZONE).action).toBe("reject");
  });

  it("blocks a prefix (spam range)", () => {
    const range = rule({ id: "range", callerPattern: "+5599*" });
    expect(decide([range], "+5599123456789", at("10:00"), ZONE).action).toBe("reject");
    expect(decide([range], "+5511123456789", at("10:00"), ZONE).action).toBe("answer");
  });

  it("redirects after hours across midnight, in the clinic's zone", () => {
    expect(decide([afterHours], "+5511987654321", at("18:00"), ZONE)).toEqual({
      action: "redirect",
      ruleId: "after",
      target: { kind: "user", userId: ONCALL },
    });
    expect(decide([afterHours], "+5511987654321", at("07:59"), ZONE).action).toBe("redirect");
    expect(decide([afterHours], "+5511987654321", at("08:00"), ZONE).action).toBe("answer");
    expect(decide([afterHours], "+5511987654321", at("17:59"), ZONE).action).toBe("answer");
    // 21:30 UTC is 18:30 in São Paulo
    expect(decide([afterHours], "+5511987654321", new Date("2026-11-25T21:30:00Z"), ZONE).action).toBe("redirect");
  });

  it("applies weekdays, the early-morning part of an overnight window to the previous day", () => {
    const weekend = rule({ id: "weekend", kind: "REDIRECT", weekdays: [6, 7], redirectTarget: "+5511912345678" });
    expect(decide([weekend], null, at("10:00", "2026-11-28"), ZONE).action).toBe("redirect"); // Saturday
    expect(decide([weekend], null, at("10:00", "2026-11-27"), ZONE).action).toBe("answer"); // Friday
    const fridayNight = rule({
      id: "fri",
      kind: "REDIRECT",
      weekdays: [5],
      startMinute: 22 * 60,
      endMinute: 6 * 60,
      redirectTarget: ONCALL,
    });
    expect(decide([fridayNight], null, at("23:00", "2026-11-27"), ZONE).action).toBe("redirect");
    expect(decide([fridayNight], null, at("03:00", "2026-11-28"), ZONE).action).toBe("redirect"); // Saturday early
    expect(decide([fridayNight], null, at("03:00", "2026-11-27"), ZONE).action).toBe("answer"); // Friday early = Thursday night
  });

  it("orders by priority, skips inactive rules, unusable targets and invalid patterns", () => {
    const vip = rule({
      id: "vip",
      kind: "REDIRECT",
      callerPattern: "+5511987654321",
      redirectTarget: "+5511912345678",
      priority: 5,
    });
    const blockAll = rule({ id: "all", priority: 10 });
    expect(decide([blockAll, vip], "+5511987654321", at("10:00"), ZONE).ruleId).toBe("vip");
    expect(decide([blockAll, { ...vip, active: false }], "+5511987654321", at("10:00"), ZONE).ruleId).toBe("all");
    expect(decide([{ ...vip, redirectTarget: "nobody" }], "+5511987654321", at("10:00"), ZONE).action).toBe("answer");
    expect(decide([rule({ callerPattern: "55*" })], "+5511987654321", at("10:00"), ZONE).action).toBe("answer");
  });

  it("an empty window never matches; an invalid zone falls back to UTC", () => {
    expect(decide([rule({ startMinute: 600, endMinute: 600 })], null, at("10:00"), ZONE).action).toBe("answer");
    expect(
      decide([rule({ startMinute: 0, endMinute: 60 })], null, new Date("2026-11-25T00:30:00Z"), "Nowhere/Zone").action,
    ).toBe("reject");
  });
});
