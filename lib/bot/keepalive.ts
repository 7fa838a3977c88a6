// Graph ends a call that has had no keepAlive for 45 minutes (408/8537; emulator/CONTRACT.md, keepAlive),
// and a meeting the bot attends easily lasts longer. The bot's meeting sweep (every minute) calls this:
// every live call the bot holds — meeting joins, group calls, long reminder or clinic-line calls — gets a
// keepAlive once its last one (or its start) is KEEPALIVE_EVERY_MS old, the interval Microsoft recommends.
// A call Graph no longer knows (404) has ended: its termination was lost, so it is closed here.
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { CallsApi } from "@/lib/graph/gateway";
import { isNotFound } from "@/lib/graph/errors";
import { logger } from "@/lib/logger";
import { LIVE_STATES, PENDING_PREFIX } from "./meeting-calls";

export const KEEPALIVE_EVERY_MS = 15 * 60_000;
/** An incoming call is answered (or not) within seconds: there is nothing to keep alive yet. */
const KEPT_STATES = LIVE_STATES.filter((state) => state !== "incoming");

export interface KeepAliveResult {
  sent: number;
  gone: number;
  failed: number;
}

export async function keepCallsAlive(
  deps: { db: PrismaClient; calls: Pick<CallsApi, "keepAlive"> },
  now: Date,
  limit = 200,
): Promise<KeepAliveResult> {
  const { db } = deps;
  const due = new Date(now.getTime() - KEEPALIVE_EVERY_MS);
  const calls = await db.call.findMany({
    where: {
      state: { in: KEPT_STATES },
      NOT: { graphCallId: { startsWith: PENDING_PREFIX } },
      OR: [{ keepAliveAt: { lte: due } }, { keepAliveAt: null, createdAt: { lte: due } }],
    },
    select: { id: true, graphCallId: true, keepAliveAt: true },
    orderBy: { createdAt: "asc" },
    take: limit,
  });
  const result: KeepAliveResult = { sent: 0, gone: 0, failed: 0 };
  for (const call of calls) {
    try {
      await deps.calls.keepAlive(call.graphCallId);
    } catch (error) {
      if (isNotFound(error)) {
        // Graph says the call is over; no termination came (or it was lost): close it as ended
        const closed = await db.call.updateMany({
          where: { id: call.id, state: { in: KEPT_STATES } },
          data: { state: "terminated", outcome: "ended", endedAt: now },
        });
        if (closed.count) {
          await db.callParticipant.updateMany({ where: { callId: call.id, leftAt: null }, data: { leftAt: now } });
          result.gone++;
          logger.warn({ callId: call.id }, "keepAlive: the call was already gone");
        }
        continue;
      }
      // the next sweep, a minute later, tries again: the call has 30 minutes of the 45 left
      result.failed++;
      logger.warn({ callId: call.id, status: (error as { status?: number }).status ?? null }, "keepAlive failed");
      continue;
    }
    await db.call.updateMany({ where: { id: call.id }, data: { keepAliveAt: now } });
    result.sent++;
  }
  return result;
}
