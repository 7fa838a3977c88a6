import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addLocalDays,
  dbDateFromLocalDate,
  isValidLocalDate,
  isValidTimeZone,
  isoWeekday,
  localDateFromDbDate,
  localDateOf,
  localDateTime,
  localDayBounds,
  localTimeExists,
  localToUtc,
  localWeekBounds,
  isDateWithinYears,
  isRegionTimeZone,
  timeZoneSchema,
} from "./zones";

const H = 3_600_000;
const hours = (b: { start: Date; end: Date }) => (b.end.getTime() - b.start.getTime()) / H;

describe("zone names", () => {
  it("accepts IANA names and rejects unknown names and bare offsets", () => {
    expect(isValidTimeZone("Europe/Lisbon")).toBe(true);
    expect(isValidTimeZone("Asia/Kathmandu")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Europe/Atlantis")).toBe(false);
    expect(isValidTimeZone("+05:45")).toBe(false);
    expect(isValidTimeZone("GMT+1")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
    expect(timeZoneSchema.safeParse("America/St_Johns").success).toBe(true);
    expect(timeZoneSchema.safeParse("Nowhere/Land").success).toBe(false);
  });
});

describe("region zones and plausible dates", () => {
  it("accepts places' zones as IANA spells them, not offsets, UTC or old aliases", () => {
    for (const zone of [
      "America/Sao_Paulo",
      "Asia/Kathmandu",
      "America/Argentina/Buenos_Aires",
      "America/Port-au-Prince",
    ]) {
      expect(isRegionTimeZone(zone), zone).toBe(true);
    }
    for (const zone of [
      "Etc/GMT+5",
      "Etc/UTC",
      "UTC",
      "GMT",
      "US/Eastern",
      "Brazil/East",
      "EST5EDT",
      "america/sao_paulo",
    ]) {
      expect(isRegionTimeZone(zone), zone).toBe(false);
    }
    expect(isRegionTimeZone("Europe/Atlantis")).toBe(false);
    expect(isRegionTimeZone(null)).toBe(false);
  });

  it("keeps typed dates within 2000–2100", () => {
    expect(isDateWithinYears("2026-12-24")).toBe(true);
    expect(isDateWithinYears("2000-01-01")).toBe(true);
    expect(isDateWithinYears("2100-12-31")).toBe(true);
    expect(isDateWithinYears("1900-01-01")).toBe(false);
    expect(isDateWithinYears("9999-12-31")).toBe(false);
    expect(isDateWithinYears("2026-02-30")).toBe(false);
  });
});

describe("localDateTime", () => {
  it("reads the wall clock in odd-offset zones", () => {
    const t = new Date("2026-01-15T18:20:00Z");
    expect(localDateTime(t, "Asia/Kathmandu")).toEqual({
      date: "2026-01-16",
      year: 2026,
      month: 1,
      day: 16,
      hour: 0,
      minute: 5,
      second: 0,
      weekday: 5,
      minuteOfDay: 5,
      offsetMinutes: 345,
    });
    const nl = localDateTime(t, "America/St_Johns");
    expect([nl.date, nl.hour, nl.minute, nl.offsetMinutes, nl.weekday]).toEqual(["2026-01-15", 14, 50, -210, 4]);
    expect(localDateOf(t.getTime(), "America/Sao_Paulo")).toBe("2026-01-15");
  });

  it("shows the repeated hour twice at fall-back with different offsets", () => {
    const first = localDateTime(new Date("2026-10-25T00:30:00Z"), "Europe/Lisbon");
    const second = localDateTime(new Date("2026-10-25T01:30:00Z"), "Europe/Lisbon");
    expect([first.hour, first.minute, first.offsetMinutes]).toEqual([1, 30, 60]);
    expect([second.hour, second.minute, second.offsetMinutes]).toEqual([1, 30, 0]);
  });
});

describe("localToUtc", () => {
  it("picks the first pass in an overlap and the end of the gap in a skipped hour", () => {
    expect(localToUtc("2026-10-25", 90, "Europe/Lisbon").toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(localToUtc("2026-03-29", 90, "Europe/Lisbon").toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(localToUtc("2026-03-08", 150, "America/New_York").toISOString()).toBe("2026-03-08T07:00:00.000Z");
    expect(localToUtc("2026-11-01", 90, "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z");
    expect(localToUtc("2026-07-01", 0, "Asia/Kathmandu").toISOString()).toBe("2026-06-30T18:15:00.000Z");
    expect(localTimeExists("2026-03-29", 90, "Europe/Lisbon")).toBe(false);
    expect(localTimeExists("2026-03-29", 120, "Europe/Lisbon")).toBe(true);
    expect(localTimeExists("2026-10-25", 90, "Europe/Lisbon")).toBe(true);
  });

  it("round-trips every existing local time (property)", () => {
    const zones = ["Europe/Lisbon", "America/New_York", "America/Sao_Paulo", "Asia/Kathmandu", "America/St_Johns"];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 3 * 366 }),
        fc.integer({ min: 0, max: 1439 }),
        (zone, dayShift, minute) => {
          const date = addLocalDays("2025-01-01", dayShift);
          const t = localToUtc(date, minute, zone);
          const back = localDateTime(t, zone);
          if (localTimeExists(date, minute, zone)) {
            expect([back.date, back.minuteOfDay]).toEqual([date, minute]);
            // first pass: the clock did not already show this time 30 or 60 minutes earlier
            for (const back of [30, 60]) {
              const earlier = localDateTime(t.getTime() - back * 60_000, zone);
              expect([earlier.date, earlier.minuteOfDay]).not.toEqual([date, minute]);
            }
          } else {
            // skipped time: the result is the first instant after the gap, later than the asked time
            expect(back.minuteOfDay).toBeGreaterThan(minute);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("local day and week bounds", () => {
  it("Lisbon days around the changes are 23 h and 25 h", () => {
    const spring = localDayBounds("2026-03-29", "Europe/Lisbon");
    expect([spring.start.toISOString(), spring.end.toISOString(), hours(spring)]).toEqual([
      "2026-03-29T00:00:00.000Z",
      "2026-03-29T23:00:00.000Z",
      23,
    ]);
    const autumn = localDayBounds("2026-10-25", "Europe/Lisbon");
    expect([autumn.start.toISOString(), autumn.end.toISOString(), hours(autumn)]).toEqual([
      "2026-10-24T23:00:00.000Z",
      "2026-10-26T00:00:00.000Z",
      25,
    ]);
    expect(hours(localDayBounds("2026-03-08", "America/New_York"))).toBe(23);
    expect(hours(localDayBounds("2026-11-01", "America/New_York"))).toBe(25);
    expect(hours(localDayBounds("2026-11-01", "America/Sao_Paulo"))).toBe(24);
  });

  it("a Lisbon week containing a change has 7 contiguous days, one of them 23 h / 25 h", () => {
    for (const [date, odd] of [
      ["2026-03-26", 23],
      ["2026-10-25", 25],
    ] as const) {
      const week = localWeekBounds(date, "Europe/Lisbon");
      expect(week.days).toHaveLength(7);
      expect(week.days.map((d) => isoWeekday(d.date))).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(week.days.map(hours)).toEqual([24, 24, 24, 24, 24, 24, odd]);
      expect(hours(week)).toBe(6 * 24 + odd);
      for (let i = 1; i < 7; i++) expect(week.days[i]!.start).toEqual(week.days[i - 1]!.end);
      expect(week.start).toEqual(week.days[0]!.start);
      expect(week.end).toEqual(week.days[6]!.end);
    }
    expect(localWeekBounds("2026-03-26", "Europe/Lisbon").days[0]!.date).toBe("2026-03-23");
  });

  it("every local day is 23–25 h and every instant inside it reads that date (property)", () => {
    const zones = [
      "Europe/Lisbon",
      "America/New_York",
      "America/Sao_Paulo",
      "Asia/Kathmandu",
      "America/St_Johns",
      "Australia/Lord_Howe",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 4 * 366 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (zone, shift, frac) => {
          const date = addLocalDays("2024-01-01", shift);
          const b = localDayBounds(date, zone);
          expect(hours(b)).toBeGreaterThanOrEqual(23);
          expect(hours(b)).toBeLessThanOrEqual(25);
          const inside = b.start.getTime() + Math.floor(frac * (b.end.getTime() - b.start.getTime() - 1));
          expect(localDateOf(inside, zone)).toBe(date);
          expect(localDateOf(b.start.getTime() - 1, zone)).toBe(addLocalDays(date, -1));
          expect(localDateOf(b.end, zone)).toBe(addLocalDays(date, 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("calendar dates", () => {
  it("does calendar arithmetic and validation without the process zone", () => {
    expect(addLocalDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addLocalDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addLocalDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(isoWeekday("2026-03-29")).toBe(7);
    expect(isoWeekday("2026-03-30")).toBe(1);
    expect(isValidLocalDate("2026-02-29")).toBe(false);
    expect(isValidLocalDate("2026-2-1")).toBe(false);
    expect(isValidLocalDate("2028-02-29")).toBe(true);
    // Prisma returns @db.Date at UTC midnight; in UTC+5:45 local getters would still say the 1st,
    // but west of UTC they would not — UTC getters are right everywhere.
    expect(localDateFromDbDate(new Date("2026-03-01T00:00:00Z"))).toBe("2026-03-01");
    expect(dbDateFromLocalDate("2026-03-01").toISOString()).toBe("2026-03-01T00:00:00.000Z");
  });
});
