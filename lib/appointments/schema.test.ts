import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addLocalDays, localDayBounds, localWeekBounds } from "@/lib/scheduling";
import { calendarDateParam, calendarQuery, FIRST_PLANNING_DATE, LAST_PLANNING_DATE } from "./schema";

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
