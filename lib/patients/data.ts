// Reads. They take explicit ids and parameters and never look at the session, so jobs and the bot can
// use them too. Reading one person's record on behalf of someone is audited: see readPatientForViewer
// in mutations.ts.
import "server-only";
import { getDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { maskPhone, patientIdSchema, patientSearchSchema, type PatientSearchInput } from "./schema";
import type { PatientRecord, PatientSummary } from "./types";

export const patientRecordSelect = {
  id: true,
  firstName: true,
  lastName: true,
  email: true,
  phone: true,
  locale: true,
  timeZone: true,
  updatedAt: true,
} as const satisfies Prisma.PatientSelect;

// Fewer digits would match most of the table by accident (every number contains "11").
const MIN_PHONE_DIGITS = 4;

/**
 * Finds patients by name ("ana souza" matches Ana Maria Souza: every word must appear in the first or
 * last name), by e-mail, or by phone digits however they are typed ("(11) 98765-4321", "4321").
 * An empty query lists patients alphabetically.
 */
export async function searchPatients(input: PatientSearchInput): Promise<PatientSummary[]> {
  const { query, take } = patientSearchSchema.parse(input);
  const where = query ? searchWhere(query) : {};
  const rows = await getDb().patient.findMany({
    where,
    orderBy: [{ lastName: "asc" }, { firstName: "asc" }, { id: "asc" }],
    take,
    select: { id: true, firstName: true, lastName: true, phone: true, locale: true },
  });
  return rows.map(({ phone, ...row }) => ({ ...row, phoneMasked: maskPhone(phone) }));
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
  return getDb().patient.findUnique({ where: { id }, select: patientRecordSelect });
}
