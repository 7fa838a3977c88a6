// Writes, each with its audit row in the same transaction. Like data.ts these take an explicit actor
// and never read the session; server actions (actions.ts) resolve who is asking and call in here.
// Audit details carry ids and field names, never the values themselves.
import "server-only";
import type { z } from "zod";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { AppError, invalidFields } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { dbDateFromLocalDate } from "@/lib/scheduling";
import { patientRecordSelect, toPatientRecord } from "./data";
import {
  patientCreateSchema,
  patientFieldErrors,
  patientFields,
  patientIdSchema,
  patientMergeSchema,
  patientUpdateSchema,
  type PatientCreateInput,
  type PatientData,
  type PatientMergeInput,
  type PatientUpdateInput,
} from "./schema";
import type { PatientRecord } from "./types";

const ENTITY = "Patient";

function invalid(error: z.ZodError): AppError {
  return invalidFields("Some patient details are not valid.", patientFieldErrors(error));
}

/** The columns of parsed form data: a birth date is stored as the calendar date it is. */
function columnsOf(data: PatientData) {
  return { ...data, birthDate: data.birthDate ? dbDateFromLocalDate(data.birthDate) : null };
}

export async function createPatient(actor: AuditActor, input: PatientCreateInput): Promise<PatientRecord> {
  const parsed = patientCreateSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  return getDb().$transaction(async (tx) => {
    const patient = await tx.patient.create({ data: columnsOf(parsed.data), select: patientRecordSelect });
    await recordAudit(tx, actor, "patient.create", { type: ENTITY, id: patient.id });
    return toPatientRecord(patient);
  });
}

/**
 * Replaces the editable fields. Throws NOT_FOUND for an unknown id and CONFLICT when
 * `expectedUpdatedAt` is given and someone saved the record in between.
 */
export async function updatePatient(actor: AuditActor, input: PatientUpdateInput): Promise<PatientRecord> {
  const parsed = patientUpdateSchema.safeParse(input);
  if (!parsed.success) {
    if (parsed.error.issues.some((issue) => issue.path[0] === "id")) {
      throw new AppError("NOT_FOUND", "This patient does not exist.");
    }
    throw invalid(parsed.error);
  }
  const { id, patient: data, expectedUpdatedAt } = parsed.data;
  return getDb().$transaction(async (tx) => {
    // FOR UPDATE: two people saving at once are serialised, so the version check below cannot race.
    await tx.$executeRaw`SELECT 1 FROM "Patient" WHERE id = ${id}::uuid FOR UPDATE`;
    const row = await tx.patient.findUnique({ where: { id }, select: patientRecordSelect });
    if (!row) throw new AppError("NOT_FOUND", "This patient does not exist.");
    const current = toPatientRecord(row);
    if (expectedUpdatedAt && current.updatedAt.getTime() !== new Date(expectedUpdatedAt).getTime()) {
      throw new AppError("CONFLICT", "Someone else changed this patient. Reload to see their changes.");
    }
    const changed = patientFields.filter((field) => current[field] !== data[field]);
    const patient = await tx.patient.update({ where: { id }, data: columnsOf(data), select: patientRecordSelect });
    await recordAudit(tx, actor, "patient.update", { type: ENTITY, id }, { changed });
    return toPatientRecord(patient);
  });
}

/**
 * Reads one record on behalf of `actor` and records that they saw it: who looked at which patient
 * is part of the audit trail, not only who changed what. Null for an unknown (or malformed) id.
 */
export async function readPatientForViewer(actor: AuditActor, id: string): Promise<PatientRecord | null> {
  if (!patientIdSchema.safeParse(id).success) return null;
  return getDb().$transaction(async (tx) => {
    const patient = await tx.patient.findUnique({ where: { id }, select: patientRecordSelect });
    if (patient) await recordAudit(tx, actor, "patient.read", { type: ENTITY, id });
    return patient ? toPatientRecord(patient) : null;
  });
}

// Contact details the kept record takes from the merged one when it has none of its own (never overwritten).
const FILLABLE = ["email", "phone", "birthDate", "teamsUserId"] as const;

export interface MergeResult {
  keptId: string;
  appointmentsMoved: number;
}

/**
 * Merges the record `mergeId` into `keepId`, in one transaction: every row that points at the merged
 * patient (appointments, and with them their reminders and calls; a clinic-line flow; earlier merges)
 * points at the kept one, the kept record takes the contact details it lacked, the merged row is deleted
 * and a PatientMerge row keeps its id, so old links and the audit trail (lib/audit/data.ts) lead to the kept
 * record. Audited on the kept record with the merged id and counts, no values. NOT_FOUND when either is gone.
 */
export async function mergePatients(actor: AuditActor, input: PatientMergeInput): Promise<MergeResult> {
  const parsed = patientMergeSchema.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "invalid";
    if (message === "idInvalid") throw new AppError("NOT_FOUND", "This patient does not exist.");
    throw new AppError("BAD_REQUEST", "The merge is not confirmed.", { reason: message });
  }
  const { keepId, mergeId } = parsed.data;
  return getDb().$transaction(async (tx) => {
    // both rows locked, in id order: two merges of the same pair, either way round, queue instead of deadlocking
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM "Patient" WHERE id IN (${keepId}::uuid, ${mergeId}::uuid) ORDER BY id FOR UPDATE`;
    if (locked.length !== 2) throw new AppError("NOT_FOUND", "This patient does not exist.");
    const select = { ...patientRecordSelect, teamsUserId: true } as const;
    const [keep, merge] = await Promise.all([
      tx.patient.findUniqueOrThrow({ where: { id: keepId }, select }),
      tx.patient.findUniqueOrThrow({ where: { id: mergeId }, select }),
    ]);
    const filled: Prisma.PatientUpdateInput = {};
    for (const field of FILLABLE) {
      if (keep[field] === null && merge[field] !== null) Object.assign(filled, { [field]: merge[field] });
    }
    const appointmentsMoved = await tx.appointment.count({ where: { patientId: mergeId } });
    await repointReferences(tx, mergeId, keepId);
    await tx.patientMerge.create({ data: { fromPatientId: mergeId, intoPatientId: keepId, mergedById: actor.id } });
    await tx.patient.delete({ where: { id: mergeId } });
    // after the delete: the merged record's e-mail or phone may be unique to it somewhere
    if (Object.keys(filled).length > 0) await tx.patient.update({ where: { id: keepId }, data: filled });
    await recordAudit(
      tx,
      actor,
      "patient.merge",
      { type: ENTITY, id: keepId },
      { mergedPatientId: mergeId, appointmentsMoved, filled: Object.keys(filled) },
    );
    return { keptId: keepId, appointmentsMoved };
  });
}

/**
 * Every foreign key to "Patient" in the database, repointed from one patient to another. Read from the
 * catalog rather than listed here, so a table added later (by any feature) follows a merge too; a row that
 * cannot follow (a unique key of its own) fails the whole merge, which then changes nothing.
 */
async function repointReferences(tx: Prisma.TransactionClient, fromId: string, toId: string): Promise<void> {
  const references = await tx.$queryRaw<{ table: string; column: string }[]>`
    SELECT c.conrelid::regclass::text AS "table", a.attname AS "column"
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'f' AND c.confrelid = '"Patient"'::regclass AND array_length(c.conkey, 1) = 1
    ORDER BY 1, 2`;
  for (const { table, column } of references) {
    // regclass::text is already quoted where it must be; the column is quoted here
    const quoted = `"${column.replaceAll('"', '""')}"`;
    await tx.$executeRawUnsafe(`UPDATE ${table} SET ${quoted} = $1::uuid WHERE ${quoted} = $2::uuid`, toId, fromId);
  }
}
