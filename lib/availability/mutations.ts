// Writes, each with its audit row in the same transaction. Like data.ts these take an explicit actor
// and clinician id and never read the session: who may edit whom is decided by the caller
// (actions.ts uses requireEditableClinician). Every input is parsed here again, so a bad call from
// anywhere writes nothing. Audit rows are on the clinician (entity "User") and carry no notes.
import "server-only";
import type { z } from "zod";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { getDb, type Prisma } from "@/lib/db";
import { AppError, invalidFields } from "@/lib/errors";
import { dbDateFromLocalDate, localDateFromDbDate, type WeeklyHours } from "@/lib/scheduling";
import {
  availabilityFieldErrors,
  clinicianTimeZoneSchema,
  exceptionCreateSchema,
  exceptionDeleteSchema,
  offeredTypesSchema,
  weeklyHoursSchema,
  type ClinicianTimeZoneInput,
  type ExceptionCreateInput,
  type ExceptionDeleteInput,
  type OfferedTypesInput,
  type WeeklyHoursInput,
} from "./schema";
import { formatTimeOfDay } from "./times";
import type { ExceptionRecord } from "./types";

const ENTITY = "User";

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  if (parsed.error.issues.some((issue) => issue.path[0] === "clinicianId")) {
    throw new AppError("NOT_FOUND", "This clinician does not exist.");
  }
  throw invalidFields("Some availability details are not valid.", availabilityFieldErrors(parsed.error));
}

/**
 * Locks the clinician's row for the rest of the transaction: two saves of the same week are
 * serialised instead of interleaving their delete and insert. NOT_FOUND unless an active clinician.
 */
async function lockClinician(tx: Prisma.TransactionClient, clinicianId: string): Promise<{ timeZone: string }> {
  const rows = await tx.$queryRaw<{ timeZone: string }[]>`
    SELECT "timeZone" FROM "User"
    WHERE id = ${clinicianId}::uuid AND role = 'CLINICIAN' AND active
    FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", "This clinician does not exist.");
  return row;
}

const describeRange = (r: WeeklyHours) =>
  `${r.weekday} ${formatTimeOfDay(r.startMinute)}-${formatTimeOfDay(r.endMinute)}`;

/** Replaces the clinician's whole week of working hours. Returns the saved ranges in order. */
export async function replaceWeeklyAvailability(actor: AuditActor, input: WeeklyHoursInput): Promise<WeeklyHours[]> {
  const { clinicianId, ranges } = parse(weeklyHoursSchema, input);
  return getDb().$transaction(async (tx) => {
    await lockClinician(tx, clinicianId);
    const before = await tx.weeklyAvailability.findMany({
      where: { clinicianId },
      orderBy: [{ weekday: "asc" }, { startMinute: "asc" }],
      select: { weekday: true, startMinute: true, endMinute: true },
    });
    await tx.weeklyAvailability.deleteMany({ where: { clinicianId } });
    if (ranges.length > 0) {
      await tx.weeklyAvailability.createMany({ data: ranges.map((range) => ({ clinicianId, ...range })) });
    }
    await recordAudit(
      tx,
      actor,
      "availability.weekly.update",
      { type: ENTITY, id: clinicianId },
      { before: before.map(describeRange), after: ranges.map(describeRange) },
    );
    return ranges;
  });
}

/** Adds one date exception (time off or extra hours). */
export async function addAvailabilityException(
  actor: AuditActor,
  input: ExceptionCreateInput,
): Promise<ExceptionRecord> {
  const { clinicianId, date, kind, startMinute, endMinute, note } = parse(exceptionCreateSchema, input);
  return getDb().$transaction(async (tx) => {
    await lockClinician(tx, clinicianId);
    const row = await tx.availabilityException.create({
      data: { clinicianId, date: dbDateFromLocalDate(date), kind, startMinute, endMinute, note },
      select: { id: true },
    });
    // the note is the clinician's own words (often why they are away): not copied into the log
    await recordAudit(
      tx,
      actor,
      "availability.exception.create",
      { type: ENTITY, id: clinicianId },
      { exceptionId: row.id, date, kind, startMinute, endMinute },
    );
    return { id: row.id, date, kind, startMinute, endMinute, note };
  });
}

/** Deletes one of the clinician's exceptions; NOT_FOUND when it is not theirs or already gone. */
export async function deleteAvailabilityException(actor: AuditActor, input: ExceptionDeleteInput): Promise<void> {
  const parsed = exceptionDeleteSchema.safeParse(input);
  if (!parsed.success) throw new AppError("NOT_FOUND", "This exception does not exist.");
  const { clinicianId, exceptionId } = parsed.data;
  await getDb().$transaction(async (tx) => {
    await lockClinician(tx, clinicianId);
    const existing = await tx.availabilityException.findFirst({
      where: { id: exceptionId, clinicianId },
      select: { date: true, kind: true, startMinute: true, endMinute: true },
    });
    if (!existing) throw new AppError("NOT_FOUND", "This exception does not exist.");
    await tx.availabilityException.delete({ where: { id: exceptionId } });
    await recordAudit(
      tx,
      actor,
      "availability.exception.delete",
      { type: ENTITY, id: clinicianId },
      {
        exceptionId,
        date: localDateFromDbDate(existing.date),
        kind: existing.kind,
        startMinute: existing.startMinute,
        endMinute: existing.endMinute,
      },
    );
  });
}

/**
 * Sets which appointment types the clinician offers. Any active type may be chosen; an inactive one
 * only if it is already offered (so saving the form does not silently drop it).
 */
export async function setOfferedAppointmentTypes(actor: AuditActor, input: OfferedTypesInput): Promise<string[]> {
  const { clinicianId, appointmentTypeIds } = parse(offeredTypesSchema, input);
  return getDb().$transaction(async (tx) => {
    await lockClinician(tx, clinicianId);
    const current = await tx.appointmentType.findMany({
      where: { clinicians: { some: { id: clinicianId } } },
      select: { id: true },
    });
    const currentIds = current.map((type) => type.id).sort();
    const allowed = await tx.appointmentType.findMany({
      where: { id: { in: appointmentTypeIds }, OR: [{ active: true }, { id: { in: currentIds } }] },
      select: { id: true },
    });
    if (allowed.length !== appointmentTypeIds.length) {
      throw invalidFields("Some appointment types do not exist.", { appointmentTypeIds: "typeInvalid" });
    }
    const added = appointmentTypeIds.filter((id) => !currentIds.includes(id));
    const removed = currentIds.filter((id) => !appointmentTypeIds.includes(id));
    if (added.length === 0 && removed.length === 0) return appointmentTypeIds;
    await tx.user.update({
      where: { id: clinicianId },
      data: { appointmentTypes: { set: appointmentTypeIds.map((id) => ({ id })) } },
      select: { id: true },
    });
    await recordAudit(tx, actor, "availability.types.update", { type: ENTITY, id: clinicianId }, { added, removed });
    return appointmentTypeIds;
  });
}

/**
 * Changes the zone the clinician's hours are read in. The hours keep their wall-clock times
 * (09:00 stays 09:00, now in the new zone); booked appointments keep their instants.
 */
export async function updateClinicianTimeZone(actor: AuditActor, input: ClinicianTimeZoneInput): Promise<string> {
  const { clinicianId, timeZone } = parse(clinicianTimeZoneSchema, input);
  return getDb().$transaction(async (tx) => {
    const { timeZone: previous } = await lockClinician(tx, clinicianId);
    if (previous === timeZone) return timeZone;
    await tx.user.update({ where: { id: clinicianId }, data: { timeZone }, select: { id: true } });
    await recordAudit(
      tx,
      actor,
      "clinician.timezone.update",
      { type: ENTITY, id: clinicianId },
      { from: previous, to: timeZone },
    );
    return timeZone;
  });
}
