import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockedSpan, checkBookable, checkCancellable, checkReschedulable, nearestFreeSlots } from "./booking-rules";
import type { AppointmentTypeRules } from "./types";

const MIN = 60_000;
const rules: AppointmentTypeRules = {
  durationMinutes: 30,
  bufferBeforeMinutes: 5,
  bufferAfterMinutes: 10,
  minimumNoticeMinutes: 60,
  bookingHorizonDays: 30,
  maxPerDay: null,
  cancellationCutoffMinutes: 120,
};
const now = new Date("2026-06-15T12:00:00Z");
const at = (minutesFromNow: number) => new Date(now.getTime() + minutesFromNow * MIN);

describe("checkBookable", () => {
  it("refuses past, too-soon and beyond-horizon starts, with the boundary crossed", () => {
    expect(checkBookable(at(-1), rules, now)).toEqual({ ok: false, reason: "inPast", limit: now });
    expect(checkBookable(at(59), rules, now)).toEqual({ ok: false, reason: "tooSoon", limit: at(60) });
    expect(checkBookable(at(60), rules, now)).toEqual({ ok: true });
    expect(checkBookable(at(30 * 1440 - 1), rules, now)).toEqual({ ok: true });
    expect(checkBookable(at(30 * 1440), rules, now)).toEqual({
      ok: false,
      reason: "beyondHorizon",
      limit: at(30 * 1440),
    });
    expect(checkBookable(now, { ...rules, minimumNoticeMinutes: 0 }, now)).toEqual({ ok: true });
  });
});

describe("checkCancellable", () => {
  it("allows cancelling up to exactly the cutoff, never after the start", () => {
    expect(checkCancellable(at(120), rules, now)).toEqual({ ok: true });
    expect(checkCancellable(at(119), rules, now)).toEqual({ ok: false, reason: "pastCutoff", limit: at(-1) });
    expect(checkCancellable(at(0), rules, now)).toEqual({ ok: false, reason: "inPast", limit: now });
    expect(checkCancellable(at(500), rules, now, "CANCELLED")).toEqual({
      ok: false,
      reason: "notActive",
      status: "CANCELLED",
    });
    expect(checkCancellable(at(500), rules, now, "CONFIRMED")).toEqual({ ok: true });
  });
});

describe("checkReschedulable", () => {
  it("needs the old time cancellable and the new one bookable, and a real move", () => {
    expect(checkReschedulable({ currentStart: at(600), newStart: at(900), rules, now })).toEqual({ ok: true });
    expect(checkReschedulable({ currentStart: at(60), newStart: at(900), rules, now })).toMatchObject({
      ok: false,
      reason: "pastCutoff",
      subject: "current",
    });
    expect(checkReschedulable({ currentStart: at(600), newStart: at(30), rules, now })).toMatchObject({
      ok: false,
      reason: "tooSoon",
      subject: "new",
    });
    expect(checkReschedulable({ currentStart: at(600), newStart: at(40 * 1440), rules, now })).toMatchObject({
      ok: false,
      reason: "beyondHorizon",
      subject: "new",
    });
    expect(checkReschedulable({ currentStart: at(600), newStart: at(600), rules, now })).toEqual({
      ok: false,
      reason: "unchanged",
      subject: "new",
    });
    expect(
      checkReschedulable({ currentStart: at(600), newStart: at(900), rules, now, status: "NO_SHOW" }),
    ).toMatchObject({ ok: false, reason: "notActive", subject: "current" });
  });
});

describe("blockedSpan", () => {
  it("adds the buffers around the visit", () => {
    expect(blockedSpan(new Date("2026-06-15T09:00:00Z"), rules)).toEqual({
      start: new Date("2026-06-15T09:00:00Z"),
      end: new Date("2026-06-15T09:30:00Z"),
      blockedFrom: new Date("2026-06-15T08:55:00Z"),
      blockedUntil: new Date("2026-06-15T09:40:00Z"),
    });
  });
});

describe("nearestFreeSlots", () => {
  const slot = (m: number) => ({ start: at(m) });
  it("returns the n nearest in chronological order, preferring the earlier one on ties", () => {
    const slots = [0, 30, 60, 120, 150, 300].map(slot);
    expect(nearestFreeSlots(slots, at(90), 2).map((s) => s.start)).toEqual([at(60), at(120)]);
    expect(nearestFreeSlots(slots, at(90), 3).map((s) => s.start)).toEqual([at(30), at(60), at(120)]);
    expect(nearestFreeSlots(slots, at(1000), 2).map((s) => s.start)).toEqual([at(150), at(300)]);
    expect(nearestFreeSlots(slots, at(90), 0)).toEqual([]);
    expect(nearestFreeSlots([], at(90), 3)).toEqual([]);
    expect(nearestFreeSlots([...slots].reverse(), at(-5), 2).map((s) => s.start)).toEqual([at(0), at(30)]);
  });

  it("agrees with sorting by distance (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { maxLength: 40 }),
        fc.integer({ min: -100, max: 2100 }),
        fc.integer({ min: 0, max: 45 }),
        (minutes, wanted, n) => {
          const slots = fc
            .sample(fc.shuffledSubarray(minutes, { minLength: minutes.length, maxLength: minutes.length }), 1)[0]!
            .map(slot);
          const expected = [...minutes]
            .sort((a, b) => Math.abs(a - wanted) - Math.abs(b - wanted) || a - b)
            .slice(0, n)
            .sort((a, b) => a - b)
            .map(at);
          expect(nearestFreeSlots(slots, at(wanted), n).map((s) => s.start)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
