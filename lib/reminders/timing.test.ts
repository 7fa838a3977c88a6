import { describe, expect, it } from "vitest";
import { planReminder, retryAllowed } from "./timing";

const SP = "America/Sao_Paulo"; // UTC−3
const utc = (iso: string) => new Date(iso);

describe("planReminder", () => {
  it("calls lead minutes before the start when that is daytime in the patient's zone", () => {
    const plan = planReminder({
      startsAt: utc("2030-06-03T16:00:00Z"), // 13:00 local
      leadMinutes: 24 * 60,
      timeZone: SP,
      now: utc("2030-06-01T12:00:00Z"),
    });
    expect(plan).toEqual({ dueAt: utc("2030-06-02T16:00:00Z") });
  });

  it("moves a night-time call earlier, into the previous evening", () => {
    const plan = planReminder({
      startsAt: utc("2030-06-03T11:00:00Z"), // 08:00 local
      leadMinutes: 120, // 06:00 local
      timeZone: SP,
      now: utc("2030-06-01T12:00:00Z"),
    });
    expect(plan).toEqual({ dueAt: utc("2030-06-02T22:44:00Z") }); // 19:44 local, the day before
  });

  it("moves a late-evening call earlier the same day", () => {
    const plan = planReminder({
      startsAt: utc("2030-06-04T01:30:00Z"), // 22:30 local
      leadMinutes: 60, // 21:30 local
      timeZone: SP,
      now: utc("2030-06-01T12:00:00Z"),
    });
    expect(plan).toEqual({ dueAt: utc("2030-06-03T22:44:00Z") });
  });

  it("calls as soon as waking hours allow when the due time has passed, or skips if the visit comes first", () => {
    // booked at 23:00 local for 09:00 local with a 2 h lead: 08:00 local is the first allowed moment
    expect(
      planReminder({
        startsAt: utc("2030-06-02T12:00:00Z"),
        leadMinutes: 120,
        timeZone: SP,
        now: utc("2030-06-02T02:00:00Z"),
      }),
    ).toEqual({ dueAt: utc("2030-06-02T11:00:00Z") });
    expect(
      planReminder({
        startsAt: utc("2030-06-02T10:30:00Z"), // 07:30 local
        leadMinutes: 120,
        timeZone: SP,
        now: utc("2030-06-02T02:00:00Z"),
      }),
    ).toEqual({ skip: "too-late" });
  });

  it("skips appointment types without a lead", () => {
    expect(planReminder({ startsAt: new Date(), leadMinutes: null, timeZone: SP, now: new Date() })).toEqual({
      skip: "no-lead",
    });
  });

  it("allows retries only in waking hours and before the start", () => {
    const start = utc("2030-06-03T16:00:00Z");
    expect(retryAllowed(utc("2030-06-03T13:00:00Z"), start, SP)).toBe(true);
    expect(retryAllowed(utc("2030-06-03T05:00:00Z"), start, SP)).toBe(false);
    expect(retryAllowed(utc("2030-06-03T16:30:00Z"), start, SP)).toBe(false);
  });
});
