// What the appointment page shows that is about to change by itself — the Teams meeting being created or
// removed by the job queue, a reminder call being placed or under way — so the page re-reads itself until
// it settles instead of showing a stale state until someone reloads. Pure: `now` is a parameter.
import "server-only";

export type MeetingState = "PENDING" | "READY" | "FAILED" | "DELETED";
export type AppointmentStatus = "BOOKED" | "CONFIRMED" | "CANCELLED" | "COMPLETED" | "NO_SHOW";
type ReminderStatus = "SCHEDULED" | "CALLING" | "DONE" | "SKIPPED";

export interface AppointmentPageState {
  status: AppointmentStatus;
  meetingState: MeetingState | null;
  reminder: { status: ReminderStatus; dueAt: Date } | null;
}

/**
 * A reminder due this soon (staff just asked for it) is about to ring, one due this recently is being
 * claimed: worth watching. Older ones wait for something else (waking hours, a stopped worker): not polled.
 */
const REMINDER_WATCH_AHEAD_MS = 2 * 60_000;
const REMINDER_WATCH_BEHIND_MS = 10 * 60_000;

export const isLive = (status: AppointmentStatus) => status === "BOOKED" || status === "CONFIRMED";

/** The meeting as the page should name it: a cancelled appointment's meeting that still exists is being removed. */
export function meetingLabel(
  state: Pick<AppointmentPageState, "status" | "meetingState">,
): MeetingState | "NONE" | "REMOVING" {
  if (state.status === "CANCELLED" && (state.meetingState === "READY" || state.meetingState === "PENDING")) {
    return "REMOVING";
  }
  return state.meetingState ?? "NONE";
}

/** Join links and the bot's controls belong to a live appointment with a ready meeting only. */
export const meetingUsable = (state: Pick<AppointmentPageState, "status" | "meetingState">) =>
  isLive(state.status) && state.meetingState === "READY";

/** Should the page refresh itself? */
export function pageInProgress(state: AppointmentPageState, now: Date): boolean {
  const live = isLive(state.status);
  if (live && (state.meetingState === null || state.meetingState === "PENDING")) return true;
  if (meetingLabel(state) === "REMOVING") return true;
  const reminder = state.reminder;
  if (reminder?.status === "CALLING") return true;
  if (!live || reminder?.status !== "SCHEDULED") return false;
  const due = reminder.dueAt.getTime() - now.getTime();
  return due <= REMINDER_WATCH_AHEAD_MS && due >= -REMINDER_WATCH_BEHIND_MS;
}
