import { describe, expect, it } from "vitest";
import { meetingLabel, meetingUsable, pageInProgress } from "./progress";

const now = new Date("2030-06-03T12:00:00Z");
const base = { status: "BOOKED" as const, meetingState: "READY" as const, reminder: null };

describe("the appointment page's own refresh", () => {
  it("watches a meeting being created, and rests once it is ready or failed", () => {
    expect(pageInProgress({ ...base, meetingState: null }, now)).toBe(true);
    expect(pageInProgress({ ...base, meetingState: "PENDING" }, now)).toBe(true);
    expect(pageInProgress(base, now)).toBe(false);
    expect(pageInProgress({ ...base, meetingState: "FAILED" }, now)).toBe(false);
  });

  it("after a cancel, watches the meeting being removed and no longer offers it", () => {
    const cancelled = { ...base, status: "CANCELLED" as const };
    expect(meetingLabel(cancelled)).toBe("REMOVING");
    expect(meetingUsable(cancelled)).toBe(false);
    expect(pageInProgress(cancelled, now)).toBe(true);
    expect(pageInProgress({ ...cancelled, meetingState: "DELETED" }, now)).toBe(false);
    expect(meetingLabel({ ...cancelled, meetingState: "DELETED" })).toBe("DELETED");
    expect(meetingUsable(base)).toBe(true);
  });

  it("watches a reminder call that is under way or about to be placed", () => {
    const reminder = (status: "SCHEDULED" | "CALLING" | "DONE", dueAt: string) => ({
      ...base,
      reminder: { status, dueAt: new Date(dueAt) },
    });
    expect(pageInProgress(reminder("CALLING", "2030-06-03T11:59:00Z"), now)).toBe(true);
    expect(pageInProgress(reminder("SCHEDULED", "2030-06-03T12:00:05Z"), now)).toBe(true); // "call now"
    expect(pageInProgress(reminder("SCHEDULED", "2030-06-03T11:55:00Z"), now)).toBe(true); // due, being claimed
    expect(pageInProgress(reminder("SCHEDULED", "2030-06-03T09:00:00Z"), now)).toBe(false); // held back: not polled
    expect(pageInProgress(reminder("SCHEDULED", "2030-06-04T12:00:00Z"), now)).toBe(false); // tomorrow
    expect(pageInProgress(reminder("DONE", "2030-06-03T11:59:00Z"), now)).toBe(false);
  });
});
