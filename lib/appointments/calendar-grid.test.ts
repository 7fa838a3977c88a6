import { describe, expect, it } from "vitest";
import { gridSpan, layoutLanes, placeOnDay } from "./calendar-grid";

describe("placeOnDay", () => {
  it("reads a visit on the day's own clock", () => {
    // 13:00Z is 10:00 in São Paulo and 18:45 in Kathmandu
    const start = new Date("2030-06-03T13:00:00Z");
    const end = new Date("2030-06-03T13:30:00Z");
    expect(placeOnDay(start, end, "2030-06-03", "America/Sao_Paulo")).toEqual({ startMinute: 600, endMinute: 630 });
    expect(placeOnDay(start, end, "2030-06-03", "Asia/Kathmandu")).toEqual({ startMinute: 1125, endMinute: 1155 });
  });

  it("cuts a visit that runs past midnight at the day's end", () => {
    const placed = placeOnDay(
      new Date("2030-06-04T02:30:00Z"),
      new Date("2030-06-04T03:30:00Z"),
      "2030-06-03",
      "America/Sao_Paulo",
    );
    expect(placed).toEqual({ startMinute: 23 * 60 + 30, endMinute: 1440 });
  });
});

describe("gridSpan", () => {
  it("shows 07:00–20:00, widened to whole hours around earlier or later visits", () => {
    expect(gridSpan([])).toEqual({ first: 420, last: 1200 });
    expect(gridSpan([{ startMinute: 6 * 60 + 30, endMinute: 7 * 60 }])).toEqual({ first: 360, last: 1200 });
    expect(gridSpan([{ startMinute: 21 * 60, endMinute: 21 * 60 + 10 }])).toEqual({ first: 420, last: 22 * 60 });
    expect(gridSpan([{ startMinute: 23 * 60 + 30, endMinute: 1440 }])).toEqual({ first: 420, last: 1440 });
  });
});

describe("layoutLanes", () => {
  const at = (id: string, start: number, end: number) => ({ id, startMinute: start, endMinute: end });

  it("puts visits that do not overlap in one full-width lane, touching ones too", () => {
    const lanes = layoutLanes([at("a", 600, 630), at("b", 630, 660), at("c", 700, 720)]);
    expect([...lanes.values()]).toEqual([
      { lane: 0, lanes: 1 },
      { lane: 0, lanes: 1 },
      { lane: 0, lanes: 1 },
    ]);
  });

  it("splits overlapping visits into lanes, reusing a lane once it is free", () => {
    const lanes = layoutLanes([at("a", 600, 660), at("b", 610, 640), at("c", 645, 700), at("d", 800, 830)]);
    expect(lanes.get("a")).toEqual({ lane: 0, lanes: 2 });
    expect(lanes.get("b")).toEqual({ lane: 1, lanes: 2 });
    // b's lane is free again at 645
    expect(lanes.get("c")).toEqual({ lane: 1, lanes: 2 });
    expect(lanes.get("d")).toEqual({ lane: 0, lanes: 1 });
  });
});
