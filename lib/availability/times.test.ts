import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTimeOfDay, parseTimeOfDay } from "./times";

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
