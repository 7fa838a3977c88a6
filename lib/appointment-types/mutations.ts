// Writes for the admin's appointment types, each with its audit row in the same transaction. They take an
// explicit actor and never read the session (lib/appointment-types/actions.ts checks the viewer is an
// admin). A type that has appointments is retired, never deleted: the appointments keep their type, its
// duration and name in the history, and a retired type takes no new bookings (lib/appointments/data.ts).
import "server-only";
import crypto from "node:crypto";
import type { z } from "zod";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { isForeignKeyViolation, isUniqueViolation } from "@/lib/db/errors";
import { AppError, invalidFields } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { typeRecordSelect } from "./data";
import {
  slugFrom,
  typeFieldErrors,
  typeFormSchema,
  typeIdSchema,
  typeUpdateSchema,
  type TypeData,
  type TypeFormInput,
  type TypeUpdateInput,
} from "./schema";
import type { TypeRecord } from "./types";

const ENTITY = "AppointmentType";

function invalid(error: z.ZodError): AppError {
  return invalidFields("Some appointment type details are not valid.", typeFieldErrors(error));
}

/** Creates a type, active and offered by nobody yet (clinicians add it to what they offer). */
export async function createType(actor: AuditActor, input: TypeFormInput): Promise<TypeRecord> {
  const parsed = typeFormSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  const base = slugFrom(parsed.data.nameEn);
  // the slug is a stable key, not a name: a taken one gets a short random tail
  for (let attempt = 0; ; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${crypto.randomBytes(3).toString("hex")}`;
    try {
      return await getDb().$transaction(async (tx) => {
        const type = await tx.appointmentType.create({ data: { ...parsed.data, slug }, select: typeRecordSelect });
        await recordAudit(tx, actor, "appointment-type.create", { type: ENTITY, id: type.id }, { slug });
        return type;
      });
    } catch (error) {
      if (isUniqueViolation(error) && attempt < 5) continue;
      throw error;
    }
  }
}

/** Locks the type's row for the rest of the transaction (an edit and a removal, or two edits, queue). */
async function lockType(tx: Prisma.TransactionClient, id: string): Promise<TypeRecord> {
  await tx.$executeRaw`SELECT 1 FROM "AppointmentType" WHERE id = ${id}::uuid FOR UPDATE`;
  const type = await tx.appointmentType.findUnique({ where: { id }, select: typeRecordSelect });
  if (!type) throw new AppError("NOT_FOUND", "This appointment type does not exist.");
  return type;
}

/**
 * Replaces a type's names and rules. Refused (CONFLICT) when someone saved it since `expectedUpdatedAt`.
 * Appointments already booked keep their times and spans; the new rules apply to bookings from now on.
 */
export async function updateType(actor: AuditActor, input: TypeUpdateInput): Promise<TypeRecord> {
  const parsed = typeUpdateSchema.safeParse(input);
  if (!parsed.success) {
    if (parsed.error.issues.some((issue) => issue.path[0] === "id"))
      throw new AppError("NOT_FOUND", "This appointment type does not exist.");
    throw invalid(parsed.error);
  }
  const { id, type: data, expectedUpdatedAt } = parsed.data;
  return getDb().$transaction(async (tx) => {
    const current = await lockType(tx, id);
    if (current.updatedAt.getTime() !== new Date(expectedUpdatedAt).getTime())
      throw new AppError("CONFLICT", "Someone else changed this appointment type. Reload to see their changes.");
    // every column the form sets, in the schema's order
    const changed = (Object.keys(data) as (keyof TypeData)[]).filter((field) => current[field] !== data[field]);
    if (changed.length === 0) return current;
    const type = await tx.appointmentType.update({ where: { id }, data, select: typeRecordSelect });
    await recordAudit(tx, actor, "appointment-type.update", { type: ENTITY, id }, { changed });
    return type;
  });
}

/** Retires (no new bookings) or reinstates a type. Saying the same twice changes nothing. */
export async function setTypeActive(actor: AuditActor, id: string, active: boolean): Promise<TypeRecord> {
  if (!typeIdSchema.safeParse(id).success) throw new AppError("NOT_FOUND", "This appointment type does not exist.");
  return getDb().$transaction(async (tx) => {
    const current = await lockType(tx, id);
    if (current.active === active) return current;
    const type = await tx.appointmentType.update({ where: { id }, data: { active }, select: typeRecordSelect });
    await recordAudit(tx, actor, active ? "appointment-type.reinstate" : "appointment-type.retire", {
      type: ENTITY,
      id,
    });
    return type;
  });
}

/**
 * Removes a type: deleted when no appointment ever used it, else retired (the appointments keep it). A
 * booking racing the delete either commits first (the delete then fails on its foreign key, and the type is
 * retired instead) or waits on the lock and finds the type gone.
 */
export async function removeType(actor: AuditActor, id: string): Promise<"deleted" | "retired"> {
  if (!typeIdSchema.safeParse(id).success) throw new AppError("NOT_FOUND", "This appointment type does not exist.");
  try {
    return await getDb().$transaction(async (tx) => {
      await lockType(tx, id);
      const used = await tx.appointment.count({ where: { appointmentTypeId: id } });
      if (used > 0) throw new InUse();
      // clinicians who offered it stop offering it (the link rows go with the type)
      await tx.appointmentType.delete({ where: { id } });
      await recordAudit(tx, actor, "appointment-type.delete", { type: ENTITY, id });
      return "deleted" as const;
    });
  } catch (error) {
    if (!(error instanceof InUse) && !isForeignKeyViolation(error)) throw error;
    await setTypeActive(actor, id, false);
    return "retired";
  }
}

class InUse extends Error {}
