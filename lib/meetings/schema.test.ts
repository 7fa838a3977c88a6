import { describe, expect, it } from "vitest";
import { adHocMeetingSchema } from "./schema";

// "now" is a fixed instant; the organiser is in Lisbon (UTC+0, +1 in summer) or São Paulo (UTC−3, no DST)
const now = new Date("2026-03-20T12:00:00Z");
const form = (start: string) => ({ subject: "Case conference", start, durationMinutes: "30" });
const parse = (start: string, zone = "Europe/Lisbon") => adHocMeetingSchema(zone, now).safeParse(form(start));
const problem = (start: string, zone?: string) => {
  const result = parse(start, zone);
  expect(result.success, start).toBe(false);
  return result.error!.issues.map((issue) => [issue.path.join("."), issue.message]);
};

describe("adHocMeetingSchema", () => {
  it("reads the local start in the organiser's zone", () => {
    expect(parse("2026-03-30T09:00").data).toEqual({
      subject: "Case conference",
      startsAt: new Date("2026-03-30T08:00:00Z"),
      endsAt: new Date("2026-03-30T08:30:00Z"),
    });
    expect(parse("2026-03-30T09:00", "America/Sao_Paulo").data?.startsAt).toEqual(new Date("2026-03-30T12:00:00Z"));
  });

  it("refuses a time the clock skips instead of moving it (Lisbon, 2026-03-29 01:30)", () => {
    expect(problem("2026-03-29T01:30")).toEqual([["start", "startSkipped"]]);
    expect(parse("2026-03-29T02:00").data?.startsAt).toEqual(new Date("2026-03-29T01:00:00Z"));
  });

  it("refuses 24:00, impossible dates and years far off", () => {
    expect(problem("2026-03-30T24:00")).toEqual([["start", "start"]]);
    expect(problem("2026-03-30T09:60")).toEqual([["start", "start"]]);
    expect(problem("2026-02-30T09:00")).toEqual([["start", "start"]]);
    expect(problem("9999-12-31T09:00")).toEqual([["start", "startYears"]]);
    expect(problem("2101-01-01T09:00")).toEqual([["start", "startYears"]]);
  });

  it("refuses a start in the past, beyond a few minutes of slack", () => {
    expect(problem("2026-03-20T11:50")).toEqual([["start", "past"]]);
    expect(parse("2026-03-20T11:57").success).toBe(true);
  });

  it("keeps the subject and duration rules", () => {
    const result = adHocMeetingSchema("Europe/Lisbon", now).safeParse({
      subject: " ",
      start: "",
      durationMinutes: "2",
    });
    expect(result.error!.issues.map((issue) => issue.message).sort()).toEqual(["duration", "start", "subject"]);
  });
});
