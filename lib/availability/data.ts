// Reads. They take explicit ids, "now" and the person asking as parameters and never look at the
// session, so jobs and tests can call them; pages and actions resolve the viewer and pass it in.
import "server-only";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import {
  addLocalDays,
  dbDateFromLocalDate,
  localDateFromDbDate,
  localDateOf,
  type WeeklyHours,
} from "@/lib/scheduling";
import { canEditAvailability } from "./access";
import { previewDays, PREVIEW_DAYS } from "./preview";
import { clinicianIdSchema } from "./schema";
import { overlapsSpan, timeOffSpan } from "./time-off";
import type { AffectedVisit, AvailabilityEditorData, ClinicianSummary, ExceptionRecord } from "./types";
import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";

const clinicianSelect = { id: true, name: true, timeZone: true } as const;

/** Active clinicians, by name: the admin's picker. */
export async function listClinicians(): Promise<ClinicianSummary[]> {
  return getDb().user.findMany({
    where: { role: "CLINICIAN", active: true },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    select: clinicianSelect,
  });
}

/** An active clinician by id, or null (a malformed id, a staff member or an admin are "none"). */
export async function getClinician(clinicianId: string): Promise<ClinicianSummary | null> {
  if (!clinicianIdSchema.safeParse(clinicianId).success) return null;
  return getDb().user.findFirst({
    where: { id: clinicianId, role: "CLINICIAN", active: true },
    select: clinicianSelect,
  });
}

/**
 * The clinician whose availability `viewer` wants to change, or an AppError: FORBIDDEN when the
 * viewer may not edit it (a clinician asking for someone else, staff), NOT_FOUND when there is no
 * such clinician. Permission is checked first so that a refusal does not reveal who exists.
 */
export async function requireEditableClinician(
  viewer: { id: string; role: string },
  clinicianId: string,
): Promise<ClinicianSummary> {
  if (!canEditAvailability(viewer, clinicianId)) {
    throw new AppError("FORBIDDEN", "You may not change this clinician's availability.");
  }
  const clinician = await getClinician(clinicianId);
  if (!clinician) throw new AppError("NOT_FOUND", "This clinician does not exist.");
  return clinician;
}

const exceptionSelect = { id: true, date: true, kind: true, startMinute: true, endMinute: true, note: true } as const;

function toExceptionRecord(row: {
  id: string;
  date: Date;
  kind: ExceptionRecord["kind"];
  startMinute: number | null;
  endMinute: number | null;
  note: string | null;
}): ExceptionRecord {
  return { ...row, date: localDateFromDbDate(row.date) };
}

export async function getWeeklyAvailability(clinicianId: string): Promise<WeeklyHours[]> {
  return getDb().weeklyAvailability.findMany({
    where: { clinicianId },
    orderBy: [{ weekday: "asc" }, { startMinute: "asc" }],
    select: { weekday: true, startMinute: true, endMinute: true },
  });
}

/** Exceptions on `from` (a local date) or later, in date order. */
export async function listUpcomingExceptions(clinicianId: string, from: string): Promise<ExceptionRecord[]> {
  const rows = await getDb().availabilityException.findMany({
    where: { clinicianId, date: { gte: dbDateFromLocalDate(from) } },
    orderBy: [{ date: "asc" }, { startMinute: { sort: "asc", nulls: "first" } }, { id: "asc" }],
    select: exceptionSelect,
  });
  return rows.map(toExceptionRecord);
}

/**
 * The clinician's live (booked or confirmed) visits that each time off covers, even partly, by exception
 * id: what the clinician should move or cancel. One query over the span from the first to the last.
 */
export async function visitsDuringTimeOff(
  clinician: { id: string; timeZone: string },
  exceptions: ExceptionRecord[],
): Promise<Map<string, AffectedVisit[]>> {
  const spans = exceptions.flatMap((e) => {
    const span = timeOffSpan(e, clinician.timeZone);
    return span ? [{ id: e.id, span }] : [];
  });
  const result = new Map<string, AffectedVisit[]>(exceptions.map((e) => [e.id, []]));
  if (spans.length === 0) return result;
  const from = new Date(Math.min(...spans.map((s) => s.span.start.getTime())));
  const to = new Date(Math.max(...spans.map((s) => s.span.end.getTime())));
  const rows = await getDb().appointment.findMany({
    where: {
      clinicianId: clinician.id,
      status: { in: LIVE_APPOINTMENT_STATUSES },
      startsAt: { lt: to },
      endsAt: { gt: from },
    },
    orderBy: [{ startsAt: "asc" }, { id: "asc" }],
    take: 500,
    select: {
      id: true,
      startsAt: true,
      endsAt: true,
      patient: { select: { firstName: true, lastName: true } },
      appointmentType: { select: { name: true, nameEn: true } },
    },
  });
  for (const { id, span } of spans) {
    result.set(
      id,
      rows
        .filter((row) => overlapsSpan(row, span))
        .map((row) => ({
          id: row.id,
          startsAt: row.startsAt,
          endsAt: row.endsAt,
          patientName: `${row.patient.firstName} ${row.patient.lastName}`,
          type: row.appointmentType,
        })),
    );
  }
  return result;
}

/**
 * Everything the editor shows for one clinician at `now`: "today" and the preview are in the
 * clinician's zone, not the viewer's (an admin in Lisbon edits a clinician in São Paulo).
 */
export async function getAvailabilityEditorData(
  clinicianId: string,
  now: Date,
): Promise<AvailabilityEditorData | null> {
  const clinician = await getClinician(clinicianId);
  if (!clinician) return null;
  const db = getDb();
  const today = localDateOf(now, clinician.timeZone);
  const [weekly, upcomingExceptions, types, offered] = await Promise.all([
    getWeeklyAvailability(clinician.id),
    listUpcomingExceptions(clinician.id, today),
    db.appointmentType.findMany({
      where: { active: true },
      orderBy: [{ name: "asc" }, { id: "asc" }],
      select: { id: true, name: true, nameEn: true, durationMinutes: true },
    }),
    db.appointmentType.findMany({
      where: { clinicians: { some: { id: clinician.id } } },
      select: { id: true, name: true, nameEn: true, durationMinutes: true },
    }),
  ]);
  const affected = await visitsDuringTimeOff(clinician, upcomingExceptions);
  const offeredIds = new Set(offered.map((type) => type.id));
  // An inactive type the clinician still offers stays visible, so unticking it is possible.
  const listed = [...types, ...offered.filter((type) => !types.some((t) => t.id === type.id))];
  return {
    clinician,
    today,
    weekly,
    upcomingExceptions: upcomingExceptions.map((e) => ({ ...e, affected: affected.get(e.id) ?? [] })),
    appointmentTypes: listed.map((type) => ({ ...type, offered: offeredIds.has(type.id) })),
    preview: previewDays({
      zone: clinician.timeZone,
      today,
      weekly,
      // exceptions past the preview cannot change it
      exceptions: upcomingExceptions.filter((e) => e.date <= addLocalDays(today, PREVIEW_DAYS)),
    }),
  };
}
