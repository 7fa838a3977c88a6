// Writes, each with its audit row in the same transaction. Like data.ts these take an explicit actor
// and never read the session; server actions (actions.ts) resolve who is asking and call in here.
// Audit details carry ids and field names, never the values themselves.
import "server-only";
import type { z } from "zod";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { patientRecordSelect } from "./data";
import {
  patientCreateSchema,
  patientFieldErrors,
  patientFields,
  patientIdSchema,
  patientUpdateSchema,
  type PatientCreateInput,
  type PatientUpdateInput,
} from "./schema";
import type { PatientRecord } from "./types";

const ENTITY = "Patient";

/** The audit actor for a signed-in person. */
export function auditActorOf(viewer: { id: string; name: string; role: string; ip: string | null }): AuditActor {
  return { id: viewer.id, label: viewer.name || viewer.role, ip: viewer.ip };
}

function invalid(error: z.ZodError): AppError {
  return new AppError("BAD_REQUEST", "Some patient details are not valid.", {
    fieldErrors: patientFieldErrors(error),
  });
}

export async function createPatient(actor: AuditActor, input: PatientCreateInput): Promise<PatientRecord> {
  const parsed = patientCreateSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  return getDb().$transaction(async (tx) => {
    const patient = await tx.patient.create({ data: parsed.data, select: patientRecordSelect });
    await recordAudit(tx, actor, "patient.create", { type: ENTITY, id: patient.id });
    return patient;
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
    const current = await tx.patient.findUnique({ where: { id }, select: patientRecordSelect });
    if (!current) throw new AppError("NOT_FOUND", "This patient does not exist.");
    if (expectedUpdatedAt && current.updatedAt.getTime() !== new Date(expectedUpdatedAt).getTime()) {
      throw new AppError("CONFLICT", "Someone else changed this patient. Reload to see their changes.");
    }
    const changed = patientFields.filter((field) => current[field] !== data[field]);
    const patient = await tx.patient.update({ where: { id }, data, select: patientRecordSelect });
    await recordAudit(tx, actor, "patient.update", { type: ENTITY, id }, { changed });
    return patient;
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
    return patient;
  });
}
