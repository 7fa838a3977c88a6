// Property tests: findSlots and expandAvailability against a brute-force oracle that walks the clock
// minute by minute with Luxon, sharing none of the implementation's interval arithmetic.
import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { expandAvailability } from "./availability";
import { findSlots, firstAvailable } from "./slots";
import type { AvailabilityException, FindSlotsInput, WeeklyHours } from "./types";

const MIN = 60_000;
const DAY = 86_400_000;

const ZONES = [
  "Europe/Lisbon",
  "America/New_York",
  "America/Sao_Paulo",
  "Asia/Kathmandu",
  "America/St_Johns",
  "Australia/Lord_Howe", // 30-minute DST shift
] as const;

// Dates with a clock change in at least one zone above, plus ordinary ones.
const ANCHORS = [
  "2026-03-08",
  "2026-03-29",
  "2026-10-25",
  "2026-11-01",
  "2026-04-05",
  "2026-10-04",
  "2026-06-17",
  "2026-01-14",
];

function utcMidnight(date: string): number {
  return DateTime.fromISO(date, { zone: "utc" }).toMillis();
}

interface Wall {
  date: string;
  minuteOfDay: number;
  weekday: number;
  /** wall clock as if UTC, to detect repeats */
  wallMs: number;
}

function wallOf(t: number, zone: string): Wall {
  const d = DateTime.fromMillis(t, { zone });
  return {
    date: d.toISODate()!,
    minuteOfDay: d.hour * 60 + d.minute,
    weekday: d.weekday,
    wallMs: Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute),
  };
}

/** Working minutes of one local date as a 1440-entry mask, straight from the rules. */
function dayMask(
  date: string,
  weekday: number,
  weekly: readonly WeeklyHours[],
  exceptions: readonly AvailabilityException[],
): boolean[] {
  const mask = new Array<boolean>(1440).fill(false);
  const mine = exceptions.filter((e) => e.date === date);
  for (const w of weekly) if (w.weekday === weekday) for (let m = w.startMinute; m < w.endMinute; m++) mask[m] = true;
  for (const e of mine)
    if (e.kind === "EXTRA_HOURS") for (let m = e.startMinute!; m < e.endMinute!; m++) mask[m] = true;
  for (const e of mine) {
    if (e.kind !== "TIME_OFF") continue;
    const [a, b] = e.startMinute == null ? [0, 1440] : [e.startMinute, e.endMinute!];
    for (let m = a; m < b; m++) mask[m] = false;
  }
  return mask;
}

interface MinuteInfo {
  t: number;
  wall: Wall;
  working: boolean;
}

/** Every minute in [from, to): its wall clock and whether it is working time (first pass only). */
function walkMinutes(
  zone: string,
  weekly: readonly WeeklyHours[],
  exceptions: readonly AvailabilityException[],
  from: number,
  to: number,
): MinuteInfo[] {
  const masks = new Map<string, boolean[]>();
  const out: MinuteInfo[] = [];
  let maxWall = -Infinity;
  // Start 6 h early so a repeated hour that began before `from` is recognised as a repeat.
  for (let t = from - 6 * 60 * MIN; t < to; t += MIN) {
    const wall = wallOf(t, zone);
    const firstPass = wall.wallMs > maxWall;
    maxWall = Math.max(maxWall, wall.wallMs);
    if (t < from) continue;
    let mask = masks.get(wall.date);
    if (!mask) masks.set(wall.date, (mask = dayMask(wall.date, wall.weekday, weekly, exceptions)));
    out.push({ t, wall, working: firstPass && mask[wall.minuteOfDay] === true });
  }
  return out;
}

function oracleSlots(input: FindSlotsInput & { from: number; to: number; now: number }): number[] {
  const { rules } = input;
  const grid = input.gridMinutes ?? 15;
  const minutes = walkMinutes(
    input.clinicianZone,
    input.weekly,
    input.exceptions,
    input.from,
    input.to + rules.durationMinutes * MIN,
  );
  const prefix = [0];
  for (const m of minutes) prefix.push(prefix[prefix.length - 1]! + (m.working ? 1 : 0));
  const starts: number[] = [];
  for (let i = 0; i < minutes.length; i++) {
    const m = minutes[i]!;
    const s = m.t;
    if (s >= input.to) break;
    if (m.wall.minuteOfDay % grid !== 0) continue;
    const d = rules.durationMinutes;
    if (i + d > minutes.length || prefix[i + d]! - prefix[i]! !== d) continue;
    if (s < input.now + rules.minimumNoticeMinutes * MIN) continue;
    if (s >= input.now + rules.bookingHorizonDays * DAY) continue;
    const bf = s - rules.bufferBeforeMinutes * MIN;
    const bu = s + d * MIN + rules.bufferAfterMinutes * MIN;
    if (input.busy.some((b) => +b.start < +b.end && +b.start < bu && bf < +b.end)) continue;
    if (rules.maxPerDay !== null && (input.appointmentsPerLocalDay?.[m.wall.date] ?? 0) >= rules.maxPerDay) continue;
    starts.push(s);
  }
  return starts;
}

const span = fc
  .integer({ min: 0, max: 1439 })
  .chain((start) => fc.integer({ min: start + 1, max: 1440 }).map((end) => ({ start, end })));

const inputArb = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    anchor: fc.constantFrom(...ANCHORS),
    anchorShiftDays: fc.integer({ min: -2, max: 1 }),
    fromMinute: fc.oneof(
      fc.integer({ min: 0, max: 1439 }),
      fc.integer({ min: 0, max: 23 }).map((h) => h * 60),
    ),
    lengthMinutes: fc.integer({ min: 1, max: 3 * 1440 }),
    nowShiftMinutes: fc.oneof(fc.integer({ min: -600, max: 0 }), fc.integer({ min: -3000, max: 2000 })),
    weekly: fc.oneof(
      fc.array(
        fc
          .record({ weekday: fc.integer({ min: 1, max: 7 }), span })
          .map(({ weekday, span: s }) => ({ weekday, startMinute: s.start, endMinute: s.end })),
        { minLength: 1, maxLength: 10 },
      ),
      // the same hours every day, often reaching into the small hours where clocks change
      fc
        .array(span, { minLength: 1, maxLength: 2 })
        .map((spans) =>
          [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) =>
            spans.map((s) => ({ weekday, startMinute: s.start, endMinute: s.end })),
          ),
        ),
      fc.constant([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 240 }))),
      // round the clock: shifts meet at midnight, so grids that do not divide 24 h restart there
      fc.constant([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 1440 }))),
    ),
    exceptions: fc.array(
      fc.record({
        dayShift: fc.integer({ min: -3, max: 4 }),
        kind: fc.constantFrom("TIME_OFF" as const, "EXTRA_HOURS" as const),
        wholeDay: fc.boolean(),
        span,
      }),
      { maxLength: 4 },
    ),
    rules: fc.record({
      durationMinutes: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 150 })),
      bufferBeforeMinutes: fc.integer({ min: 0, max: 30 }),
      bufferAfterMinutes: fc.integer({ min: 0, max: 30 }),
      minimumNoticeMinutes: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 240 }),
        fc.integer({ min: 0, max: 2880 }),
      ),
      bookingHorizonDays: fc.oneof(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 5 })),
      maxPerDay: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 2 }),
      cancellationCutoffMinutes: fc.integer({ min: 0, max: 240 }),
    }),
    // busy spans often on quarter hours (relative to UTC midnight, hence to local midnight in all
    // zones above) so their edges meet grid starts exactly — where off-by-one bugs live
    busy: fc.array(
      fc.record({
        at: fc.oneof(
          fc.integer({ min: -300, max: 4 * 1440 }),
          fc.integer({ min: -20, max: 4 * 96 }).map((q) => q * 15),
        ),
        len: fc.oneof(
          fc.integer({ min: 0, max: 240 }),
          fc.integer({ min: 1, max: 12 }).map((q) => q * 15),
        ),
      }),
      { maxLength: 10 },
    ),
    counts: fc.array(fc.record({ dayShift: fc.integer({ min: -3, max: 4 }), n: fc.integer({ min: 0, max: 4 }) }), {
      maxLength: 4,
    }),
    gridMinutes: fc.constantFrom(1, 5, 7, 10, 15, 15, 15, 20, 25, 30, 60, 90, 100),
  })
  .map((r) => {
    const base = utcMidnight(r.anchor) + r.anchorShiftDays * DAY;
    const from = base + r.fromMinute * MIN;
    const to = from + r.lengthMinutes * MIN;
    const dateAt = (shift: number) => DateTime.fromMillis(base + shift * DAY, { zone: "utc" }).toISODate()!;
    const exceptions: AvailabilityException[] = r.exceptions.map((e) =>
      e.kind === "TIME_OFF" && e.wholeDay
        ? { date: dateAt(e.dayShift), kind: e.kind, startMinute: null, endMinute: null }
        : { date: dateAt(e.dayShift), kind: e.kind, startMinute: e.span.start, endMinute: e.span.end },
    );
    const appointmentsPerLocalDay: Record<string, number> = {};
    for (const c of r.counts) appointmentsPerLocalDay[dateAt(c.dayShift)] = c.n;
    return {
      clinicianZone: r.zone,
      weekly: r.weekly,
      exceptions,
      rules: r.rules,
      busy: r.busy.map((b) => ({ start: new Date(base + b.at * MIN), end: new Date(base + (b.at + b.len) * MIN) })),
      appointmentsPerLocalDay,
      from,
      to,
      now: from + r.nowShiftMinutes * MIN,
      gridMinutes: r.gridMinutes,
    };
  });

const RUNS = { numRuns: 200 };
// Property runs walk the clock minute by minute; a generous bound keeps slow CI boxes from timing out.
const SLOW = 30_000;

describe("findSlots properties", () => {
  it(
    "returns exactly the grid starts a minute-by-minute oracle accepts (complete and sound)",
    () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const got = findSlots(input).map((s) => s.start.getTime());
          expect(got).toEqual(oracleSlots(input));
        }),
        RUNS,
      );
    },
    SLOW,
  );

  it(
    "slots are sorted, unique, on the local grid, each local time once, inside availability and rules",
    () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const slots = findSlots(input);
          const { rules, clinicianZone: zone } = input;
          const intervals = expandAvailability({
            ...input,
            from: input.from,
            to: input.to + rules.durationMinutes * MIN,
          });
          const seenLocal = new Set<string>();
          let prev = -Infinity;
          // The minute-by-minute TIME_OFF walk is costly; run it on an evenly spread sample of slots.
          const walkEvery = Math.max(1, Math.ceil(slots.length / 40));
          for (const [index, slot] of slots.entries()) {
            const s = slot.start.getTime();
            expect(s).toBeGreaterThan(prev);
            prev = s;
            expect(slot.end.getTime() - s).toBe(rules.durationMinutes * MIN);
            expect(s - slot.blockedFrom.getTime()).toBe(rules.bufferBeforeMinutes * MIN);
            expect(slot.blockedUntil.getTime() - slot.end.getTime()).toBe(rules.bufferAfterMinutes * MIN);
            expect(s).toBeGreaterThanOrEqual(Math.max(input.from, input.now + rules.minimumNoticeMinutes * MIN));
            expect(s).toBeLessThan(Math.min(input.to, input.now + rules.bookingHorizonDays * DAY));

            const wall = wallOf(s, zone);
            expect(wall.minuteOfDay % input.gridMinutes).toBe(0);
            const key = `${wall.date} ${wall.minuteOfDay}`;
            expect(seenLocal.has(key)).toBe(false);
            seenLocal.add(key);

            // inside one working interval
            expect(intervals.some((iv) => iv.start.getTime() <= s && slot.end.getTime() <= iv.end.getTime())).toBe(
              true,
            );
            // no minute of the visit falls in a TIME_OFF span of its local date
            for (let t = s; index % walkEvery === 0 && t < slot.end.getTime(); t += MIN) {
              const w = wallOf(t, zone);
              for (const e of input.exceptions) {
                if (e.kind !== "TIME_OFF" || e.date !== w.date) continue;
                const inside =
                  e.startMinute == null || (e.startMinute <= w.minuteOfDay && w.minuteOfDay < e.endMinute!);
                expect(inside).toBe(false);
              }
            }
            // blocked span clear of every busy span, half-open
            for (const b of input.busy) {
              const overlaps =
                +b.start < +b.end && +b.start < slot.blockedUntil.getTime() && slot.blockedFrom.getTime() < +b.end;
              expect(overlaps).toBe(false);
            }
            if (rules.maxPerDay !== null) {
              expect(input.appointmentsPerLocalDay[wall.date] ?? 0).toBeLessThan(rules.maxPerDay);
            }
          }
        }),
        RUNS,
      );
    },
    SLOW,
  );

  it(
    "firstAvailable is the earliest slot over all clinicians, ties to the smallest id",
    () => {
      fc.assert(
        fc.property(
          fc.array(inputArb, { minLength: 1, maxLength: 4 }),
          fc.shuffledSubarray(["c", "a", "d", "b"], { minLength: 4, maxLength: 4 }),
          (inputs, ids) => {
            const first = inputs[0]!;
            const window = { from: first.from, to: first.to, now: first.now, gridMinutes: 30 };
            // Duplicate the first clinician under another id so ties actually happen.
            const candidates = [...inputs, first].map((input, i) => ({
              ...input,
              clinicianId: ids[i % ids.length]! + i,
            }));
            const expected = candidates
              .flatMap((c) =>
                findSlots({ ...c, ...window })
                  .slice(0, 1)
                  .map((slot) => ({ clinicianId: c.clinicianId, slot })),
              )
              .sort(
                (a, b) => a.slot.start.getTime() - b.slot.start.getTime() || (a.clinicianId < b.clinicianId ? -1 : 1),
              )[0];
            expect(firstAvailable(candidates, window)).toEqual(expected ?? null);
          },
        ),
        { numRuns: 40 },
      );
    },
    SLOW,
  );
});

describe("expandAvailability properties", () => {
  it(
    "covers exactly the working minutes (first pass of each local time), merged and ascending",
    () => {
      fc.assert(
        fc.property(inputArb, (input) => {
          const intervals = expandAvailability(input);
          for (let i = 0; i < intervals.length; i++) {
            const iv = intervals[i]!;
            expect(iv.end.getTime()).toBeGreaterThan(iv.start.getTime());
            // merged: a gap separates consecutive intervals
            if (i > 0) expect(iv.start.getTime()).toBeGreaterThan(intervals[i - 1]!.end.getTime());
          }
          const inIntervals = (t: number) => intervals.some((iv) => iv.start.getTime() <= t && t < iv.end.getTime());
          const minutes = walkMinutes(input.clinicianZone, input.weekly, input.exceptions, input.from, input.to);
          for (const m of minutes) expect(inIntervals(m.t)).toBe(m.working);
        }),
        { numRuns: 60 },
      );
    },
    SLOW,
  );
});
