// Graph's change and lifecycle notifications for the clinicians' Outlook events (POST
// /api/outlook/notifications). The validation handshake is answered at once with the token as plain text
// (Graph waits 10 seconds). Every notification's clientState must hash to a clinician's current one (and
// name that clinician's subscription once it is known); a batch with none that does is refused with 403.
// What a notification says is not trusted beyond "this clinician's calendar changed": it queues that
// clinician's delta, which reads the truth from Graph, then the POST is acknowledged with 202 (Graph wants
// an answer within 3 seconds). Lifecycle notifications mark the subscription for renewal (reauthorization)
// or for making again (removed) before the same job runs; "missed" needs only the delta.
import "server-only";
import { z } from "zod";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { readTextWithin } from "@/lib/http/route";
import { logger } from "@/lib/logger";
import { hashClientState } from "./subscription-sync";

const MAX_NOTIFICATION_BYTES = 512 * 1024;

export interface OutlookIntakeDeps {
  db: PrismaClient;
  /** Durably queues each clinician's sync (pg-boss in the app; duplicates collapse per clinician). */
  dispatch(clinicianIds: string[]): Promise<void>;
  now?: () => Date;
}

const notificationSchema = z.looseObject({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).nullish(),
  changeType: z.string().max(50).nullish(),
  lifecycleEvent: z.string().max(50).nullish(),
});
const batchSchema = z.object({ value: z.array(z.unknown()).max(1000) });

const plain = (status: number, text: string) =>
  new Response(text, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });

export async function handleOutlookNotification(request: Request, deps: OutlookIntakeDeps): Promise<Response> {
  const url = new URL(request.url);
  const validationToken = url.searchParams.get("validationToken");
  if (validationToken !== null) {
    // URLSearchParams has decoded it; Graph wants it back exactly, as plain text
    if (validationToken.length === 0 || validationToken.length > 2048) return plain(400, "invalid validationToken");
    return plain(200, validationToken);
  }
  const text = await readTextWithin(request, MAX_NOTIFICATION_BYTES);
  if (text === null) return plain(413, "too large");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return plain(400, "not JSON");
  }
  const batch = batchSchema.safeParse(json);
  if (!batch.success) return plain(400, "not a notification collection");
  const items = batch.data.value.flatMap((raw) => {
    const parsed = notificationSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });

  const hashes = [...new Set(items.flatMap((n) => (n.clientState ? [hashClientState(n.clientState)] : [])))];
  const rows = hashes.length
    ? await deps.db.outlookSync.findMany({
        where: { clientStateHash: { in: hashes } },
        select: { clinicianId: true, clientStateHash: true, subscriptionId: true },
      })
    : [];
  const byHash = new Map(rows.map((r) => [r.clientStateHash!, r]));
  const accepted = items.flatMap((n) => {
    const row = n.clientState ? byHash.get(hashClientState(n.clientState)) : undefined;
    // the subscription id is unknown only between Graph's answer and our write of it
    if (!row || (row.subscriptionId !== null && row.subscriptionId !== n.subscriptionId)) return [];
    return [{ ...n, clinicianId: row.clinicianId }];
  });
  if (accepted.length === 0) {
    logger.warn({ received: items.length }, "outlook notification refused: clientState does not match");
    return plain(403, "refused");
  }
  if (accepted.length < items.length)
    logger.warn({ refused: items.length - accepted.length }, "outlook notifications refused in a batch");

  const now = deps.now?.() ?? new Date();
  for (const n of accepted) {
    if (n.lifecycleEvent === "subscriptionRemoved") {
      await deps.db.outlookSync.updateMany({
        where: { clinicianId: n.clinicianId, subscriptionId: n.subscriptionId },
        data: { subscriptionId: null, subscriptionExpiresAt: null },
      });
    } else if (n.lifecycleEvent === "reauthorizationRequired") {
      // due for renewal now: renewing reauthorizes (lib/outlook/subscription-sync.ts)
      await deps.db.outlookSync.updateMany({
        where: { clinicianId: n.clinicianId, subscriptionId: n.subscriptionId },
        data: { subscriptionExpiresAt: now },
      });
    }
  }
  await deps.dispatch([...new Set(accepted.map((n) => n.clinicianId))]);
  return plain(202, "");
}
