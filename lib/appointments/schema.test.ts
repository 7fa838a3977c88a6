import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addLocalDays, localDayBounds, localWeekBounds } from "@/lib/scheduling";
import {
  bookInput,
  calendarDateParam,
  calendarQuery,
  FIRST_PLANNING_DATE,
  LAST_PLANNING_DATE,
  NOTE_MAX,
} from "./schema";

const ZONES = ["America/Sao_Paulo", "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati", "UTC"];

describe("?date= of the calendar, booking and reschedule pages", () => {
  it.each([
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31",
    "0001-01-01",
    "1999-12-31",
    "2101-01-01",
    "9999-12-31",
  ])("ignores %s (the page opens at today) instead of failing later", (date) => {
    expect(calendarDateParam.parse(date)).toBeUndefined();
    expect(calendarQuery.parse({ date }).date).toBeUndefined();
  });

  it.each(["2026-02-28", "2028-02-29", FIRST_PLANNING_DATE, LAST_PLANNING_DATE])("keeps the real date %s", (date) => {
    expect(calendarQuery.parse({ date, view: "day" })).toMatchObject({ date, view: "day" });
  });

  it("ignores repeated and non-text values", () => {
    expect(calendarQuery.parse({ date: ["2026-03-01", "2026-03-02"] }).date).toBeUndefined();
    expect(calendarQuery.parse({ date: 20260301 }).date).toBeUndefined();
  });

  // what the pages do with a date they were given: never a throw, whatever the query string said
  it("any query string yields a date the pages can compute with, or none", () => {
    const dateLike = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
      .map(([y, m, d]) => `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);
    fc.assert(
      fc.property(
        fc.oneof(
          dateLike,
          fc.string({ unit: "binary", maxLength: 20 }),
          fc.constantFrom("", "2026-2-3", "2026-02-03T00:00"),
        ),
        fc.constantFrom(...ZONES),
        (raw, zone) => {
          const { date } = calendarQuery.parse({ date: raw, view: "week" });
          if (date === undefined) return;
          expect(date >= FIRST_PLANNING_DATE && date <= LAST_PLANNING_DATE).toBe(true);
          localWeekBounds(date, zone);
          localDayBounds(date, zone);
          localWeekBounds(addLocalDays(date, -7), zone);
          localWeekBounds(addLocalDays(date, 7), zone);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("the booking's note", () => {
  const base = {
    clinicianId: "0b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b",
    appointmentTypeId: "1b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b",
    patientId: "2b7f5c1e-8f0a-4d57-9a3c-3f1b2d4e5a6b",
    startsAt: "2030-06-03T13:00:00Z",
    idempotencyKey: "key-0001-abcdef",
  };

  it("is optional: missing or blank is none", () => {
    expect(bookInput.parse(base).note).toBeNull();
    expect(bookInput.parse({ ...base, note: "  \n " }).note).toBeNull();
  });

  it("keeps line breaks, as one kind, and trims the ends", () => {
    expect(bookInput.parse({ ...base, note: " Dor lombar\r\nhá 3 semanas " }).note).toBe("Dor lombar\nhá 3 semanas");
  });

  it("refuses a note that is too long or carries hidden characters", () => {
    expect(bookInput.safeParse({ ...base, note: "x".repeat(NOTE_MAX + 1) }).error?.issues[0]?.message).toBe(
      "noteTooLong",
    );
    expect(bookInput.safeParse({ ...base, note: "a\u0000b" }).error?.issues[0]?.message).toBe("noteControl");
    expect(bookInput.safeParse({ ...base, note: "a\u202Eb" }).error?.issues[0]?.message).toBe("noteControl");
    expect(bookInput.parse({ ...base, note: "x".repeat(NOTE_MAX) }).note).toHaveLength(NOTE_MAX);
  });
});
