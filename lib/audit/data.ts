// Reads of the audit log, for the admin search. Like every data.ts they take the database and explicit
// parameters and never look at the session; lib/audit/views.ts decides who may call them.
import "server-only";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { localDayBounds } from "@/lib/scheduling";
import { AUDIT_PAGE_SIZE, decodeCursor, encodeCursor, SYSTEM_ACTOR, type AuditSearch } from "./schema";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditEntry {
  id: string;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  /** the person's current name and role, when the row was written by someone who still has an account */
  actor: { name: string; role: string } | null;
  action: string;
  entityType: string;
  entityId: string | null;
  /** the patient's name, only on rows whose subject is a patient record (which every admin may open) */
  patientName: string | null;
  ip: string | null;
  details: Record<string, string>;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** cursor of the next (older) page, or null on the last */
  next: string | null;
}

/**
 * A subject is whatever id the admin has at hand: an appointment's rows include those written about
 * its Teams meeting and its calls; a Graph call id (as Teams shows it, with or without dashes) finds
 * the call it belongs to.
 */
async function subjectIds(db: PrismaClient, subject: string): Promise<string[]> {
  const ids = new Set([subject]);
  const graphCallId = subject.toLowerCase().replaceAll("-", "");
  const byGraphId = await db.call.findUnique({ where: { graphCallId }, select: { id: true } });
  if (byGraphId) ids.add(byGraphId.id);
  if (UUID.test(subject)) {
    const [meeting, calls] = await Promise.all([
      db.onlineMeeting.findUnique({ where: { appointmentId: subject }, select: { id: true } }),
      db.call.findMany({ where: { appointmentId: subject }, select: { id: true }, take: 200 }),
    ]);
    if (meeting) ids.add(meeting.id);
    for (const call of calls) ids.add(call.id);
    // a patient's trail includes the records merged into it (their rows keep the merged record's id)
    const merged = await db.patientMerge.findMany({
      where: { intoPatientId: subject },
      select: { fromPatientId: true },
      take: 200,
    });
    for (const row of merged) ids.add(row.fromPatientId);
  }
  return [...ids];
}

function whereOf(search: AuditSearch, zone: string, subjects: string[] | null): Prisma.AuditLogWhereInput {
  const and: Prisma.AuditLogWhereInput[] = [];
  if (search.actor === SYSTEM_ACTOR) and.push({ actorId: null });
  else if (search.actor) and.push({ actorId: search.actor });
  if (search.action?.endsWith(".*")) and.push({ action: { startsWith: search.action.slice(0, -1) } });
  else if (search.action) and.push({ action: search.action });
  if (subjects) and.push({ entityId: { in: subjects } });
  if (search.from) and.push({ at: { gte: localDayBounds(search.from, zone).start } });
  if (search.to) and.push({ at: { lt: localDayBounds(search.to, zone).end } });
  const cursor = search.cursor ? decodeCursor(search.cursor) : null;
  // keyset: strictly older than the last row shown, ties on the instant broken by id
  if (cursor) and.push({ OR: [{ at: { lt: cursor.at } }, { at: cursor.at, id: { lt: cursor.id } }] });
  return { AND: and };
}

/** Only scalar values, shortened: details hold ids and outcomes, and the page shows them as text. */
function flatDetails(details: Prisma.JsonValue | null): Record<string, string> {
  if (!details || typeof details !== "object" || Array.isArray(details)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value === null || value === undefined) continue;
    const text = Array.isArray(value)
      ? value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ")
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
    out[key] = text.length > 200 ? `${text.slice(0, 199)}…` : text;
  }
  return out;
}

/** One page of the audit log, newest first, filtered as `search` says; dates are local days in `zone`. */
export async function searchAuditLog(
  db: PrismaClient,
  search: AuditSearch,
  zone: string,
  take: number = AUDIT_PAGE_SIZE,
): Promise<AuditPage> {
  const subjects = search.subject ? await subjectIds(db, search.subject) : null;
  const rows = await db.auditLog.findMany({
    where: whereOf(search, zone, subjects),
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: take + 1,
  });
  const shown = rows.slice(0, take);
  const actorIds = [...new Set(shown.flatMap((r) => (r.actorId && UUID.test(r.actorId) ? [r.actorId] : [])))];
  const patientIds = [
    ...new Set(
      shown.flatMap((r) => (r.entityType === "Patient" && r.entityId && UUID.test(r.entityId) ? [r.entityId] : [])),
    ),
  ];
  const [users, patients] = await Promise.all([
    actorIds.length
      ? db.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true, role: true } })
      : [],
    patientIds.length
      ? db.patient.findMany({
          where: { id: { in: patientIds } },
          select: { id: true, firstName: true, lastName: true },
        })
      : [],
  ]);
  const userById = new Map(users.map((u) => [u.id, u]));
  const patientById = new Map(patients.map((p) => [p.id, `${p.firstName} ${p.lastName}`]));
  const entries = shown.map((row) => {
    const user = row.actorId ? userById.get(row.actorId) : undefined;
    return {
      id: row.id.toString(),
      at: row.at,
      actorId: row.actorId,
      actorLabel: row.actorLabel,
      actor: user ? { name: user.name, role: user.role } : null,
      action: row.action,
      entityType: row.entityType,
      entityId: row.entityId,
      patientName: row.entityType === "Patient" && row.entityId ? (patientById.get(row.entityId) ?? null) : null,
      ip: row.ip,
      details: flatDetails(row.details),
    };
  });
  const last = shown[shown.length - 1];
  return { entries, next: rows.length > take && last ? encodeCursor({ at: last.at, id: last.id }) : null };
}

/** Everyone who can appear as an actor, for the filter's list. */
export async function listAuditActors(db: PrismaClient) {
  return db.user.findMany({ orderBy: [{ name: "asc" }, { id: "asc" }], select: { id: true, name: true, role: true } });
}
