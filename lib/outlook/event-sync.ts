// Keeps the visit's event in the clinician's Outlook calendar in line with the appointment: created once,
// moved when the appointment moves, removed when it is cancelled. Run by the calendar-event-sync job, which
// the meeting sync queues after every run (the event carries the meeting's join link); safe to run any number
// of times: before creating, the event is looked up by our extended property, and the create carries a
// transactionId, so a retried job never makes a second event.
import "server-only";
import { recordAudit, systemActor } from "@/lib/audit/mutations";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { CalendarApi } from "@/lib/graph/gateway";
import { GraphAuthError, isNotFound, syncFailureRecord } from "@/lib/graph/errors";
import { visitEventContent } from "./event-content";

export interface CalendarEventDeps {
  /** /users/{the clinician's Entra object id}/events with the application's token */
  calendar(entraObjectId: string): CalendarApi;
  /** PUBLIC_BASE_URL: the appointment page's link in the event */
  appBaseUrl: string;
  subject: "type" | "patient";
}

export type EventSyncOutcome = "created" | "updated" | "unchanged" | "deleted" | "waiting" | "nothing" | "failed";

const outlookActor = systemActor("outlook");

export async function syncAppointmentEvent(
  db: PrismaClient,
  deps: CalendarEventDeps,
  appointmentId: string,
): Promise<EventSyncOutcome> {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    include: {
      calendarEvent: true,
      meeting: { select: { state: true, joinWebUrl: true } },
      clinician: { select: { id: true, entraObjectId: true, locale: true } },
      appointmentType: { select: { name: true } },
      patient: { select: { firstName: true, lastName: true } },
    },
  });
  if (!appointment) return "nothing";
  const live = appointment.status === "BOOKED" || appointment.status === "CONFIRMED";
  let row = appointment.calendarEvent;
  if (!row) {
    if (!live) return "nothing";
    // ON CONFLICT DO NOTHING: duplicate jobs racing here end up with the same row
    await db.calendarEvent.createMany({
      skipDuplicates: true,
      data: { appointmentId: appointment.id, clinicianId: appointment.clinicianId },
    });
    row = await db.calendarEvent.findUniqueOrThrow({ where: { appointmentId: appointment.id } });
  }
  if (!live && row.state === "DELETED") return "nothing";
  // the event carries the join link: wait for the meeting while it is being created (its sync queues us again)
  if (live && (!appointment.meeting || appointment.meeting.state === "PENDING") && !row.graphEventId) return "waiting";

  const fail = async (error: unknown): Promise<EventSyncOutcome> => {
    const failure = syncFailureRecord(error, row.state);
    await db.calendarEvent.update({ where: { appointmentId: appointment.id }, data: failure.data });
    if (failure.transient) throw error;
    return "failed";
  };

  if (!appointment.clinician.entraObjectId)
    return fail(new GraphAuthError("appTokenUnavailable", "the clinician has no Entra id"));
  const api = deps.calendar(appointment.clinician.entraObjectId);
  const target = { type: "Appointment", id: appointment.id };

  try {
    if (!live) {
      const graphId = row.graphEventId ?? (await api.findVisitEvent(appointment.id))?.id ?? null;
      if (graphId) await api.deleteEvent(graphId);
      await db.$transaction(async (tx) => {
        await tx.calendarEvent.update({
          where: { appointmentId: appointment.id },
          data: { state: "DELETED", failureReason: null },
        });
        if (graphId) await recordAudit(tx, outlookActor, "graph.calendar.delete", target);
      });
      return graphId ? "deleted" : "nothing";
    }

    const content = visitEventContent({
      locale: appointment.clinician.locale,
      typeName: appointment.appointmentType.name,
      patientName:
        deps.subject === "patient" ? `${appointment.patient.firstName} ${appointment.patient.lastName}` : null,
      joinWebUrl: appointment.meeting?.state === "READY" ? appointment.meeting.joinWebUrl : null,
      appointmentUrl: `${deps.appBaseUrl.replace(/\/$/, "")}/appointments/${appointment.id}`,
    });
    const wanted = { ...content, start: appointment.startsAt, end: appointment.endsAt };
    let outcome: EventSyncOutcome = "unchanged";
    let current =
      row.graphEventId && row.startsAt && row.endsAt
        ? { id: row.graphEventId, start: row.startsAt, end: row.endsAt }
        : null;
    // a job that died after Graph made the event (or whose answer was lost) finds it by our property
    current ??= await api.findVisitEvent(appointment.id);
    if (!current) {
      current = await api.createVisitEvent({ appointmentId: appointment.id, ...wanted });
      outcome = "created";
    }
    if (current.start.getTime() !== wanted.start.getTime() || current.end.getTime() !== wanted.end.getTime()) {
      try {
        current = await api.updateVisitEvent(current.id, wanted);
      } catch (error) {
        // the clinician deleted our event in Outlook: the appointment still stands, so it is made again
        if (!isNotFound(error)) throw error;
        current =
          (await api.findVisitEvent(appointment.id)) ??
          (await api.createVisitEvent({ appointmentId: appointment.id, ...wanted }));
        if (current.start.getTime() !== wanted.start.getTime())
          current = await api.updateVisitEvent(current.id, wanted);
      }
      if (outcome === "unchanged") outcome = "updated";
    }
    const event = current;
    await db.$transaction(async (tx) => {
      if (outcome === "created") {
        // a twin job got the same event back (Graph knew our transactionId): one of us records the create
        const claimed = await tx.calendarEvent.updateMany({
          where: { appointmentId: appointment.id, graphEventId: null },
          data: { graphEventId: event.id },
        });
        if (claimed.count === 0) outcome = "unchanged";
      }
      // a delta that ran before we knew the event's id (and saw no transactionId) took it for busy time
      await tx.outlookBusy.deleteMany({ where: { clinicianId: appointment.clinicianId, graphEventId: event.id } });
      await tx.calendarEvent.update({
        where: { appointmentId: appointment.id },
        data: {
          graphEventId: event.id,
          startsAt: event.start,
          endsAt: event.end,
          state: "READY",
          failureReason: null,
        },
      });
      if (outcome !== "unchanged")
        await recordAudit(tx, outlookActor, `graph.calendar.${outcome === "created" ? "create" : "update"}`, target);
    });
    return outcome;
  } catch (error) {
    return fail(error);
  }
}

/**
 * Appointments whose Outlook event is behind: live ones without a ready event at their current time, and
 * cancelled ones whose event still exists. The meeting sync queues each change; this catches a crash in
 * between. FAILED events are tried again hourly.
 */
export async function appointmentsNeedingEventSync(db: PrismaClient, now: Date, limit = 200): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT a.id FROM "Appointment" a
    LEFT JOIN "CalendarEvent" e ON e."appointmentId" = a.id
    LEFT JOIN "OnlineMeeting" m ON m."appointmentId" = a.id
    WHERE a."endsAt" > ${now}
      AND (
        (a.status IN ('BOOKED', 'CONFIRMED') AND m.state IS NOT NULL AND m.state <> 'PENDING'
          AND (e."appointmentId" IS NULL OR e.state = 'PENDING'
               OR (e.state = 'READY' AND (e."startsAt" IS DISTINCT FROM a."startsAt" OR e."endsAt" IS DISTINCT FROM a."endsAt"))
               -- refused (consent missing, say): asked again hourly, so access granted later is picked up
               OR (e.state = 'FAILED' AND e."updatedAt" < ${new Date(now.getTime() - 60 * 60_000)})))
        OR (a.status NOT IN ('BOOKED', 'CONFIRMED') AND e.state IN ('READY', 'PENDING'))
      )
    ORDER BY a."startsAt"
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}
