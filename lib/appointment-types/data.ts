// Reads for the admin's appointment types. Explicit parameters, no session: lib/appointment-types/actions.ts
// and the pages decide who may call them.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { typeIdSchema } from "./schema";
import type { TypeListEntry } from "./types";

export const typeRecordSelect = {
  id: true,
  slug: true,
  name: true,
  nameEn: true,
  durationMinutes: true,
  bufferBeforeMinutes: true,
  bufferAfterMinutes: true,
  minimumNoticeMinutes: true,
  bookingHorizonDays: true,
  maxPerDay: true,
  cancellationCutoffMinutes: true,
  reminderLeadMinutes: true,
  rescueAfterMinutes: true,
  active: true,
  updatedAt: true,
} as const satisfies Prisma.AppointmentTypeSelect;

/** Every type, in use or retired: active first, then by name. */
export async function listTypesForAdmin(): Promise<TypeListEntry[]> {
  const rows = await getDb().appointmentType.findMany({
    orderBy: [{ active: "desc" }, { name: "asc" }, { id: "asc" }],
    select: { ...typeRecordSelect, _count: { select: { appointments: true, clinicians: true } } },
  });
  return rows.map(({ _count, ...row }) => ({
    ...row,
    appointmentCount: _count.appointments,
    clinicianCount: _count.clinicians,
  }));
}

/** One type by id, or null (a malformed id is "none"). */
export async function getType(id: string): Promise<TypeListEntry | null> {
  if (!typeIdSchema.safeParse(id).success) return null;
  const row = await getDb().appointmentType.findUnique({
    where: { id },
    select: { ...typeRecordSelect, _count: { select: { appointments: true, clinicians: true } } },
  });
  if (!row) return null;
  const { _count, ...type } = row;
  return { ...type, appointmentCount: _count.appointments, clinicianCount: _count.clinicians };
}
