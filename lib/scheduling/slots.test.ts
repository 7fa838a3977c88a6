import { describe, expect, it } from "vitest";
import { busyFromAppointments, checkSlotStart, countPerLocalDay, findSlots, firstAvailable } from "./slots";
import type { AppointmentTypeRules, FindSlotsInput, WeeklyHours } from "./types";
import { localDateTime } from "./zones";

const rules = (over: Partial<AppointmentTypeRules> = {}): AppointmentTypeRules => ({
  durationMinutes: 30,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  bookingHorizonDays: 60,
  maxPerDay: null,
  cancellationCutoffMinutes: 120,
  ...over,
});
const everyDay = (startMinute: number, endMinute: number): WeeklyHours[] =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute, endMinute }));

function input(over: Partial<FindSlotsInput> = {}): FindSlotsInput {
  return {
    clinicianZone: "UTC",
    weekly: everyDay(540, 720),
    exceptions: [],
    rules: rules(),
    busy: [],
    from: new Date("2026-06-15T00:00:00Z"),
    to: new Date("2026-06-16T00:00:00Z"),
    now: new Date("2026-06-01T00:00:00Z"),
    ...over,
  };
}

/** Local "HH:MM" of each slot start in the clinician's zone. */
const localTimes = (inp: FindSlotsInput) =>
  findSlots(inp).map((s) => {
    const l = localDateTime(s.start, inp.clinicianZone);
    return `${String(l.hour).padStart(2, "0")}:${String(l.minute).padStart(2, "0")}`;
  });
const quarterHours = (fromHour: number, toHour: number) =>
  Array.from(
    { length: (toHour - fromHour) * 4 },
    (_, i) => `${String(fromHour + Math.floor(i / 4)).padStart(2, "0")}:${String((i % 4) * 15).padStart(2, "0")}`,
  );

describe("findSlots at DST edges (availability 00:00–04:00 local, 15-minute visits)", () => {
  const night = (zone: string, date: string): FindSlotsInput =>
    input({
      clinicianZone: zone,
      weekly: everyDay(0, 240),
      rules: rules({ durationMinutes: 15 }),
      from: new Date(`${date}T00:00:00Z`).getTime() - 86_400_000 / 2,
      to: new Date(`${date}T00:00:00Z`).getTime() + 86_400_000 / 2,
      now: new Date("2026-01-01T00:00:00Z"),
      bookingHorizonDays: undefined,
    } as Partial<FindSlotsInput>);
  const r = (zone: string, date: string) => ({
    ...night(zone, date),
    rules: rules({ durationMinutes: 15, bookingHorizonDays: 400 }),
  });

  it("Lisbon 2026-03-29: 01:00–01:59 does not exist, everything else once", () => {
    expect(localTimes(r("Europe/Lisbon", "2026-03-29"))).toEqual([...quarterHours(0, 1), ...quarterHours(2, 4)]);
  });
  it("Lisbon 2026-10-25: 01:00–01:59 happens twice but is offered once (first pass)", () => {
    const inp = r("Europe/Lisbon", "2026-10-25");
    expect(localTimes(inp)).toEqual(quarterHours(0, 4));
    const oneAm = findSlots(inp).find((s) => localDateTime(s.start, "Europe/Lisbon").minuteOfDay === 60)!;
    expect(oneAm.start.toISOString()).toBe("2026-10-25T00:00:00.000Z"); // 01:00 WEST
  });
  it("New York 2026-03-08: 02:00–02:59 does not exist", () => {
    expect(localTimes(r("America/New_York", "2026-03-08"))).toEqual([...quarterHours(0, 2), ...quarterHours(3, 4)]);
  });
  it("New York 2026-11-01: 01:00–01:59 offered once", () => {
    expect(localTimes(r("America/New_York", "2026-11-01"))).toEqual(quarterHours(0, 4));
  });
  it("a 60-minute visit does not span the spring-forward gap wrongly nor the skipped repeat", () => {
    const spring = {
      ...r("Europe/Lisbon", "2026-03-29"),
      rules: rules({ durationMinutes: 60, bookingHorizonDays: 400 }),
    };
    // 00:xx WET + 60 real minutes lands at 02:xx WEST: still inside the one 3-hour working interval.
    expect(localTimes(spring)).toEqual([
      "00:00",
      "00:15",
      "00:30",
      "00:45",
      "02:00",
      "02:15",
      "02:30",
      "02:45",
      "03:00",
    ]);
    const autumn = {
      ...r("Europe/Lisbon", "2026-10-25"),
      rules: rules({ durationMinutes: 60, bookingHorizonDays: 400 }),
    };
    // Visits starting 01:15–01:45 (first pass) would run into the repeated hour, which is not working time.
    expect(localTimes(autumn)).toEqual([...quarterHours(0, 1), "01:00", ...quarterHours(2, 3), "03:00"]);
  });
});

describe("findSlots rules", () => {
  it("aligns the grid to local midnight in UTC+5:45 and UTC−2:30", () => {
    const ktm = findSlots(
      input({
        clinicianZone: "Asia/Kathmandu",
        from: new Date("2026-06-15T00:00:00Z"),
        to: new Date("2026-06-17T00:00:00Z"),
      }),
    );
    expect(ktm[0]!.start.toISOString()).toBe("2026-06-15T03:15:00.000Z"); // 09:00 NPT
    expect(ktm.every((s) => localDateTime(s.start, "Asia/Kathmandu").minute % 15 === 0)).toBe(true);
    const nl = findSlots(input({ clinicianZone: "America/St_Johns", gridMinutes: 60 }));
    expect(nl.map((s) => s.start.toISOString())).toEqual([
      "2026-06-15T11:30:00.000Z",
      "2026-06-15T12:30:00.000Z",
      "2026-06-15T13:30:00.000Z",
    ]);
  });

  it("restarts a grid that does not divide 24 h at each local midnight", () => {
    const slots = findSlots(
      input({
        weekly: everyDay(0, 1440),
        gridMinutes: 25,
        rules: rules({ durationMinutes: 10 }),
        from: new Date("2026-06-15T23:00:00Z"),
        to: new Date("2026-06-16T00:30:00Z"),
      }),
    );
    expect(slots.map((s) => s.start.toISOString().slice(11, 16))).toEqual(["23:20", "23:45", "00:00", "00:25"]);
  });

  it("blocked spans may touch a busy span but not overlap it (half-open, like the exclusion constraint)", () => {
    const busy = [{ start: new Date("2026-06-15T10:00:00Z"), end: new Date("2026-06-15T10:30:00Z") }];
    const starts = (bufferBefore: number, bufferAfter: number) =>
      findSlots(
        input({ busy, rules: rules({ bufferBeforeMinutes: bufferBefore, bufferAfterMinutes: bufferAfter }) }),
      ).map((s) => s.start.toISOString().slice(11, 16));
    expect(starts(0, 0)).toEqual(["09:00", "09:15", "09:30", "10:30", "10:45", "11:00", "11:15", "11:30"]);
    // 10 minutes after: a 09:30 visit blocks until 10:10 → clash; 09:15 blocks until 09:55 → fine.
    // 5 minutes before: a 10:30 visit blocks from 10:25 → clash; 10:45 from 10:40 → fine.
    expect(starts(5, 10)).toEqual(["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]);
  });

  it("the visit itself must fit the working interval, buffers may spill outside it", () => {
    const slots = findSlots(input({ rules: rules({ bufferBeforeMinutes: 30, bufferAfterMinutes: 30 }) }));
    expect(slots[0]!.start.toISOString()).toBe("2026-06-15T09:00:00.000Z");
    expect(slots[0]!.blockedFrom.toISOString()).toBe("2026-06-15T08:30:00.000Z");
    expect(slots.at(-1)!.end.toISOString()).toBe("2026-06-15T12:00:00.000Z");
    expect(slots.at(-1)!.blockedUntil.toISOString()).toBe("2026-06-15T12:30:00.000Z");
  });

  it("minimum notice and horizon bound the starts: start ≥ now + notice, start < now + horizon", () => {
    const now = new Date("2026-06-15T08:50:00Z");
    const notice = findSlots(input({ now, rules: rules({ minimumNoticeMinutes: 40 }) }));
    expect(notice[0]!.start.toISOString()).toBe("2026-06-15T09:30:00.000Z");
    const exactNotice = findSlots(input({ now, rules: rules({ minimumNoticeMinutes: 25 }) }));
    expect(exactNotice[0]!.start.toISOString()).toBe("2026-06-15T09:15:00.000Z");
    const horizon = findSlots(
      input({ now: new Date("2026-06-14T10:00:00Z"), rules: rules({ bookingHorizonDays: 1 }) }),
    );
    expect(horizon.map((s) => s.start.toISOString().slice(11, 16))).toEqual(["09:00", "09:15", "09:30", "09:45"]);
    expect(findSlots(input({ rules: rules({ bookingHorizonDays: 0 }) }))).toEqual([]);
  });

  it("a sub-minute 'now' still yields grid starts", () => {
    const slots = findSlots(input({ now: new Date("2026-06-15T09:00:00.001Z") }));
    expect(slots[0]!.start.toISOString()).toBe("2026-06-15T09:15:00.000Z");
  });

  it("maxPerDay counts per clinician-local day", () => {
    // Kathmandu: 2026-06-15 local ends at 2026-06-15T18:15Z.
    const inp = input({
      clinicianZone: "Asia/Kathmandu",
      weekly: everyDay(0, 1440),
      gridMinutes: 60,
      rules: rules({ maxPerDay: 2 }),
      from: new Date("2026-06-15T17:00:00Z"),
      to: new Date("2026-06-15T20:00:00Z"),
      appointmentsPerLocalDay: { "2026-06-15": 2, "2026-06-16": 1 },
    });
    expect(findSlots(inp).map((s) => s.start.toISOString())).toEqual([
      "2026-06-15T18:15:00.000Z",
      "2026-06-15T19:15:00.000Z",
    ]);
    expect(
      findSlots({ ...inp, appointmentsPerLocalDay: { "2026-06-16": 2 } }).map((s) => s.start.toISOString()),
    ).toEqual(["2026-06-15T17:15:00.000Z"]);
    expect(findSlots({ ...inp, rules: rules({ maxPerDay: null }) })).toHaveLength(3);
  });

  it("ignores empty busy spans, accepts unsorted/overlapping ones, and rejects bad rules", () => {
    const busy = [
      { start: new Date("2026-06-15T11:00:00Z").getTime(), end: new Date("2026-06-15T11:40:00Z").getTime() },
      { start: new Date("2026-06-15T09:00:00Z"), end: new Date("2026-06-15T09:00:00Z") },
      { start: new Date("2026-06-15T10:50:00Z"), end: new Date("2026-06-15T11:10:00Z") },
    ];
    expect(
      findSlots(input({ busy, weekly: everyDay(540, 780) })).map((s) => s.start.toISOString().slice(11, 16)),
    ).toEqual(["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "11:45", "12:00", "12:15", "12:30"]);
    expect(() => findSlots(input({ rules: rules({ durationMinutes: 0 }) }))).toThrow(RangeError);
    expect(() => findSlots(input({ gridMinutes: 0 }))).toThrow(RangeError);
    expect(() => findSlots(input({ now: new Date(Number.NaN) }))).toThrow(/now/);
  });
});

describe("checkSlotStart: the slot, or why a start is not one", () => {
  // São Paulo (UTC−3), Monday to Friday 08:00–18:00; 2026-06-15 is a Monday, 2026-06-14 a Sunday
  const weekdays: WeeklyHours[] = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 480, endMinute: 1080 }));
  const schedule = input({ clinicianZone: "America/Sao_Paulo", weekly: weekdays });
  const now = new Date("2026-06-01T12:00:00Z");
  const check = (iso: string, over: Partial<FindSlotsInput> = {}) =>
    checkSlotStart({ ...schedule, ...over }, new Date(iso), now);

  it("returns the slot that findSlots offers", () => {
    expect(check("2026-06-15T14:00:00Z")).toEqual({
      ok: true,
      slot: {
        start: new Date("2026-06-15T14:00:00Z"),
        end: new Date("2026-06-15T14:30:00Z"),
        blockedFrom: new Date("2026-06-15T14:00:00Z"),
        blockedUntil: new Date("2026-06-15T14:30:00Z"),
      },
    });
  });

  it("tells a time off the grid, a closed day and a time outside the hours apart from a taken slot", () => {
    expect(check("2026-06-15T14:07:00Z")).toEqual({ ok: false, reason: "offGrid" }); // 11:07
    expect(check("2026-06-15T14:00:30Z")).toEqual({ ok: false, reason: "offGrid" });
    expect(check("2026-06-14T14:00:00Z")).toEqual({ ok: false, reason: "closedDay" }); // a Sunday
    expect(check("2026-06-15T06:00:00Z")).toEqual({ ok: false, reason: "outsideHours" }); // 03:00
    expect(check("2026-06-15T20:45:00Z")).toEqual({ ok: false, reason: "outsideHours" }); // 17:45, ends 18:15
    const busy = [{ start: new Date("2026-06-15T14:15:00Z"), end: new Date("2026-06-15T14:45:00Z") }];
    expect(check("2026-06-15T14:00:00Z", { busy })).toEqual({ ok: false, reason: "taken" });
  });

  it("reports the daily limit, a whole day off and the booking rules", () => {
    const full = { rules: rules({ maxPerDay: 1 }), appointmentsPerLocalDay: { "2026-06-15": 1 } };
    expect(check("2026-06-15T14:00:00Z", full)).toEqual({ ok: false, reason: "dayFull" });
    const dayOff = { exceptions: [{ date: "2026-06-15", kind: "TIME_OFF" as const }] };
    expect(check("2026-06-15T14:00:00Z", dayOff)).toEqual({ ok: false, reason: "closedDay" });
    expect(check("2026-05-31T14:00:00Z")).toEqual({ ok: false, reason: "inPast" });
    expect(check("2026-09-15T14:00:00Z")).toEqual({ ok: false, reason: "beyondHorizon" });
  });
});

describe("firstAvailable", () => {
  it("returns the earliest slot and breaks ties by clinicianId, whatever the input order", () => {
    const base = input();
    const window = { from: base.from, to: base.to, now: base.now };
    const candidates = [
      { ...base, clinicianId: "zed", weekly: everyDay(480, 600) },
      { ...base, clinicianId: "bob", weekly: everyDay(480, 600) },
      { ...base, clinicianId: "amy", weekly: everyDay(540, 600) },
    ];
    const best = firstAvailable(candidates, window);
    expect(best?.clinicianId).toBe("bob");
    expect(best?.slot.start.toISOString()).toBe("2026-06-15T08:00:00.000Z");
    expect(firstAvailable([...candidates].reverse(), window)?.clinicianId).toBe("bob");
    expect(firstAvailable([{ ...base, clinicianId: "x", weekly: [] }], window)).toBeNull();
  });

  it("compares across zones by instant, not by local clock", () => {
    const base = input();
    const window = { from: base.from, to: base.to, now: base.now };
    const best = firstAvailable(
      [
        { ...base, clinicianId: "a", clinicianZone: "America/Sao_Paulo" }, // 09:00 local = 12:00Z
        { ...base, clinicianId: "b", clinicianZone: "Asia/Kathmandu" }, // 09:00 local = 03:15Z
      ],
      window,
    );
    expect(best?.clinicianId).toBe("b");
    expect(best?.slot.start.toISOString()).toBe("2026-06-15T03:15:00.000Z");
  });
});

describe("adapters from appointment rows", () => {
  it("keeps only live appointments and counts them per local day", () => {
    const rows = [
      {
        startsAt: new Date("2026-06-15T18:30:00Z"),
        blockedFrom: new Date("2026-06-15T18:20:00Z"),
        blockedUntil: new Date("2026-06-15T19:10:00Z"),
        status: "BOOKED" as const,
      },
      {
        startsAt: new Date("2026-06-15T17:00:00Z"),
        blockedFrom: new Date("2026-06-15T17:00:00Z"),
        blockedUntil: new Date("2026-06-15T17:30:00Z"),
        status: "CONFIRMED" as const,
      },
      {
        startsAt: new Date("2026-06-15T12:00:00Z"),
        blockedFrom: new Date("2026-06-15T12:00:00Z"),
        blockedUntil: new Date("2026-06-15T12:30:00Z"),
        status: "CANCELLED" as const,
      },
    ];
    expect(busyFromAppointments(rows).map((b) => b.start.toISOString())).toEqual([
      "2026-06-15T18:20:00.000Z",
      "2026-06-15T17:00:00.000Z",
    ]);
    expect(countPerLocalDay(rows, "Asia/Kathmandu")).toEqual({ "2026-06-15": 1, "2026-06-16": 1 });
    expect(countPerLocalDay(rows, "America/St_Johns")).toEqual({ "2026-06-15": 2 });
  });
});
