import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canEditAvailability } from "./access";
import { previewDays } from "./preview";
import {
  availabilityErrorKeys,
  availabilityFieldErrors,
  clinicianTimeZoneSchema,
  exceptionCreateSchema,
  offeredTypesSchema,
  timeZoneChoices,
  weeklyHoursSchema,
} from "./schema";
import { overlapsSpan, timeOffSpan } from "./time-off";
import { formatTimeOfDay, parseTimeOfDay } from "./times";
import { weeklyFormValues, weeklyInputName, weeklyRangesFromForm, weeklyValuesOf } from "./weekly-form";

const clinicianId = "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b";
const HOUR = 3_600_000;

const weeklyErrors = (ranges: unknown[]) => {
  const result = weeklyHoursSchema.safeParse({ clinicianId, ranges });
  if (result.success) throw new Error("expected the week to be refused");
  return availabilityFieldErrors(result.error);
};

describe("parseTimeOfDay / formatTimeOfDay", () => {
  it.each([
    ["00:00", 0],
    ["08:00", 480],
    ["8:30", 510],
    [" 12:45 ", 765],
    ["23:59", 1439],
    ["24:00", 1440],
  ])("reads %j as %d", (text, minute) => {
    expect(parseTimeOfDay(text)).toBe(minute);
  });

  it.each(["", "24:01", "25:00", "12:60", "7h", "0800", "08:00:00", "-1:00", "08.00", "1:5", "ab:cd"])(
    "refuses %j",
    (text) => {
      expect(parseTimeOfDay(text)).toBeNull();
    },
  );

  it("writes minutes back as HH:MM, 1440 as 24:00, and round-trips every minute of the day", () => {
    expect(formatTimeOfDay(480)).toBe("08:00");
    expect(formatTimeOfDay(1440)).toBe("24:00");
    expect(() => formatTimeOfDay(1441)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1440 }), (minute) => {
        expect(parseTimeOfDay(formatTimeOfDay(minute))).toBe(minute);
      }),
    );
  });
});

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

describe("the weekly form", () => {
  const form = (entries: [string, string][]) => {
    const data = new FormData();
    for (const [name, value] of entries) data.append(name, value);
    return data;
  };

  it("reads rows per weekday in row order, ignores strangers, and puts errors back on the right inputs", () => {
    const values = weeklyFormValues(
      form([
        ["clinicianId", clinicianId],
        ["w1.1.start", "13:00"],
        ["w1.1.end", "17:00"],
        ["w1.0.start", "08:00"],
        ["w1.0.end", "12:00"],
        ["w1.2.start", ""],
        ["w1.2.end", ""],
        ["w3.0.start", "09:00"],
        ["w3.0.end", "08:00"],
        ["w8.0.start", "09:00"],
        ["w1.99.start", "09:00"],
      ]),
    );
    expect(values).toEqual({
      "1": [
        { start: "08:00", end: "12:00" },
        { start: "13:00", end: "17:00" },
        { start: "", end: "" },
      ],
      "2": [],
      "3": [{ start: "09:00", end: "08:00" }],
      "4": [],
      "5": [],
      "6": [],
      "7": [],
    });
    const { ranges, inputNames } = weeklyRangesFromForm(values);
    expect(inputNames).toEqual(["w1.0", "w1.1", "w3.0"]);
    const result = weeklyHoursSchema.safeParse({ clinicianId, ranges });
    const errors = availabilityFieldErrors(result.error!);
    expect(Object.keys(errors).map((path) => weeklyInputName(path, inputNames))).toEqual(["w3.0.end"]);
    expect(weeklyInputName("ranges", inputNames)).toBe("form");
  });

  it("writes saved ranges back as form values", () => {
    expect(weeklyValuesOf([{ weekday: 2, startMinute: 480, endMinute: 1440 }])).toMatchObject({
      "1": [],
      "2": [{ start: "08:00", end: "24:00" }],
    });
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

describe("canEditAvailability", () => {
  it("lets clinicians edit only themselves and admins anyone; staff nobody", () => {
    expect(canEditAvailability({ id: clinicianId, role: "CLINICIAN" }, clinicianId)).toBe(true);
    expect(canEditAvailability({ id: "other", role: "CLINICIAN" }, clinicianId)).toBe(false);
    expect(canEditAvailability({ id: "admin", role: "ADMIN" }, clinicianId)).toBe(true);
    expect(canEditAvailability({ id: clinicianId, role: "STAFF" }, clinicianId)).toBe(false);
  });
});

describe("previewDays", () => {
  it("shows seven local days, splitting a shift that runs past midnight, with exceptions applied", () => {
    const days = previewDays({
      zone: "America/St_Johns", // UTC−2:30 in summer
      today: "2026-07-06", // a Monday
      weekly: [
        { weekday: 1, startMinute: 20 * 60, endMinute: 1440 },
        { weekday: 2, startMinute: 0, endMinute: 120 },
        { weekday: 3, startMinute: 480, endMinute: 720 },
        { weekday: 4, startMinute: 480, endMinute: 720 },
      ],
      exceptions: [
        { date: "2026-07-09", kind: "TIME_OFF", startMinute: null, endMinute: null },
        { date: "2026-07-11", kind: "EXTRA_HOURS", startMinute: 540, endMinute: 600 },
      ],
    });
    expect(days.map((d) => [d.date, d.intervals.map((i) => `${i.startLabel}-${i.endLabel}`)])).toEqual([
      ["2026-07-06", ["20:00-24:00"]],
      ["2026-07-07", ["00:00-02:00"]],
      ["2026-07-08", ["08:00-12:00"]],
      ["2026-07-09", []],
      ["2026-07-10", []],
      ["2026-07-11", ["09:00-10:00"]],
      ["2026-07-12", []],
    ]);
    expect(days[0]?.intervals[0]?.start.toISOString()).toBe("2026-07-06T22:30:00.000Z");
    expect(days[1]?.start.toISOString()).toBe("2026-07-07T02:30:00.000Z");
  });

  it("follows a clock change: Lisbon's spring-forward Sunday has an hour less", () => {
    const [sunday] = previewDays({
      zone: "Europe/Lisbon",
      today: "2026-03-29",
      days: 1,
      weekly: [{ weekday: 7, startMinute: 0, endMinute: 240 }],
      exceptions: [],
    });
    expect(sunday?.intervals.map((i) => `${i.startLabel}-${i.endLabel}`)).toEqual(["00:00-04:00"]);
    const interval = sunday!.intervals[0]!;
    expect(interval.end.getTime() - interval.start.getTime()).toBe(3 * HOUR);
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

describe("time off over booked visits", () => {
  it("takes a whole local day, or a span on that day's clock, and nothing for extra hours", () => {
    const day = { date: "2030-06-03", kind: "TIME_OFF" as const, startMinute: null, endMinute: null };
    expect(timeOffSpan(day, "America/Sao_Paulo")).toEqual({
      start: new Date("2030-06-03T03:00:00Z"),
      end: new Date("2030-06-04T03:00:00Z"),
    });
    expect(timeOffSpan({ ...day, startMinute: 14 * 60, endMinute: 15 * 60 + 30 }, "Asia/Kathmandu")).toEqual({
      start: new Date("2030-06-03T08:15:00Z"),
      end: new Date("2030-06-03T09:45:00Z"),
    });
    expect(timeOffSpan({ ...day, kind: "EXTRA_HOURS", startMinute: 480, endMinute: 600 }, "UTC")).toBeNull();
  });

  it("counts a visit that overlaps the span even partly, and not one that only touches it", () => {
    const span = { start: new Date("2030-06-03T13:00:00Z"), end: new Date("2030-06-03T14:00:00Z") };
    const visit = (start: string, end: string) => ({ startsAt: new Date(start), endsAt: new Date(end) });
    expect(overlapsSpan(visit("2030-06-03T12:45:00Z", "2030-06-03T13:15:00Z"), span)).toBe(true);
    expect(overlapsSpan(visit("2030-06-03T13:50:00Z", "2030-06-03T14:20:00Z"), span)).toBe(true);
    expect(overlapsSpan(visit("2030-06-03T12:30:00Z", "2030-06-03T13:00:00Z"), span)).toBe(false);
    expect(overlapsSpan(visit("2030-06-03T14:00:00Z", "2030-06-03T14:30:00Z"), span)).toBe(false);
  });
});
