// Moving a phone call into a visit's Teams meeting: the bot's meeting call invites the phone with
// replacesCallId naming the bot's peer-to-peer call with it, so Graph moves the phone into the meeting and ends
// that call. The rescue call's 1 (lib/rescue/flow-service.ts) and the clinic line's 2 (lib/clinic-line) use it.
// Logs carry ids, never a number.
import "server-only";
import { maskPhone } from "@/lib/constants";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { phoneIdentity, target } from "@/lib/graph/call-identities";
import type { CallsApi } from "@/lib/graph/gateway";
import { graphIdForRequest } from "@/lib/graph/ids";
import { logger } from "@/lib/logger";

/** The bot's live call in an appointment's meeting (the newest), if it is in it. */
async function meetingCallOf(db: PrismaClient, appointmentId: string) {
  return db.call.findFirst({
    where: { appointmentId, purpose: "MEETING_JOIN", state: "established" },
    orderBy: { createdAt: "desc" },
    select: { id: true, graphCallId: true },
  });
}

/**
 * Moves the bot's peer-to-peer call with `phone` into the appointment's meeting: an invitation on the bot's
 * meeting call that names the phone and replaces the peer-to-peer call (emulator/CONTRACT.md#participants).
 * The invite operation is recorded on the meeting call, so the panel and the roster show how it went.
 * Returns its operation id, or null when the bot is not in the meeting or Graph refused.
 */
export async function inviteIntoMeeting(
  deps: { db: PrismaClient; calls: Pick<CallsApi, "invite"> },
  input: { appointmentId: string; phone: string; replacesGraphCallId: string; clientContext: string },
): Promise<string | null> {
  const meeting = await meetingCallOf(deps.db, input.appointmentId);
  if (!meeting) return null;
  try {
    const op = await deps.calls.invite(graphIdForRequest(meeting.graphCallId), {
      participants: [
        {
          ...target(phoneIdentity(input.phone)),
          replacesCallId: graphIdForRequest(input.replacesGraphCallId),
        },
      ],
      clientContext: input.clientContext,
    });
    await deps.db.callOperation.createMany({
      skipDuplicates: true,
      data: {
        callId: meeting.id,
        graphOperationId: op.id,
        kind: "invite",
        status: op.status === "failed" ? "FAILED" : op.status === "completed" ? "COMPLETED" : "RUNNING",
        // shown in the meeting's invitations: a masked number only
        clientContext: `phone:${maskPhone(input.phone)}`,
      },
    });
    return op.id;
  } catch (error) {
    logger.warn(
      { appointmentId: input.appointmentId, status: (error as { status?: number }).status ?? null },
      "moving a phone call into the meeting failed",
    );
    return null;
  }
}
