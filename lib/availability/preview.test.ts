import { describe, expect, it } from "vitest";
import { previewDays } from "./preview";

const HOUR = 3_600_000;

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
