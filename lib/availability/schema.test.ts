import { describe, expect, it } from "vitest";
import {
  availabilityErrorKeys,
  availabilityFieldErrors,
  clinicianTimeZoneSchema,
  exceptionCreateSchema,
  offeredTypesSchema,
  timeZoneChoices,
  weeklyHoursSchema,
} from "./schema";

const clinicianId = "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b";

const weeklyErrors = (ranges: unknown[]) => {
  const result = weeklyHoursSchema.safeParse({ clinicianId, ranges });
  if (result.success) throw new Error("expected the week to be refused");
  return availabilityFieldErrors(result.error);
};

describe("weeklyHoursSchema", () => {
  it("turns form rows into sorted minute ranges; ranges may touch and run to 24:00", () => {
    const parsed = weeklyHoursSchema.parse({
      clinicianId,
      ranges: [
        { weekday: "2", start: "13:00", end: "24:00" },
        { weekday: 1, start: "12:00", end: "13:00" },
        { weekday: 1, start: "08:00", end: "12:00" },
        { weekday: 7, start: 0, end: 1440 },
      ],
    });
    expect(parsed.ranges).toEqual([
      { weekday: 1, startMinute: 480, endMinute: 720 },
      { weekday: 1, startMinute: 720, endMinute: 780 },
      { weekday: 2, startMinute: 780, endMinute: 1440 },
      { weekday: 7, startMinute: 0, endMinute: 1440 },
    ]);
  });

  it("accepts an empty week (not working at all)", () => {
    expect(weeklyHoursSchema.parse({ clinicianId, ranges: [] }).ranges).toEqual([]);
  });

  it("refuses overlaps within a day, on the later range, but not across days", () => {
    expect(
      weeklyErrors([
        { weekday: 3, start: "08:00", end: "12:00" },
        { weekday: 3, start: "11:30", end: "14:00" },
        { weekday: 4, start: "11:30", end: "14:00" },
      ]),
    ).toEqual({ "ranges.1.start": "overlap" });
    // a range inside a long one overlaps it even when a short one lies between
    expect(
      weeklyErrors([
        { weekday: 5, start: "08:00", end: "18:00" },
        { weekday: 5, start: "09:00", end: "10:00" },
        { weekday: 5, start: "12:00", end: "13:00" },
      ]),
    ).toEqual({ "ranges.1.start": "overlap", "ranges.2.start": "overlap" });
  });

  it("refuses a range that ends before it starts, or is empty", () => {
    expect(weeklyErrors([{ weekday: 1, start: "12:00", end: "08:00" }])).toEqual({ "ranges.0.end": "rangeOrder" });
    expect(weeklyErrors([{ weekday: 1, start: "09:00", end: "09:00" }])).toEqual({ "ranges.0.end": "rangeOrder" });
  });

  it("names the field for bad and missing times and bad weekdays", () => {
    expect(
      weeklyErrors([
        { weekday: 1, start: "", end: "24:30" },
        { weekday: 8, start: "08:00", end: "09:00" },
        { weekday: 2, start: 1500, end: "09:00" },
      ]),
    ).toEqual({
      "ranges.0.start": "required",
      "ranges.0.end": "timeInvalid",
      "ranges.1.weekday": "weekdayInvalid",
      "ranges.2.start": "timeInvalid",
    });
  });

  it("refuses more than twelve ranges on one day", () => {
    const ranges = Array.from({ length: 13 }, (_, i) => ({ weekday: 1, start: i * 60, end: i * 60 + 30 }));
    expect(weeklyErrors(ranges)).toEqual({ "ranges.12.start": "tooMany" });
  });

  it("reports a malformed clinician id as idInvalid, which the field helper leaves out", () => {
    const result = weeklyHoursSchema.safeParse({ clinicianId: "42", ranges: [] });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(["idInvalid"]);
    expect(availabilityFieldErrors(result.error!)).toEqual({});
  });
});

describe("exceptionCreateSchema", () => {
  const base = { clinicianId, date: "2026-03-29", kind: "TIME_OFF", start: "", end: "", note: "" };
  const errors = (input: Record<string, unknown>) => {
    const result = exceptionCreateSchema.safeParse({ ...base, ...input });
    if (result.success) throw new Error("expected the exception to be refused");
    return availabilityFieldErrors(result.error);
  };

  it("reads time off without times as the whole day", () => {
    expect(exceptionCreateSchema.parse(base)).toEqual({
      clinicianId,
      date: "2026-03-29",
      kind: "TIME_OFF",
      startMinute: null,
      endMinute: null,
      note: null,
    });
  });

  it("reads extra hours and a partial day off", () => {
    expect(
      exceptionCreateSchema.parse({ ...base, kind: "EXTRA_HOURS", start: "18:00", end: "24:00", note: " Mutirão " }),
    ).toMatchObject({ kind: "EXTRA_HOURS", startMinute: 1080, endMinute: 1440, note: "Mutirão" });
    expect(exceptionCreateSchema.parse({ ...base, start: "12:00", end: "14:00" })).toMatchObject({
      startMinute: 720,
      endMinute: 840,
    });
  });

  it.each(["2026-02-30", "2026-13-01", "2025-02-29", "29/03/2026", "2026-3-9", "tomorrow"])(
    "refuses the date %j",
    (date) => {
      expect(errors({ date })).toEqual({ date: "dateInvalid" });
    },
  );

  it.each(["1900-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])("refuses the far-off date %j", (date) => {
    expect(errors({ date })).toEqual({ date: "dateOutOfRange" });
  });

  it("still checks the times next to a far-off date", () => {
    expect(errors({ date: "9999-12-31", kind: "EXTRA_HOURS" })).toEqual({
      date: "dateOutOfRange",
      start: "timesRequired",
    });
  });

  it("refuses a missing date, an unknown kind and a long note", () => {
    expect(errors({ date: "", kind: "HOLIDAY", note: "x".repeat(201) })).toEqual({
      date: "required",
      kind: "kindInvalid",
      note: "tooLong",
    });
  });

  it("needs both times for extra hours, both or neither for time off, in order", () => {
    expect(errors({ kind: "EXTRA_HOURS" })).toEqual({ start: "timesRequired" });
    expect(errors({ start: "09:00" })).toEqual({ end: "timesIncomplete" });
    expect(errors({ end: "09:00" })).toEqual({ start: "timesIncomplete" });
    expect(errors({ kind: "EXTRA_HOURS", start: "10:00", end: "09:00" })).toEqual({ end: "rangeOrder" });
    expect(errors({ start: "9am", end: "10:00" })).toEqual({ start: "timeInvalid" });
  });
});

describe("clinicianTimeZoneSchema and offeredTypesSchema", () => {
  it("accepts IANA zone names only", () => {
    expect(clinicianTimeZoneSchema.parse({ clinicianId, timeZone: " Asia/Kathmandu " }).timeZone).toBe(
      "Asia/Kathmandu",
    );
    for (const timeZone of ["+01:00", "Mars/Olympus", "", "GMT-3"]) {
      expect(clinicianTimeZoneSchema.safeParse({ clinicianId, timeZone }).success).toBe(false);
    }
  });

  it("accepts only places' zones: no fixed offsets, UTC or old aliases", () => {
    for (const timeZone of ["Etc/GMT+5", "Etc/GMT-14", "UTC", "US/Eastern", "Brazil/East"]) {
      const result = clinicianTimeZoneSchema.safeParse({ clinicianId, timeZone });
      expect(result.success, timeZone).toBe(false);
      expect(availabilityFieldErrors(result.error!), timeZone).toEqual({ timeZone: "timeZoneNotRegion" });
    }
    expect(timeZoneChoices()).toContain("America/Sao_Paulo");
    expect(timeZoneChoices().filter((zone) => !zone.includes("/") || zone.startsWith("Etc/"))).toEqual([]);
  });

  it("de-duplicates type ids and refuses malformed ones", () => {
    const a = "11111111-1111-4111-8111-111111111111";
    expect(offeredTypesSchema.parse({ clinicianId, appointmentTypeIds: [a, a] }).appointmentTypeIds).toEqual([a]);
    const result = offeredTypesSchema.safeParse({ clinicianId, appointmentTypeIds: ["x"] });
    expect(availabilityFieldErrors(result.error!)).toEqual({ "appointmentTypeIds.0": "typeInvalid" });
  });
});

describe("messages", () => {
  it("has every error key, in both languages, with the same availability keys", async () => {
    const en = (await import("@/messages/en.json")).default.availability;
    const pt = (await import("@/messages/pt-BR.json")).default.availability;
    const keys = (value: object, prefix = ""): string[] =>
      Object.entries(value).flatMap(([key, inner]) =>
        typeof inner === "object" && inner ? keys(inner, `${prefix}${key}.`) : [`${prefix}${key}`],
      );
    expect(keys(pt)).toEqual(keys(en));
    for (const key of availabilityErrorKeys) expect(en.errors).toHaveProperty(key);
    for (const key of ["fixFields", "signedOut", "forbidden", "notFound", "unexpected"]) {
      expect(en.errors).toHaveProperty(key);
    }
  });
});
