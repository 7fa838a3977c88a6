import { describe, expect, it } from "vitest";
import { overlapsSpan, timeOffSpan } from "./time-off";

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
