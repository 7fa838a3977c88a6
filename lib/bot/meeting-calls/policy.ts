// The decisions of the bot's meeting calls that need no Graph: where a Teams join URL points, whether the
// bot may join or should leave, which calls are claims still waiting for Graph, and who can be muted.
import "server-only";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import type { CallsApi } from "@/lib/graph/gateway";
import { isNotFound } from "@/lib/graph/errors";
import { graphIdForRequest } from "@/lib/graph/ids";
import { LIVE_CALL_STATES, isLiveAppointment, isLiveCallState } from "@/lib/constants";

/**
 * The application instance calls are placed from, if one is configured (see CallControlDeps.clinicLineInstanceId;
 * locally the start script configures one the emulator accepts). An empty value is none.
 */
export function clinicLineInstance(deps: { clinicLineInstanceId?: string }): string | undefined {
  return deps.clinicLineInstanceId || undefined;
}

export interface MeetingCoordinates {
  threadId: string;
  messageId: string;
  tenantId: string | null;
  organizerId: string | null;
}

/** Teams join URL → chat thread, message and organizer: .../meetup-join/{thread}/{message}?context={"Tid","Oid"} */
export function parseJoinWebUrl(joinWebUrl: string): MeetingCoordinates | null {
  let url: URL;
  try {
    url = new URL(joinWebUrl);
  } catch {
    return null;
  }
  const parts = url.pathname.split("/").filter(Boolean);
  const at = parts.indexOf("meetup-join");
  if (at < 0 || parts.length < at + 3) return null;
  const threadId = decodeURIComponent(parts[at + 1]!);
  const messageId = decodeURIComponent(parts[at + 2]!);
  if (!threadId.includes("@thread")) return null;
  let context: { Tid?: unknown; Oid?: unknown } = {};
  try {
    context = JSON.parse(url.searchParams.get("context") ?? "{}") as typeof context;
  } catch {
    context = {};
  }
  return {
    threadId,
    messageId,
    tenantId: typeof context.Tid === "string" ? context.Tid : null,
    organizerId: typeof context.Oid === "string" ? context.Oid : null,
  };
}

export { graphIdForRequest };

/**
 * Hangs up the call `graphCallId` (stored form); false when Graph no longer knows it — it ended already and
 * its termination is on its way or was lost. Any other failure is thrown.
 */
export async function hangUpUnlessGone(calls: Pick<CallsApi, "hangUp">, graphCallId: string): Promise<boolean> {
  try {
    await calls.hangUp(graphIdForRequest(graphCallId));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** A join claimed but not yet answered by Graph has this graphCallId prefix instead of Graph's id. */
export const PENDING_PREFIX = "pending:";
/** A claim older than this without an answer from Graph is a crash's leftover: it stops blocking joins. */
const STALE_CLAIM_MS = 2 * 60_000;

export const isPendingClaim = (graphCallId: string) => graphCallId.startsWith(PENDING_PREFIX);
/** Calls that count for "joined once": live ones, and any that Graph placed (a crashed claim never joined). */
export const countsAsBotCall = (c: { state: string; graphCallId: string }) =>
  isLiveCallState(c.state) || !isPendingClaim(c.graphCallId);

/**
 * A join whose Graph request never came back (the process died in between) stops blocking: its claim is
 * closed as failed. Real time, not the caller's "now": it is about the process, not the appointment.
 */
export async function releaseStaleJoinClaims(
  db: Pick<PrismaClient, "call"> | Prisma.TransactionClient,
  appointmentId?: string,
): Promise<number> {
  const { count } = await db.call.updateMany({
    where: {
      ...(appointmentId ? { appointmentId } : {}),
      purpose: "MEETING_JOIN",
      graphCallId: { startsWith: PENDING_PREFIX },
      state: { in: LIVE_CALL_STATES },
      updatedAt: { lt: new Date(Date.now() - STALE_CLAIM_MS) },
    },
    data: { state: "terminated", outcome: "failed", endedAt: new Date() },
  });
  return count;
}

/** Why the automatic join must not happen now (null: it may). Pure, for the sweep and the claim. */
export function autoJoinBlocked(
  appointment: { status: string; startsAt: Date; endsAt: Date },
  meeting: { state: string; startsAt: Date } | null,
  botCalls: { state: string; createdAt: Date }[],
  now: Date,
  minutesBefore: number,
): string | null {
  if (minutesBefore <= 0) return "automatic join is off";
  if (!isLiveAppointment(appointment.status)) return "appointment not live";
  if (!meeting || meeting.state !== "READY") return "meeting not ready";
  // the meeting still has an earlier time: it is being moved, join once it is in line
  if (meeting.startsAt.getTime() !== appointment.startsAt.getTime()) return "meeting not at the appointment's time";
  const opens = appointment.startsAt.getTime() - minutesBefore * 60_000;
  if (now.getTime() < opens) return "too early";
  if (now.getTime() >= appointment.endsAt.getTime()) return "appointment ended";
  if (botCalls.some((c) => isLiveCallState(c.state))) return "bot already in the meeting";
  if (botCalls.some((c) => c.createdAt.getTime() >= opens)) return "already joined once for this time";
  return null;
}

/** Graph mutes participants in meetings and group calls only; a "group call" with one person is peer-to-peer. */
export function canMuteParticipants(call: { purpose: string; peerToPeer: boolean }): boolean {
  return !call.peerToPeer && (call.purpose === "MEETING_JOIN" || call.purpose === "GROUP_CALL");
}

/** Why the bot should leave an appointment's meeting now (null: stay). */
export function leaveReason(appointment: { status: string; endsAt: Date } | null, now: Date): string | null {
  if (!appointment) return "appointment deleted";
  if (!isLiveAppointment(appointment.status)) return `appointment ${appointment.status.toLowerCase()}`;
  if (now.getTime() >= appointment.endsAt.getTime()) return "appointment ended";
  return null;
}
