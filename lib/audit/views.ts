// Request-facing side of the audit search: only admins read the log.
import "server-only";
import type { Viewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { listAuditActors, searchAuditLog } from "./data";
import { auditFieldErrors, auditSearchSchema } from "./schema";

/** The page's data for `raw` search params: the filters' choices, and results or the reasons there are none. */
export async function auditSearchForViewer(viewer: Viewer, raw: Record<string, string | string[] | undefined>) {
  if (viewer.role !== "ADMIN") return null;
  const db = getDb();
  const actors = await listAuditActors(db);
  const parsed = auditSearchSchema.safeParse(raw);
  if (!parsed.success) return { actors, search: null, errors: auditFieldErrors(parsed.error), page: null };
  const page = await searchAuditLog(db, parsed.data, viewer.timeZone);
  return { actors, search: parsed.data, errors: {}, page };
}
