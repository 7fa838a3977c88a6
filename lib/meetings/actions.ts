"use server";

import { formArgument } from "@/lib/http/form-data";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { isValidLocalDate, localToUtc } from "@/lib/scheduling";
import { adHocMeetingForm, joinUrlLookup } from "./schema";
import { createAdHocMeeting, findMeetingByJoinUrl } from "./service";

export type MeetingFormState = { status: "idle" } | { status: "error"; message: string };

export async function createMeetingAction(_previous: MeetingFormState, formData: FormData): Promise<MeetingFormState> {
  formData = formArgument(formData);
  let meetingId: string;
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const t = await getTranslations("meetings.errors");
    const parsed = adHocMeetingForm.safeParse(Object.fromEntries(formData));
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0];
      return {
        status: "error",
        message: t(field === "subject" ? "subject" : field === "durationMinutes" ? "duration" : "start"),
      };
    }
    const [date = "", time = ""] = parsed.data.start.split("T");
    const [hours = 0, minutes = 0] = time.split(":").map(Number);
    if (!isValidLocalDate(date)) return { status: "error", message: t("start") };
    const startsAt = localToUtc(date, hours * 60 + minutes, viewer.timeZone);
    if (startsAt.getTime() < Date.now() - 5 * 60_000) return { status: "error", message: t("past") };
    meetingId = await createAdHocMeeting(viewer, {
      subject: parsed.data.subject,
      startsAt,
      endsAt: new Date(startsAt.getTime() + parsed.data.durationMinutes * 60_000),
    });
  } catch (error) {
    if (isAppError(error)) return { status: "error", message: error.message };
    logger.error({ err: error }, "ad-hoc meeting failed");
    return { status: "error", message: (await getTranslations("meetings.errors"))("createFailed") };
  }
  redirect(`/meetings/${meetingId}`);
}

export async function lookupMeetingAction(_previous: MeetingFormState, formData: FormData): Promise<MeetingFormState> {
  formData = formArgument(formData);
  let meetingId: string | null;
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const parsed = joinUrlLookup.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return { status: "error", message: (await getTranslations("meetings.errors"))("joinUrl") };
    meetingId = await findMeetingByJoinUrl(viewer, parsed.data.joinWebUrl);
  } catch (error) {
    if (isAppError(error)) return { status: "error", message: error.message };
    logger.error({ err: error }, "meeting lookup failed");
    return { status: "error", message: (await getTranslations("meetings.errors"))("lookupFailed") };
  }
  if (!meetingId) return { status: "error", message: (await getTranslations("meetings.errors"))("notFound") };
  redirect(`/meetings/${meetingId}`);
}
