import "server-only";
import crypto from "node:crypto";
import { auditActorOf, recordAudit } from "@/lib/audit/mutations";
import { delegatedTokenStore } from "@/lib/auth/delegated-tokens";
import type { Viewer } from "@/lib/auth/session";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { graphForApp, graphForUser, toAppError, type MeetingsApi } from "@/lib/graph";
import { localDateTime } from "@/lib/scheduling";
import type { AdHocMeetingInput } from "./schema";

// Ad-hoc meetings and meeting details for the Meetings pages. Reads go to Graph every time: the
// details page shows what Teams holds now, not a copy.

function rethrowAsAppError(error: unknown): never {
  throw toAppError(error) ?? error;
}

export async function createAdHocMeeting(viewer: Viewer, input: AdHocMeetingInput): Promise<string> {
  const db = getDb();
  const externalId = crypto.randomUUID();
  const row = await db.onlineMeeting.create({
    data: {
      externalId,
      organizerId: viewer.id,
      createdById: viewer.id,
      tokenKind: "DELEGATED",
      subject: input.subject,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
    },
  });
  try {
    const { meeting } = await graphForUser(viewer.id, delegatedTokenStore()).meetings.createOrGet({
      externalId,
      subject: input.subject,
      startDateTime: input.startsAt,
      endDateTime: input.endsAt,
    });
    await db.$transaction(async (tx) => {
      await tx.onlineMeeting.update({
        where: { id: row.id },
        data: { state: "READY", graphMeetingId: meeting.id, joinWebUrl: meeting.joinWebUrl },
      });
      await recordAudit(tx, auditActorOf(viewer), "graph.meeting.create", { type: "OnlineMeeting", id: row.id });
    });
    return row.id;
  } catch (error) {
    // the failed attempt stays visible (the list shows it as failed) and in the audit trail
    await db.$transaction(async (tx) => {
      await tx.onlineMeeting.update({
        where: { id: row.id },
        data: { state: "FAILED", failureReason: "could not be created", attempts: { increment: 1 } },
      });
      await recordAudit(
        tx,
        auditActorOf(viewer),
        "graph.meeting.create",
        { type: "OnlineMeeting", id: row.id },
        { outcome: "failed", status: (error as { status?: number }).status ?? null },
      );
    });
    rethrowAsAppError(error);
  }
}

/** Meetings made through Consulta that the viewer may see: their own, or all for staff and admins. */
export async function listMeetings(viewer: Viewer) {
  return getDb().onlineMeeting.findMany({
    where: canSeeAllAppointments(viewer.role) ? {} : { organizerId: viewer.id },
    orderBy: { startsAt: "desc" },
    take: 100,
    select: {
      id: true,
      subject: true,
      startsAt: true,
      endsAt: true,
      state: true,
      appointmentId: true,
      organizer: { select: { name: true } },
    },
  });
}

async function meetingApiFor(
  viewer: Viewer,
  organizer: { id: string; entraObjectId: string | null },
): Promise<MeetingsApi> {
  if (organizer.id === viewer.id) return graphForUser(viewer.id, delegatedTokenStore()).meetings;
  if (!organizer.entraObjectId) throw new AppError("NOT_FOUND", "Meeting not found.");
  return graphForApp().meetingsFor(organizer.entraObjectId);
}

/** The meeting as Teams has it now. Clinicians see their own meetings; staff and admins any. */
export async function meetingDetails(viewer: Viewer, meetingRowId: string) {
  const db = getDb();
  const row = await db.onlineMeeting.findUnique({
    where: { id: meetingRowId },
    include: { organizer: { select: { id: true, name: true, entraObjectId: true } } },
  });
  if (!row || (!canSeeAllAppointments(viewer.role) && row.organizerId !== viewer.id)) return null;
  if (!row.graphMeetingId) return { row, live: null };
  try {
    const api = await meetingApiFor(viewer, row.organizer);
    const live = await api.get(row.graphMeetingId);
    await recordAudit(db, auditActorOf(viewer), "graph.meeting.read", { type: "OnlineMeeting", id: row.id });
    return { row, live };
  } catch (error) {
    rethrowAsAppError(error);
  }
}

/** Finds one of the viewer's meetings (or, for staff, one Consulta made) by its Teams join link. */
export async function findMeetingByJoinUrl(viewer: Viewer, joinWebUrl: string): Promise<string | null> {
  const db = getDb();
  const known = await db.onlineMeeting.findFirst({
    where: { joinWebUrl, ...(canSeeAllAppointments(viewer.role) ? {} : { organizerId: viewer.id }) },
    select: { id: true },
  });
  if (known) return known.id;
  try {
    // not made through Consulta: ask Teams whether it is one of the viewer's own meetings
    const found = await graphForUser(viewer.id, delegatedTokenStore()).meetings.findByJoinUrl(joinWebUrl);
    if (!found) {
      await recordAudit(
        db,
        auditActorOf(viewer),
        "graph.meeting.lookup",
        { type: "OnlineMeeting" },
        { outcome: "not-found" },
      );
      return null;
    }
    return await db.$transaction(async (tx) => {
      const row = await tx.onlineMeeting.upsert({
        where: { externalId: `teams:${found.id}` },
        update: {},
        create: {
          externalId: `teams:${found.id}`,
          organizerId: viewer.id,
          createdById: viewer.id,
          tokenKind: "DELEGATED",
          state: "READY",
          graphMeetingId: found.id,
          joinWebUrl: found.joinWebUrl,
          subject: found.subject ?? "Teams meeting",
          startsAt: new Date(found.startDateTime),
          endsAt: new Date(found.endDateTime),
        },
      });
      await recordAudit(tx, auditActorOf(viewer), "graph.meeting.lookup", { type: "OnlineMeeting", id: row.id });
      return row.id;
    });
  } catch (error) {
    rethrowAsAppError(error);
  }
}

/** The next full hour in `zone`, as a datetime-local input value ("YYYY-MM-DDTHH:00"). */
export function nextHourInput(zone: string, now: Date): string {
  const soon = localDateTime(new Date(now.getTime() + 60 * 60_000), zone);
  return `${soon.date}T${String(soon.hour).padStart(2, "0")}:00`;
}
