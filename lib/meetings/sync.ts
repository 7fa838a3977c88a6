// Keeps an appointment's Teams meeting in line with the appointment: created once (createOrGet keyed by
// the appointment id, so retries and duplicate jobs never make two), moved when the appointment
// moves, deleted when it is cancelled. Run by the meeting-sync job; safe to run any number of times.
import "server-only";
import { recordAudit, systemActor } from "@/lib/audit/mutations";
import type { MeetingsApi } from "@/lib/graph/gateway";
import { GraphAuthError, syncFailureRecord } from "@/lib/graph/errors";
import type { OnlineMeeting, PrismaClient } from "@/lib/generated/prisma/client";

export interface MeetingGateways {
  /** /me/onlineMeetings with the organizer's own delegated token */
  delegated(organizerUserId: string): MeetingsApi;
  /** /users/{organizer's Entra object id}/onlineMeetings with the application's token */
  application(organizerEntraObjectId: string): MeetingsApi;
}

export type SyncOutcome = "created" | "updated" | "unchanged" | "deleted" | "nothing" | "failed";

const actor = systemActor("meeting sync");

export async function syncAppointmentMeeting(
  db: PrismaClient,
  gateways: MeetingGateways,
  appointmentId: string,
): Promise<SyncOutcome> {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    include: {
      meeting: true,
      clinician: { select: { id: true, entraObjectId: true } },
      appointmentType: { select: { name: true } },
    },
  });
  if (!appointment) return "nothing";
  const live = appointment.status === "BOOKED" || appointment.status === "CONFIRMED";
  let meeting = appointment.meeting;
  if (!meeting) {
    if (!live) return "nothing";
    // ON CONFLICT DO NOTHING: duplicate jobs racing here end up with the same row
    await db.onlineMeeting.createMany({
      skipDuplicates: true,
      data: {
        appointmentId: appointment.id,
        externalId: appointment.id,
        organizerId: appointment.clinicianId,
        createdById: appointment.bookedById,
        // a clinician booking in their own calendar acts with their own token; staff use the app's
        tokenKind: appointment.bookedById === appointment.clinicianId ? "DELEGATED" : "APPLICATION",
        subject: `Consulta — ${appointment.appointmentType.name}`,
        startsAt: appointment.startsAt,
        endsAt: appointment.endsAt,
      },
    });
    meeting = await db.onlineMeeting.findUniqueOrThrow({ where: { externalId: appointment.id } });
  }

  const api = (row: OnlineMeeting): MeetingsApi => {
    if (row.tokenKind === "DELEGATED") return gateways.delegated(appointment.clinician.id);
    if (!appointment.clinician.entraObjectId)
      throw new GraphAuthError("appTokenUnavailable", "organizer has no Entra id");
    return gateways.application(appointment.clinician.entraObjectId);
  };

  try {
    if (!live) {
      if (!meeting.graphMeetingId || meeting.state === "DELETED") return "nothing";
      await api(meeting).delete(meeting.graphMeetingId);
      await db.$transaction(async (tx) => {
        await tx.onlineMeeting.update({ where: { id: meeting.id }, data: { state: "DELETED", failureReason: null } });
        await recordAudit(tx, actor, "graph.meeting.delete", { type: "Appointment", id: appointment.id });
      });
      return "deleted";
    }
    return await ensureMeeting(db, meeting, appointment, api);
  } catch (error) {
    // a clinician whose Microsoft session lapsed: create the meeting with the application's permission
    if (error instanceof GraphAuthError && error.code === "reauthenticate" && meeting.tokenKind === "DELEGATED") {
      const switched = await db.onlineMeeting.update({ where: { id: meeting.id }, data: { tokenKind: "APPLICATION" } });
      return live ? ensureMeeting(db, switched, appointment, api) : "nothing";
    }
    const failure = syncFailureRecord(error, meeting.state);
    await db.onlineMeeting.update({ where: { id: meeting.id }, data: failure.data });
    if (failure.transient) throw error;
    return "failed";
  }
}

async function ensureMeeting(
  db: PrismaClient,
  meeting: OnlineMeeting,
  appointment: { id: string; startsAt: Date; endsAt: Date },
  api: (row: OnlineMeeting) => MeetingsApi,
): Promise<SyncOutcome> {
  const meetings = api(meeting);
  let outcome: SyncOutcome = "unchanged";
  let graphId = meeting.graphMeetingId;
  let joinWebUrl = meeting.joinWebUrl;
  let start = meeting.graphMeetingId ? meeting.startsAt : null;
  let end = meeting.graphMeetingId ? meeting.endsAt : null;
  if (!graphId) {
    const result = await meetings.createOrGet({
      externalId: meeting.externalId,
      subject: meeting.subject,
      startDateTime: appointment.startsAt,
      endDateTime: appointment.endsAt,
    });
    graphId = result.meeting.id ?? null;
    joinWebUrl = result.meeting.joinWebUrl ?? null;
    start = result.meeting.startDateTime ? new Date(result.meeting.startDateTime) : null;
    end = result.meeting.endDateTime ? new Date(result.meeting.endDateTime) : null;
    // createOrGet answers 200 with the existing meeting when another job got there first
    outcome = result.created ? "created" : "unchanged";
  }
  if (!graphId) throw new Error("Graph returned a meeting without an id");
  if (start?.getTime() !== appointment.startsAt.getTime() || end?.getTime() !== appointment.endsAt.getTime()) {
    const moved = await meetings.updateTimes(graphId, appointment.startsAt, appointment.endsAt);
    joinWebUrl = moved.joinWebUrl ?? joinWebUrl;
    if (outcome === "unchanged") outcome = "updated";
  }
  await db.$transaction(async (tx) => {
    await tx.onlineMeeting.update({
      where: { id: meeting.id },
      data: {
        graphMeetingId: graphId,
        joinWebUrl,
        startsAt: appointment.startsAt,
        endsAt: appointment.endsAt,
        state: "READY",
        failureReason: null,
      },
    });
    if (outcome !== "unchanged") {
      await recordAudit(tx, actor, `graph.meeting.${outcome === "created" ? "create" : "update"}`, {
        type: "Appointment",
        id: appointment.id,
      });
    }
  });
  return outcome;
}
