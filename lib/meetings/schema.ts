import { z } from "zod";
import { isDateWithinYears, isValidLocalDate, localTimeExists, localToUtc } from "@/lib/scheduling";

// Every issue message is a key under `meetings.errors` in messages/*.json.

/** A meeting may start this long ago (a form filled in slowly), no earlier. */
const PAST_TOLERANCE_MS = 5 * 60_000;

/** The form: a local date and time (the viewer's zone) and a duration. Hours run 00–23: "T24:00" is no time. */
export const adHocMeetingForm = z.object({
  subject: z.string().trim().min(1, "subject").max(200, "subject"),
  start: z.string().regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/, "start"),
  durationMinutes: z.coerce.number().int("duration").min(5, "duration").max(480, "duration"),
});

export interface AdHocMeetingInput {
  subject: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * The form read in the organiser's zone at `now`: a real date within 2000–2100 (isDateWithinYears), a local time
 * the clock shows that day (a time skipped when daylight saving time starts is refused, never moved to
 * the next hour without a word), and not in the past.
 */
export function adHocMeetingSchema(zone: string, now: Date) {
  return adHocMeetingForm.transform((form, ctx): AdHocMeetingInput => {
    const issue = (message: string) => {
      ctx.addIssue({ code: "custom", path: ["start"], message, input: form.start });
      return z.NEVER;
    };
    const [date = "", time = ""] = form.start.split("T");
    if (!isValidLocalDate(date)) return issue("start");
    if (!isDateWithinYears(date)) return issue("startYears");
    const [hours = 0, minutes = 0] = time.split(":").map(Number);
    const minute = hours * 60 + minutes;
    if (!localTimeExists(date, minute, zone)) return issue("startSkipped");
    const startsAt = localToUtc(date, minute, zone);
    if (startsAt.getTime() < now.getTime() - PAST_TOLERANCE_MS) return issue("past");
    return {
      subject: form.subject,
      startsAt,
      endsAt: new Date(startsAt.getTime() + form.durationMinutes * 60_000),
    };
  });
}

/** Graph's onlineMeeting.lobbyBypassSettings.scope values (v1.0), each with words under meetings.lobbyScope. */
export const LOBBY_SCOPES = [
  "organizer",
  "organization",
  "organizationAndFederated",
  "everyone",
  "invited",
  "organizationExcludingGuests",
  "unknownFutureValue",
] as const;

/** Graph's onlineMeeting.allowedPresenters values (v1.0), each with words under meetings.presenterValue. */
export const PRESENTER_VALUES = [
  "everyone",
  "organization",
  "roleIsPresenter",
  "organizer",
  "unknownFutureValue",
] as const;

export const joinUrlLookup = z.object({
  joinWebUrl: z
    .url({ message: "Paste the meeting's join link." })
    .max(2000)
    .refine((value) => /\/meetup-join\//.test(value), "That is not a Teams meeting join link."),
});
