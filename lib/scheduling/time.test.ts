import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS, offsetRuns, zoneOrThrow } from "./time";

describe("offsetRuns", () => {
  it("is one run across New Year and splits exactly at each change of offset", () => {
    const from = Date.UTC(2026, 9, 1);
    const to = Date.UTC(2027, 3, 1);
    expect(offsetRuns(zoneOrThrow("Europe/Lisbon"), from, to)).toEqual([
      // summer time ends 2026-10-25 01:00 UTC and starts again 2027-03-28 01:00 UTC
      { start: from, end: Date.UTC(2026, 9, 25, 1), offset: 60 * MINUTE_MS },
      { start: Date.UTC(2026, 9, 25, 1), end: Date.UTC(2027, 2, 28, 1), offset: 0 },
      { start: Date.UTC(2027, 2, 28, 1), end: to, offset: 60 * MINUTE_MS },
    ]);
  });

  it("answers the same for a range asked again and for one inside it", () => {
    const zone = zoneOrThrow("America/New_York");
    const from = Date.UTC(2027, 2, 13, 7, 30);
    const to = Date.UTC(2027, 2, 15);
    const wide = offsetRuns(zone, from - 30 * 24 * HOUR_MS, to + 30 * 24 * HOUR_MS);
    const narrow = offsetRuns(zone, from, to);
    expect(offsetRuns(zone, from, to)).toEqual(narrow);
    expect(narrow).toEqual([
      { start: from, end: Date.UTC(2027, 2, 14, 7), offset: -5 * HOUR_MS },
      { start: Date.UTC(2027, 2, 14, 7), end: to, offset: -4 * HOUR_MS },
    ]);
    expect(wide.map((run) => run.offset)).toEqual([-5 * HOUR_MS, -4 * HOUR_MS]);
  });

  it("covers a zone without changes in one run, and nothing for an empty range", () => {
    const zone = zoneOrThrow("Asia/Kathmandu");
    expect(offsetRuns(zone, Date.UTC(2026, 11, 31), Date.UTC(2027, 0, 2))).toEqual([
      { start: Date.UTC(2026, 11, 31), end: Date.UTC(2027, 0, 2), offset: 345 * MINUTE_MS },
    ]);
    expect(offsetRuns(zone, Date.UTC(2027, 0, 1), Date.UTC(2027, 0, 1))).toEqual([]);
  });
});
