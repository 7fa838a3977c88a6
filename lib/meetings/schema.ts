import { z } from "zod";

/** The form: a local date and time (the viewer's zone) and a duration. */
export const adHocMeetingForm = z.object({
  subject: z.string().trim().min(1, "Give the meeting a subject.").max(200, "Keep the subject under 200 characters."),
  start: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "Choose a start date and time."),
  durationMinutes: z.coerce.number().int().min(5, "At least 5 minutes.").max(480, "At most 8 hours."),
});

export interface AdHocMeetingInput {
  subject: string;
  startsAt: Date;
  endsAt: Date;
}

export const joinUrlLookup = z.object({
  joinWebUrl: z
    .url({ message: "Paste the meeting's join link." })
    .max(2000)
    .refine((value) => /\/meetup-join\//.test(value), "That is not a Teams meeting join link."),
});
