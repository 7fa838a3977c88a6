import "server-only";
import { AppError } from "@/lib/errors";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import {
  busyFromAppointments,
  countPerLocalDay,
  findSlots,
  firstAvailable,
  type AppointmentTypeRules,
  type ClinicianSchedule,
  type Slot,
} from "@/lib/scheduling";

const DAY_MS = 24 * 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Everything that decides a clinician's slots for one appointment type in [from, to): hours,
 * exceptions, rules and the blocked spans of live appointments. `excludeAppointmentId` leaves one
 * appointment out (a reschedule may move into its own old span).
 */
export async function loadSchedule(
  db: PrismaClient,
  params: { clinicianId: string; appointmentTypeId: string; from: Date; to: Date; excludeAppointmentId?: string },
): Promise<(ClinicianSchedule & { clinicianId: string }) | null> {
  const [schedule] = await loadSchedulesForType(db, params);
  return schedule ?? null;
}

export async function findFreeSlots(
  db: PrismaClient,
  params: {
    clinicianId: string;
    appointmentTypeId: string;
    from: Date;
    to: Date;
    now: Date;
    excludeAppointmentId?: string;
  },
): Promise<Slot[]> {
  const schedule = await loadSchedule(db, params);
  if (!schedule) return [];
  return findSlots({ ...schedule, from: params.from, to: params.to, now: params.now });
}

const appointmentListSelect = {
  id: true,
  startsAt: true,
  endsAt: true,
  status: true,
  clinicianId: true,
  clinician: { select: { name: true, timeZone: true } },
  patient: { select: { id: true, firstName: true, lastName: true } },
  appointmentType: { select: { name: true, nameEn: true } },
  meeting: { select: { state: true } },
  version: true,
  // the patient said on a rescue call that they cannot come (lib/rescue): flagged while this version stands
  rescues: { where: { rescheduleRequestedAt: { not: null } }, select: { appointmentVersion: true } },
} as const;

/** Appointments starting in [from, to), optionally for one clinician, in start order. */
export async function listAppointments(db: PrismaClient, params: { from: Date; to: Date; clinicianId?: string }) {
  return db.appointment.findMany({
    where: {
      startsAt: { gte: params.from, lt: params.to },
      ...(params.clinicianId ? { clinicianId: params.clinicianId } : {}),
    },
    orderBy: [{ startsAt: "asc" }, { clinicianId: "asc" }],
    select: appointmentListSelect,
  });
}

export async function getAppointment(db: PrismaClient, id: string) {
  return db.appointment.findUnique({
    where: { id },
    include: {
      clinician: { select: { id: true, name: true, timeZone: true, entraObjectId: true } },
      patient: { select: { id: true, firstName: true, lastName: true, locale: true, timeZone: true } },
      appointmentType: true,
      meeting: true,
      calendarEvent: { select: { state: true, failureReason: true } },
    },
  });
}

/** The appointment with its type, which a change checks its rules against; NOT_FOUND when there is none. */
export async function liveAppointment(db: PrismaClient | Prisma.TransactionClient, appointmentId: string) {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    include: { appointmentType: true },
  });
  if (!appointment) throw new AppError("NOT_FOUND", "Appointment not found.");
  return appointment;
}

export async function appointmentHistory(db: PrismaClient, appointmentId: string) {
  const rows = await db.auditLog.findMany({
    // what happened to the appointment; who looked at it is in the admin's audit search
    where: { entityType: "Appointment", entityId: appointmentId, NOT: { action: { endsWith: ".read" } } },
    orderBy: { at: "asc" },
    select: { id: true, at: true, actorId: true, actorLabel: true, action: true, details: true },
  });
  // the people's current names: some rows are labelled with a role only ("staff")
  const actorIds = [...new Set(rows.flatMap((r) => (r.actorId && UUID.test(r.actorId) ? [r.actorId] : [])))];
  const users = actorIds.length
    ? await db.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true, role: true } })
    : [];
  const byId = new Map(users.map((u) => [u.id, { name: u.name, role: u.role as string }]));
  return rows.map((row) => ({ ...row, actor: (row.actorId && byId.get(row.actorId)) || null }));
}

export async function listClinicians(db: PrismaClient) {
  return db.user.findMany({
    where: { role: "CLINICIAN", active: true },
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      timeZone: true,
      // a retired type takes no new bookings, even where a clinician still offers it
      appointmentTypes: {
        where: { active: true },
        orderBy: { name: "asc" },
        select: { id: true, name: true, nameEn: true },
      },
    },
  });
}

export interface PatientLinkRow {
  id: string;
  status: "BOOKED" | "CONFIRMED" | "CANCELLED" | "COMPLETED" | "NO_SHOW";
  version: number;
  startsAt: Date;
  endsAt: Date;
  previousStartsAt: Date | null;
  clinicianName: string;
  typeName: string;
  /** the type's English name, when it has one (the patient may read English) */
  typeNameEn: string | null;
  firstName: string;
  locale: string;
  timeZone: string;
  meetingState: string | null;
  joinWebUrl: string | null;
  rules: AppointmentTypeRules;
}

/**
 * The appointment behind a patient link, if the link is current: ONE round trip (the page is opened
 * by many phones at once; an include per relation would be five).
 */
export async function findByJoinTokenHash(db: PrismaClient, hash: string, now: Date): Promise<PatientLinkRow | null> {
  const [row] = await db.$queryRaw<PatientLinkRow[]>`
    SELECT a.id, a.status::text AS status, a.version, a."startsAt", a."endsAt", a."previousStartsAt",
      c.name AS "clinicianName", t.name AS "typeName", t."nameEn" AS "typeNameEn",
      p."firstName", p.locale, p."timeZone", m.state::text AS "meetingState", m."joinWebUrl",
      json_build_object('durationMinutes', t."durationMinutes", 'bufferBeforeMinutes', t."bufferBeforeMinutes",
                        'bufferAfterMinutes', t."bufferAfterMinutes", 'minimumNoticeMinutes', t."minimumNoticeMinutes",
                        'bookingHorizonDays', t."bookingHorizonDays", 'maxPerDay', t."maxPerDay",
                        'cancellationCutoffMinutes', t."cancellationCutoffMinutes") AS rules
    FROM "Appointment" a
    JOIN "User" c ON c.id = a."clinicianId"
    JOIN "Patient" p ON p.id = a."patientId"
    JOIN "AppointmentType" t ON t.id = a."appointmentTypeId"
    LEFT JOIN "OnlineMeeting" m ON m."appointmentId" = a.id
    WHERE a."joinTokenHash" = ${hash} AND a."joinTokenExpiresAt" > ${now}
    LIMIT 1`;
  return row
    ? {
        ...row,
        startsAt: new Date(row.startsAt),
        endsAt: new Date(row.endsAt),
        previousStartsAt: row.previousStartsAt ? new Date(row.previousStartsAt) : null,
      }
    : null;
}

interface ScheduleRow {
  id: string;
  timeZone: string;
  weekly: { weekday: number; startMinute: number; endMinute: number }[];
  exceptions: {
    date: string;
    kind: "TIME_OFF" | "EXTRA_HOURS";
    startMinute: number | null;
    endMinute: number | null;
  }[];
  appointments: { startsAt: string; blockedFrom: string; blockedUntil: string; status: "BOOKED" | "CONFIRMED" }[];
  /** busy times from the clinician's Outlook (lib/outlook/busy-sync.ts), the blocking ones */
  outlookBusy: { start: string; end: string }[];
  rules: AppointmentTypeRules;
}

/**
 * The schedules of every active clinician offering a type, in ONE database round trip (the slot
 * search's cost should be the query, not a query per clinician).
 */
export async function loadSchedulesForType(
  db: PrismaClient,
  params: { appointmentTypeId: string; from: Date; to: Date; clinicianId?: string; excludeAppointmentId?: string },
): Promise<(ClinicianSchedule & { clinicianId: string })[]> {
  // uuid columns compared with a nullable parameter: NULL means "no filter"
  const clinician = params.clinicianId ?? null;
  const excluded = params.excludeAppointmentId ?? null;
  const wideFrom = new Date(params.from.getTime() - 2 * DAY_MS);
  const wideTo = new Date(params.to.getTime() + 2 * DAY_MS);
  const rows = await db.$queryRaw<ScheduleRow[]>`
    SELECT u.id, u."timeZone",
      COALESCE((SELECT json_agg(json_build_object('weekday', w.weekday, 'startMinute', w."startMinute", 'endMinute', w."endMinute"))
                FROM "WeeklyAvailability" w WHERE w."clinicianId" = u.id), '[]') AS weekly,
      COALESCE((SELECT json_agg(json_build_object('date', to_char(e.date, 'YYYY-MM-DD'), 'kind', e.kind,
                                                  'startMinute', e."startMinute", 'endMinute', e."endMinute"))
                FROM "AvailabilityException" e
                WHERE e."clinicianId" = u.id AND e.date >= ${wideFrom}::date AND e.date <= ${wideTo}::date), '[]') AS exceptions,
      COALESCE((SELECT json_agg(json_build_object('startsAt', a."startsAt", 'blockedFrom', a."blockedFrom",
                                                  'blockedUntil', a."blockedUntil", 'status', a.status))
                FROM "Appointment" a
                WHERE a."clinicianId" = u.id AND a.status IN ('BOOKED', 'CONFIRMED')
                  AND a."blockedUntil" > ${wideFrom} AND a."blockedFrom" < ${wideTo}
                  AND (${excluded}::uuid IS NULL OR a.id <> ${excluded}::uuid)), '[]') AS appointments,
      COALESCE((SELECT json_agg(json_build_object('start', b."startsAt", 'end', b."endsAt"))
                FROM "OutlookBusy" b
                WHERE b."clinicianId" = u.id AND b."blocks"
                  AND b."endsAt" > ${wideFrom} AND b."startsAt" < ${wideTo}), '[]') AS "outlookBusy",
      json_build_object('durationMinutes', t."durationMinutes", 'bufferBeforeMinutes', t."bufferBeforeMinutes",
                        'bufferAfterMinutes', t."bufferAfterMinutes", 'minimumNoticeMinutes', t."minimumNoticeMinutes",
                        'bookingHorizonDays', t."bookingHorizonDays", 'maxPerDay', t."maxPerDay",
                        'cancellationCutoffMinutes', t."cancellationCutoffMinutes") AS rules
    FROM "AppointmentType" t
    JOIN "_ClinicianAppointmentTypes" ct ON ct."A" = t.id
    JOIN "User" u ON u.id = ct."B"
    -- a retired type books nothing new, but an appointment it already has (the one left out) may still move
    WHERE t.id = ${params.appointmentTypeId}::uuid AND (t.active OR ${excluded}::uuid IS NOT NULL)
      AND u.role = 'CLINICIAN' AND u.active
      AND (${clinician}::uuid IS NULL OR u.id = ${clinician}::uuid)
    ORDER BY u.id`;
  return rows.map((row) => {
    const appointments = row.appointments.map((a) => ({
      startsAt: new Date(a.startsAt),
      blockedFrom: new Date(a.blockedFrom),
      blockedUntil: new Date(a.blockedUntil),
      status: a.status,
    }));
    return {
      clinicianId: row.id,
      clinicianZone: row.timeZone,
      weekly: row.weekly,
      exceptions: row.exceptions,
      rules: row.rules,
      // Outlook's busy times block like appointments (never counted in a day's cap)
      busy: [
        ...busyFromAppointments(appointments),
        ...row.outlookBusy.map((b) => ({ start: new Date(b.start), end: new Date(b.end) })),
      ],
      // local days cost a zone lookup per appointment; only a type with a daily cap reads them
      appointmentsPerLocalDay: row.rules.maxPerDay === null ? {} : countPerLocalDay(appointments, row.timeZone),
    };
  });
}

/** The earliest free slot across every clinician offering the type. */
export async function firstAvailableSlot(
  db: PrismaClient,
  params: { appointmentTypeId: string; from: Date; to: Date; now: Date },
) {
  const schedules = await loadSchedulesForType(db, params);
  return firstAvailable(schedules, { from: params.from, to: params.to, now: params.now });
}

/**
 * The patient's zone and the visit's length, for a booking (patient and type) or a move (the appointment):
 * what the waking-hours question needs. Null when either is unknown (the booking then refuses on its own).
 */
export async function patientClockFacts(
  db: PrismaClient,
  of: { patientId: string; appointmentTypeId: string } | { appointmentId: string },
): Promise<{ timeZone: string; durationMinutes: number } | null> {
  if ("appointmentId" in of) {
    const row = await db.appointment.findUnique({
      where: { id: of.appointmentId },
      select: { patient: { select: { timeZone: true } }, appointmentType: { select: { durationMinutes: true } } },
    });
    return row ? { timeZone: row.patient.timeZone, durationMinutes: row.appointmentType.durationMinutes } : null;
  }
  const [patient, type] = await Promise.all([
    db.patient.findUnique({ where: { id: of.patientId }, select: { timeZone: true } }),
    db.appointmentType.findUnique({ where: { id: of.appointmentTypeId }, select: { durationMinutes: true } }),
  ]);
  return patient && type ? { timeZone: patient.timeZone, durationMinutes: type.durationMinutes } : null;
}

/**
 * A patient's appointments, newest first (the patient record's list): every one, or only those with
 * `clinicianId` (a clinician sees their own visits with the patient).
 */
export async function listPatientAppointments(
  db: PrismaClient,
  params: { patientId: string; clinicianId: string | null; take?: number },
) {
  return db.appointment.findMany({
    where: { patientId: params.patientId, ...(params.clinicianId ? { clinicianId: params.clinicianId } : {}) },
    orderBy: [{ startsAt: "desc" }, { id: "asc" }],
    take: params.take ?? 50,
    select: {
      id: true,
      startsAt: true,
      endsAt: true,
      status: true,
      clinician: { select: { name: true } },
      appointmentType: { select: { name: true, nameEn: true } },
    },
  });
}
