// Reads. They take explicit ids and parameters and never look at the session, so jobs and the bot can
// use them too. Reading one person's record on behalf of someone is audited: see readPatientForViewer
// in mutations.ts.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { dbDateFromLocalDate, localDateFromDbDate } from "@/lib/scheduling";
import {
  duplicateReasons,
  patientIdSchema,
  patientSearchSchema,
  type DuplicateFacts,
  type PatientSearchInput,
} from "./schema";
import type { PatientDuplicate, PatientRecord, PatientSummary } from "./types";
import { LIVE_APPOINTMENT_STATUSES, maskPhone } from "@/lib/constants";

export const patientRecordSelect = {
  id: true,
  firstName: true,
  lastName: true,
  email: true,
  phone: true,
  locale: true,
  timeZone: true,
  birthDate: true,
  updatedAt: true,
} as const satisfies Prisma.PatientSelect;

type PatientRow = Prisma.PatientGetPayload<{ select: typeof patientRecordSelect }>;

/** A row as the pages see it: the birth date as the calendar date it is ('YYYY-MM-DD'), not an instant. */
export function toPatientRecord(row: PatientRow): PatientRecord {
  return { ...row, birthDate: row.birthDate ? localDateFromDbDate(row.birthDate) : null };
}

// Fewer digits would match most of the table by accident (every number contains "11").
const MIN_PHONE_DIGITS = 4;

/**
 * Finds patients by name ("ana souza" matches Ana Maria Souza: every word must appear in the first or
 * last name), by e-mail, or by phone digits however they are typed ("(11) 98765-4321", "4321").
 * An empty query lists patients alphabetically.
 */
export async function searchPatients(input: PatientSearchInput, now: Date = new Date()): Promise<PatientSummary[]> {
  const { query, take } = patientSearchSchema.parse(input);
  const where = query ? searchWhere(query) : {};
  const rows = await getDb().patient.findMany({
    where,
    orderBy: [{ lastName: "asc" }, { firstName: "asc" }, { id: "asc" }],
    take,
    select: {
      id: true,
      firstName: true,
      lastName: true,
      phone: true,
      locale: true,
      birthDate: true,
      // the desk tells two namesakes apart by who is coming when
      appointments: {
        where: { status: { in: LIVE_APPOINTMENT_STATUSES }, endsAt: { gt: now } },
        orderBy: { startsAt: "asc" },
        take: 1,
        select: { startsAt: true, clinician: { select: { name: true } } },
      },
    },
  });
  return rows.map(({ phone, birthDate, appointments, ...row }) => {
    const next = appointments[0];
    return {
      ...row,
      phoneMasked: phone ? maskPhone(phone) : null,
      birthDate: birthDate ? localDateFromDbDate(birthDate) : null,
      nextAppointment: next ? { startsAt: next.startsAt, clinicianName: next.clinician.name } : null,
    };
  });
}

/**
 * Records that are likely the person described by `facts` (duplicateReasons: the same phone, or the same
 * folded name and birth date), the record `excludeId` left out. One query: phone and birth date are
 * indexed, and few people share either, so the names are compared here rather than in SQL.
 */
export async function findDuplicatePatients(facts: DuplicateFacts, excludeId?: string): Promise<PatientDuplicate[]> {
  const or: Prisma.PatientWhereInput[] = [];
  if (facts.phone) or.push({ phone: facts.phone });
  if (facts.birthDate) or.push({ birthDate: dbDateFromLocalDate(facts.birthDate) });
  if (or.length === 0) return [];
  const rows = await getDb().patient.findMany({
    where: { OR: or, ...(excludeId ? { NOT: { id: excludeId } } : {}) },
    orderBy: [{ lastName: "asc" }, { firstName: "asc" }, { id: "asc" }],
    take: 200,
    select: { id: true, firstName: true, lastName: true, phone: true, birthDate: true },
  });
  return rows.flatMap((row) => {
    const existing = { ...row, birthDate: row.birthDate ? localDateFromDbDate(row.birthDate) : null };
    const reasons = duplicateReasons(facts, existing);
    if (reasons.length === 0) return [];
    return [
      {
        id: row.id,
        firstName: row.firstName,
        lastName: row.lastName,
        phoneMasked: row.phone ? maskPhone(row.phone) : null,
        birthDate: existing.birthDate,
        reasons,
      },
    ];
  });
}

/** The record a merged patient's id now leads to, or null when the id was never merged. */
export async function mergedInto(id: string): Promise<string | null> {
  if (!patientIdSchema.safeParse(id).success) return null;
  const row = await getDb().patientMerge.findUnique({ where: { fromPatientId: id }, select: { intoPatientId: true } });
  return row?.intoPatientId ?? null;
}

function searchWhere(query: string): Prisma.PatientWhereInput {
  const words = query.split(/\s+/).filter(Boolean);
  const or: Prisma.PatientWhereInput[] = [
    {
      AND: words.map((word) => ({
        OR: [
          { firstName: { contains: word, mode: "insensitive" } },
          { lastName: { contains: word, mode: "insensitive" } },
        ],
      })),
    },
    { email: { contains: query, mode: "insensitive" } },
  ];
  // Stored numbers are E.164 ("+5511987654321"): digits typed in any national layout are a substring,
  // except a leading trunk "0" ("011 …") that E.164 drops.
  const digits = query.replace(/\D/g, "").replace(/^0(?=[1-9])/, "");
  const onlyPhoneCharacters = /^[\d\s()+.\-]+$/.test(query);
  if (onlyPhoneCharacters && digits.length >= MIN_PHONE_DIGITS) or.push({ phone: { contains: digits } });
  return { OR: or };
}

/** One patient by id, or null when there is none (a malformed id is "none", not an error). */
export async function getPatient(id: string): Promise<PatientRecord | null> {
  if (!patientIdSchema.safeParse(id).success) return null;
  const row = await getDb().patient.findUnique({ where: { id }, select: patientRecordSelect });
  return row ? toPatientRecord(row) : null;
}

/** How many appointments (any status) each of these patients has: what a merge would move. */
export async function countAppointments(patientIds: string[]): Promise<Record<string, number>> {
  const rows = await getDb().appointment.groupBy({
    by: ["patientId"],
    where: { patientId: { in: patientIds } },
    _count: { _all: true },
  });
  return Object.fromEntries(patientIds.map((id) => [id, rows.find((r) => r.patientId === id)?._count._all ?? 0]));
}
