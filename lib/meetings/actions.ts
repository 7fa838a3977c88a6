"use server";

import "server-only";
import { formArgument } from "@/lib/http/form-data";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { adHocMeetingSchema, joinUrlLookup } from "./schema";
import { createAdHocMeeting, findMeetingByJoinUrl } from "./service";

export type MeetingFormState = { status: "idle" } | { status: "error"; message: string };

export async function createMeetingAction(_previous: MeetingFormState, formData: FormData): Promise<MeetingFormState> {
  formData = formArgument(formData);
  let meetingId: string;
  try {
    const viewer = await requireViewer(ALL_ROLES);
    const t = await getTranslations("meetings.errors");
    const parsed = adHocMeetingSchema(viewer.timeZone, new Date()).safeParse(Object.fromEntries(formData));
    if (!parsed.success) {
      const key = parsed.error.issues[0]?.message ?? "start";
      return { status: "error", message: t.has(key) ? t(key) : t("start") };
    }
    meetingId = await createAdHocMeeting(viewer, parsed.data);
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
