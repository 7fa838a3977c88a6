import { describe, expect, it } from "vitest";
import { expandAvailability } from "./availability";
import type { AvailabilityException, WeeklyHours } from "./types";

const H = 3_600_000;
const iso = (d: Date) => d.toISOString();
const everyDay = (startMinute: number, endMinute: number): WeeklyHours[] =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute, endMinute }));

function expand(
  zone: string,
  weekly: WeeklyHours[],
  from: string,
  to: string,
  exceptions: AvailabilityException[] = [],
) {
  return expandAvailability({ clinicianZone: zone, weekly, exceptions, from: new Date(from), to: new Date(to) }).map(
    (iv) => `${iso(iv.start)}/${iso(iv.end)}`,
  );
}

describe("expandAvailability across DST", () => {
  it("Lisbon spring-forward (2026-03-29 01:00→02:00): 00:00–04:00 is 3 real hours, one interval", () => {
    expect(expand("Europe/Lisbon", everyDay(0, 240), "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z")).toEqual([
      "2026-03-29T00:00:00.000Z/2026-03-29T03:00:00.000Z",
    ]);
  });

  it("Lisbon fall-back (2026-10-25 02:00→01:00): the repeated hour counts once, 4 real hours", () => {
    const got = expandAvailability({
      clinicianZone: "Europe/Lisbon",
      weekly: everyDay(0, 240),
      exceptions: [],
      from: new Date("2026-10-24T12:00:00Z"),
      to: new Date("2026-10-25T12:00:00Z"),
    });
    expect(got.map((iv) => `${iso(iv.start)}/${iso(iv.end)}`)).toEqual([
      // 00:00–02:00 WEST (first pass of 01:xx) …
      "2026-10-24T23:00:00.000Z/2026-10-25T01:00:00.000Z",
      // … then 02:00–04:00 WET; 01:00–02:00 WET (the second pass) is not offered again
      "2026-10-25T02:00:00.000Z/2026-10-25T04:00:00.000Z",
    ]);
    expect(got.reduce((sum, iv) => sum + iv.end.getTime() - iv.start.getTime(), 0)).toBe(4 * H);
  });

  it("New York spring-forward (2026-03-08 02:00→03:00) and fall-back (2026-11-01 02:00→01:00)", () => {
    expect(expand("America/New_York", everyDay(0, 240), "2026-03-07T12:00:00Z", "2026-03-08T12:00:00Z")).toEqual([
      "2026-03-08T05:00:00.000Z/2026-03-08T08:00:00.000Z",
    ]);
    expect(expand("America/New_York", everyDay(0, 240), "2026-10-31T12:00:00Z", "2026-11-01T12:00:00Z")).toEqual([
      "2026-11-01T04:00:00.000Z/2026-11-01T06:00:00.000Z",
      "2026-11-01T07:00:00.000Z/2026-11-01T09:00:00.000Z",
    ]);
  });

  it("a shift lying wholly in the spring-forward gap yields nothing", () => {
    // 02:00–03:00 does not exist in New York on 2026-03-08.
    expect(
      expand(
        "America/New_York",
        [{ weekday: 7, startMinute: 120, endMinute: 180 }],
        "2026-03-07T00:00:00Z",
        "2026-03-10T00:00:00Z",
      ),
    ).toEqual([]);
  });

  it("Sao Paulo (no DST since 2019) is a plain UTC−3 day, also on northern DST dates", () => {
    expect(expand("America/Sao_Paulo", everyDay(480, 1080), "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")).toEqual([
      "2026-11-01T11:00:00.000Z/2026-11-01T21:00:00.000Z",
    ]);
  });

  it("odd offsets: Kathmandu UTC+5:45 and St. John's UTC−2:30 (summer)", () => {
    expect(expand("Asia/Kathmandu", everyDay(540, 600), "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z")).toEqual([
      "2026-07-01T03:15:00.000Z/2026-07-01T04:15:00.000Z",
    ]);
    expect(expand("America/St_Johns", everyDay(540, 600), "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z")).toEqual([
      "2026-07-01T11:30:00.000Z/2026-07-01T12:30:00.000Z",
    ]);
  });
});

describe("expandAvailability rules", () => {
  const week = "2026-06-15"; // Monday
  const from = `${week}T00:00:00Z`;
  const to = "2026-06-22T00:00:00Z";

  it("merges overlapping rows and shifts that meet at midnight", () => {
    const weekly: WeeklyHours[] = [
      { weekday: 1, startMinute: 1200, endMinute: 1440 },
      { weekday: 2, startMinute: 0, endMinute: 120 },
      { weekday: 2, startMinute: 60, endMinute: 180 },
    ];
    expect(expand("UTC", weekly, from, to)).toEqual(["2026-06-15T20:00:00.000Z/2026-06-16T03:00:00.000Z"]);
  });

  it("TIME_OFF without minutes removes the day, with minutes a span; EXTRA_HOURS adds; TIME_OFF wins", () => {
    const weekly = [1, 2, 3].map((weekday) => ({ weekday, startMinute: 540, endMinute: 1020 }));
    const exceptions: AvailabilityException[] = [
      { date: "2026-06-15", kind: "TIME_OFF" },
      { date: "2026-06-16", kind: "TIME_OFF", startMinute: 720, endMinute: 780 },
      { date: "2026-06-17", kind: "EXTRA_HOURS", startMinute: 1020, endMinute: 1140 },
      { date: "2026-06-17", kind: "TIME_OFF", startMinute: 1080, endMinute: 1100 },
      { date: "2026-06-20", kind: "EXTRA_HOURS", startMinute: 600, endMinute: 660 },
    ];
    expect(expand("UTC", weekly, from, to, exceptions)).toEqual([
      "2026-06-16T09:00:00.000Z/2026-06-16T12:00:00.000Z",
      "2026-06-16T13:00:00.000Z/2026-06-16T17:00:00.000Z",
      "2026-06-17T09:00:00.000Z/2026-06-17T18:00:00.000Z",
      "2026-06-17T18:20:00.000Z/2026-06-17T19:00:00.000Z",
      "2026-06-20T10:00:00.000Z/2026-06-20T11:00:00.000Z",
    ]);
  });

  it("exception dates are the clinician's local dates, not UTC dates", () => {
    // 2026-06-16 in Kathmandu starts at 2026-06-15T18:15Z.
    const got = expand("Asia/Kathmandu", [{ weekday: 2, startMinute: 0, endMinute: 60 }], from, to, [
      { date: "2026-06-16", kind: "EXTRA_HOURS", startMinute: 60, endMinute: 120 },
    ]);
    expect(got).toEqual(["2026-06-15T18:15:00.000Z/2026-06-15T20:15:00.000Z"]);
  });

  it("clips to [from, to)", () => {
    expect(expand("UTC", everyDay(540, 1020), "2026-06-15T10:00:00Z", "2026-06-15T11:30:00Z")).toEqual([
      "2026-06-15T10:00:00.000Z/2026-06-15T11:30:00.000Z",
    ]);
    expect(expand("UTC", everyDay(540, 1020), "2026-06-15T11:30:00Z", "2026-06-15T10:00:00Z")).toEqual([]);
  });

  it("is independent of the process zone (TZ=Asia/Kathmandu in this run)", () => {
    expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(-345);
    expect(expand("UTC", everyDay(0, 60), "2026-06-15T00:00:00Z", "2026-06-16T00:00:00Z")).toEqual([
      "2026-06-15T00:00:00.000Z/2026-06-15T01:00:00.000Z",
    ]);
  });

  it("rejects malformed rows instead of guessing", () => {
    const run =
      (weekly: WeeklyHours[], exceptions: AvailabilityException[] = [], zone = "UTC") =>
      () =>
        expandAvailability({ clinicianZone: zone, weekly, exceptions, from: new Date(from), to: new Date(to) });
    expect(run([{ weekday: 0, startMinute: 0, endMinute: 60 }])).toThrow(RangeError);
    expect(run([{ weekday: 1, startMinute: 60, endMinute: 60 }])).toThrow(/0 ≤ start < end ≤ 1440/);
    expect(run([{ weekday: 1, startMinute: 0, endMinute: 1441 }])).toThrow(RangeError);
    expect(run([], [{ date: "2026-02-30", kind: "TIME_OFF" }])).toThrow(/real calendar date/);
    expect(run([], [{ date: "2026-06-16", kind: "EXTRA_HOURS" }])).toThrow(RangeError);
    expect(run([], [{ date: "2026-06-16", kind: "TIME_OFF", startMinute: 10 }])).toThrow(RangeError);
    expect(run([], [], "Mars/Olympus")).toThrow(/time zone/);
  });
});
