import { describe, expect, it } from "vitest";
import { autoJoinBlocked, countsAsBotCall, leaveReason } from "./policy";

const startsAt = new Date("2030-06-03T13:00:00Z");
const endsAt = new Date("2030-06-03T13:30:00Z");
const appointment = { status: "BOOKED", startsAt, endsAt };
const meeting = { state: "READY", startsAt };
const at = (minutes: number) => new Date(startsAt.getTime() + minutes * 60_000);

describe("autoJoinBlocked", () => {
  it("lets the bot join from N minutes before the start until the end", () => {
    expect(autoJoinBlocked(appointment, meeting, [], at(-10.01), 10)).toBe("too early");
    expect(autoJoinBlocked(appointment, meeting, [], at(-10), 10)).toBeNull();
    expect(autoJoinBlocked(appointment, meeting, [], at(29), 10)).toBeNull();
    expect(autoJoinBlocked(appointment, meeting, [], at(30), 10)).toBe("appointment ended");
  });

  it("is off at 0 minutes", () => {
    expect(autoJoinBlocked(appointment, meeting, [], at(0), 0)).toBe("automatic join is off");
  });

  it("refuses cancelled appointments, unready meetings and meetings not yet moved", () => {
    expect(autoJoinBlocked({ ...appointment, status: "CANCELLED" }, meeting, [], at(-5), 10)).toBe(
      "appointment not live",
    );
    expect(autoJoinBlocked({ ...appointment, status: "CONFIRMED" }, meeting, [], at(-5), 10)).toBeNull();
    expect(autoJoinBlocked(appointment, null, [], at(-5), 10)).toBe("meeting not ready");
    expect(autoJoinBlocked(appointment, { ...meeting, state: "PENDING" }, [], at(-5), 10)).toBe("meeting not ready");
    expect(autoJoinBlocked(appointment, { ...meeting, startsAt: at(-60) }, [], at(-5), 10)).toBe(
      "meeting not at the appointment's time",
    );
  });

  it("joins once per appointment time: a live call or any call placed in the window blocks it", () => {
    const live = { state: "established", createdAt: at(-60) };
    const earlier = { state: "terminated", createdAt: at(-60) };
    const inWindow = { state: "terminated", createdAt: at(-10) };
    expect(autoJoinBlocked(appointment, meeting, [live], at(-5), 10)).toBe("bot already in the meeting");
    expect(autoJoinBlocked(appointment, meeting, [earlier], at(-5), 10)).toBeNull();
    expect(autoJoinBlocked(appointment, meeting, [inWindow], at(-5), 10)).toBe("already joined once for this time");
  });
});

describe("leaveReason", () => {
  it("leaves at the end, on cancellation and completion, and when the appointment is gone", () => {
    expect(leaveReason(appointment, at(29))).toBeNull();
    expect(leaveReason(appointment, at(30))).toBe("appointment ended");
    expect(leaveReason({ ...appointment, status: "CANCELLED" }, at(0))).toBe("appointment cancelled");
    expect(leaveReason({ ...appointment, status: "COMPLETED" }, at(0))).toBe("appointment completed");
    expect(leaveReason(null, at(0))).toBe("appointment deleted");
  });
});

describe("countsAsBotCall", () => {
  it("counts live calls and calls Graph placed, not claims that never got a Graph call", () => {
    expect(countsAsBotCall({ state: "establishing", graphCallId: "pending:1" })).toBe(true);
    expect(countsAsBotCall({ state: "terminated", graphCallId: "pending:1" })).toBe(false);
    expect(countsAsBotCall({ state: "terminated", graphCallId: "0123456789abcdef0123456789abcdef" })).toBe(true);
  });
});
