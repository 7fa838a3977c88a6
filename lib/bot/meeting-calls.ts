// What staff and clinicians do with the bot: join an appointment's Teams meeting, invite people or a
// phone into it, mute or remove someone, leave; start a group call; read the roster. Every Graph action
// goes through lib/graph and is audited (who, what, when). State afterwards arrives as notifications
// (applied by the call runtime, lib/bot/runtime); these functions record only what Graph answered synchronously.
import crypto from "node:crypto";
import type { AuditActor } from "@/lib/audit/mutations";
import { recordAudit, systemActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import type { Call, Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import type { CallsApi, MeetingsApi } from "@/lib/graph/gateway";
import { isOutcomeUnknown, phoneIdentity, target, userIdentity, type CreateCallInput } from "@/lib/graph/calls";
import { isNotFound, toAppError } from "@/lib/graph/errors";
import { graphIdForRequest } from "@/lib/graph/ids";
import { logger } from "@/lib/logger";
import { wakeCall } from "./runtime/wake";
import { maskPhone, normaliseGraphId } from "./schema";
import { operationStatusFrom, outcomeFor } from "./state";
import { LIVE_CALL_STATES, isLiveAppointment, isLiveCallState } from "@/lib/constants";

export interface CallControlDeps {
  db: PrismaClient;
  calls: CallsApi;
  /** application meetings API for an organizer (fallback join by meeting id) */
  meetingsFor?(organizerEntraObjectId: string): MeetingsApi;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  tenantId: string;
  /**
   * CLINIC_LINE_APPLICATION_INSTANCE_ID: the clinic's resource account with a number. Meeting joins and group
   * calls are placed from it, so that phone numbers can be invited into them (they are dialled from the
   * call's source); without it phone invitations are refused.
   */
  clinicLineInstanceId?: string;
  /**
   * The automatic leave, signalled to the call's attendance flow through the call runtime (which holds the
   * call while it hangs up): "busy" when another process holds the call right now.
   */
  signalLeave(callId: string, reason: string): Promise<"handled" | "busy" | "missing">;
}

/**
 * The application instance calls are placed from, if one is configured (see CallControlDeps.clinicLineInstanceId;
 * locally the start script configures one the emulator accepts). An empty value is none.
 */
export function clinicLineInstance(deps: { clinicLineInstanceId?: string }): string | undefined {
  return deps.clinicLineInstanceId || undefined;
}

export type InviteTarget = { kind: "user"; userId: string; displayName?: string } | { kind: "phone"; e164: string };

export interface RosterView {
  call: {
    id: string;
    state: string;
    purpose: string;
    outcome: string | null;
    appointmentId: string | null;
    establishedAt: Date | null;
    endedAt: Date | null;
    /** Graph mutes participants in meetings and group calls only, never in a peer-to-peer call */
    canMute: boolean;
  };
  participants: {
    id: string;
    graphParticipantId: string;
    displayName: string | null;
    kind: string;
    isBot: boolean;
    isMuted: boolean;
    isInLobby: boolean;
    joinedAt: Date;
  }[];
  invitations: {
    operationId: string;
    label: string | null;
    status: string;
    /** ringing, answered, declined, busy, no-answer, unreachable, failed */
    outcome: string;
    resultCode: number | null;
    resultSubcode: number | null;
  }[];
}

// --- pure helpers --------------------------------------------------------------------------------

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

function invitationOutcome(status: string, code: number | null, subcode: number | null): string {
  if (status === "COMPLETED") return "answered";
  if (status === "FAILED") {
    const outcome = outcomeFor({ code, subcode });
    return outcome === "completed" || outcome === "ended" ? "failed" : outcome;
  }
  return "ringing";
}

/** A join claimed but not yet answered by Graph has this graphCallId prefix instead of Graph's id. */
export const PENDING_PREFIX = "pending:";
/** A claim older than this without an answer from Graph is a crash's leftover: it stops blocking joins. */
const STALE_CLAIM_MS = 2 * 60_000;
/** The automatic join and leave act as this audit actor. */
const AUTO_ACTOR: AuditActor = systemActor("bot-auto");

export const isPendingClaim = (graphCallId: string) => graphCallId.startsWith(PENDING_PREFIX);
/** Calls that count for "joined once": live ones, and any that Graph placed (a crashed claim never joined). */
export const countsAsBotCall = (c: { state: string; graphCallId: string }) =>
  isLiveCallState(c.state) || !isPendingClaim(c.graphCallId);
const notFound = () => new AppError("NOT_FOUND", "This appointment was not found.");

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

// --- the operations ------------------------------------------------------------------------------

export function callControl(deps: CallControlDeps) {
  const { db } = deps;

  /** Runs one Graph action; a failure is audited and becomes an AppError the routes can show. */
  async function graphAction<T>(
    actor: AuditActor,
    action: string,
    entity: { type: string; id?: string | null },
    details: Record<string, string | number | null>,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const status = (error as { status?: number }).status ?? null;
      await recordAudit(db, actor, action, entity, { ...details, outcome: "failed", status });
      logger.warn({ action, entityId: entity.id, status }, "graph call action failed");
      throw toAppError(error) ?? new AppError("UPSTREAM_UNAVAILABLE", "Microsoft Teams refused the request.");
    }
  }

  /**
   * One Graph action on a call, audited as `action` either way: failed (graphAction) or done, with `details`
   * and what `after` adds from the result (an operation id, say).
   */
  async function auditedCallAction<T, A extends Record<string, string | number | null> = Record<never, never>>(
    actor: AuditActor,
    action: string,
    call: Call,
    details: Record<string, string | number | null>,
    run: () => Promise<T>,
    // without `after`, A is the empty record
    after: (result: T) => Promise<A> = async () => ({}) as A,
  ): Promise<A> {
    const entity = { type: "Call", id: call.id };
    const result = await graphAction(actor, action, entity, details, run);
    const added = await after(result);
    await recordAudit(db, actor, action, entity, { ...details, ...added });
    return added;
  }

  async function liveCall(callId: string): Promise<Call> {
    const call = await db.call.findUnique({ where: { id: callId } });
    if (!call) throw new AppError("NOT_FOUND", "This call was not found.");
    if (!isLiveCallState(call.state)) throw new AppError("CONFLICT", "This call has ended.");
    return call;
  }

  async function recordOperation(
    call: Call,
    kind: string,
    op: { id: string; status: string | null; clientContext?: string | null },
  ) {
    // already normalised where the response was read (lib/graph/calls.ts), as notifications' ids are
    const graphOperationId = op.id;
    const status = operationStatusFrom(op.status) ?? "RUNNING";
    const finished = status === "COMPLETED" || status === "FAILED";
    // the result notification may have overtaken this response and created the row already: keep it
    await db.callOperation.createMany({
      skipDuplicates: true,
      data: {
        callId: call.id,
        graphOperationId,
        kind,
        status,
        clientContext: op.clientContext ?? null,
        completedAt: finished ? new Date() : null,
      },
    });
    return graphOperationId;
  }

  async function joinInput(meeting: {
    joinWebUrl: string | null;
    graphMeetingId: string | null;
    organizerEntraId: string | null;
  }): Promise<CreateCallInput> {
    const coordinates = meeting.joinWebUrl ? parseJoinWebUrl(meeting.joinWebUrl) : null;
    const organizerId = coordinates?.organizerId ?? meeting.organizerEntraId;
    if (coordinates && organizerId) {
      return {
        kind: "joinMeetingByChat",
        callbackUri: deps.callbackUri,
        applicationInstanceId: clinicLineInstance(deps),
        tenantId: coordinates.tenantId ?? deps.tenantId,
        chatInfo: { threadId: coordinates.threadId, messageId: coordinates.messageId },
        organizerId,
        organizerTenantId: coordinates.tenantId ?? deps.tenantId,
      };
    }
    // no usable join URL: ask Graph for the meeting's join id (joinMeetingIdMeetingInfo)
    if (meeting.graphMeetingId && meeting.organizerEntraId && deps.meetingsFor) {
      const remote = await deps.meetingsFor(meeting.organizerEntraId).get(meeting.graphMeetingId);
      const settings = remote.joinMeetingIdSettings;
      if (settings?.joinMeetingId) {
        return {
          kind: "joinMeetingById",
          callbackUri: deps.callbackUri,
          applicationInstanceId: clinicLineInstance(deps),
          tenantId: deps.tenantId,
          joinMeetingId: settings.joinMeetingId,
          passcode: settings.passcode ?? null,
        };
      }
    }
    throw new AppError("UNPROCESSABLE", "The appointment's Teams meeting cannot be joined: it has no join details.");
  }

  type JoinClaim =
    | { kind: "existing"; call: Call }
    | { kind: "skipped"; reason: string; error: AppError }
    | {
        kind: "claimed";
        call: Call;
        meeting: { id: string; joinWebUrl: string | null; graphMeetingId: string | null };
        organizerEntraId: string | null;
      };

  /**
   * Decides, under a row lock on the appointment, whether the bot may join, and if so claims the join
   * with a placeholder Call row before Graph is asked. Every join (by staff or automatic, in any
   * process) takes this lock, so two of them never both see "no bot call" and place two calls.
   */
  async function claimJoin(
    appointmentId: string,
    now: Date,
    auto: { minutesBefore: number } | null,
  ): Promise<JoinClaim> {
    const skip = (reason: string, error: AppError): JoinClaim => ({ kind: "skipped", reason, error });
    return db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Appointment" WHERE id = ${appointmentId}::uuid FOR UPDATE`;
      if (locked.length === 0) return skip("appointment not found", notFound());
      const appointment = await tx.appointment.findUniqueOrThrow({
        where: { id: appointmentId },
        include: { meeting: true, clinician: { select: { entraObjectId: true } } },
      });
      const meeting = appointment.meeting;
      if (!meeting || meeting.state !== "READY")
        return skip("meeting not ready", new AppError("CONFLICT", "The appointment's Teams meeting is not ready yet."));
      await releaseStaleJoinClaims(tx, appointmentId);
      const calls = await tx.call.findMany({
        where: { appointmentId, purpose: "MEETING_JOIN" },
        orderBy: { createdAt: "desc" },
      });
      const live = calls.find((c) => isLiveCallState(c.state));
      if (live) return { kind: "existing", call: live };
      if (auto) {
        const reason = autoJoinBlocked(appointment, meeting, calls.filter(countsAsBotCall), now, auto.minutesBefore);
        if (reason) return skip(reason, new AppError("CONFLICT", reason));
      }
      const call = await tx.call.create({
        data: {
          graphCallId: `${PENDING_PREFIX}${crypto.randomUUID()}`,
          direction: "OUTGOING",
          purpose: "MEETING_JOIN",
          state: "establishing",
          appointmentId,
          meetingId: meeting.id,
          counterpart: "Teams meeting",
          // the claim's time is what the next sweep compares with the join window
          createdAt: now,
        },
      });
      return {
        kind: "claimed",
        call,
        meeting,
        organizerEntraId: appointment.clinician.entraObjectId,
      };
    });
  }

  /** Asks Graph to join for a claimed placeholder; on failure the claim is released (the next try may join). */
  async function placeJoin(
    claim: Extract<JoinClaim, { kind: "claimed" }>,
    actor: AuditActor,
    details: Record<string, string | number>,
  ): Promise<Call> {
    const { call: placeholder, meeting } = claim;
    const appointmentId = placeholder.appointmentId!;
    let remote;
    let via: string;
    let outcomeUnknown = false;
    try {
      const input = await joinInput({
        joinWebUrl: meeting.joinWebUrl,
        graphMeetingId: meeting.graphMeetingId,
        organizerEntraId: claim.organizerEntraId,
      });
      via = input.kind;
      remote = await graphAction(
        actor,
        "graph.call.join",
        { type: "Appointment", id: appointmentId },
        { meetingId: meeting.id, via: input.kind, ...details },
        async () => {
          try {
            return await deps.calls.create(input);
          } catch (error) {
            outcomeUnknown = isOutcomeUnknown(error);
            throw error;
          }
        },
      );
    } catch (error) {
      if (outcomeUnknown) {
        // Graph may have placed the call (a 5xx or no answer): the claim stays, so nobody joins a second time
        // now; it goes stale after STALE_CLAIM_MS, and a call that exists all the same is hung up by the drain
        logger.warn({ appointmentId }, "meeting join outcome unknown; the claim stays until it goes stale");
        throw error;
      }
      await db.call.deleteMany({ where: { id: placeholder.id, graphCallId: placeholder.graphCallId } });
      throw error;
    }
    return db.$transaction(async (tx) => {
      const call = await tx.call.update({
        where: { id: placeholder.id },
        data: {
          graphCallId: normaliseGraphId(remote.id),
          state: remote.state ?? "establishing",
          initiatedById: actor.id,
        },
      });
      // its first notifications may have come before Graph's answer: the runtime applies them now
      await wakeCall(tx, call.graphCallId);
      await recordAudit(
        tx,
        actor,
        "graph.call.join",
        { type: "Call", id: call.id },
        {
          appointmentId,
          meetingId: meeting.id,
          graphCallId: call.graphCallId,
          via,
          ...details,
        },
      );
      return call;
    });
  }

  /** The bot hangs up its own leg (for meetings and group calls the others stay). */
  async function leaveCall(
    callId: string,
    actor: AuditActor,
    details: Record<string, string> = { trigger: "manual" },
  ): Promise<void> {
    const call = await db.call.findUnique({ where: { id: callId } });
    if (!call) throw new AppError("NOT_FOUND", "This call was not found.");
    if (!isLiveCallState(call.state)) return;
    // the join request is still with Graph: there is no Graph call to hang up yet
    if (isPendingClaim(call.graphCallId))
      throw new AppError("CONFLICT", "The bot is still joining the meeting; try again in a moment.");
    await auditedCallAction(
      actor,
      "graph.call.leave",
      call,
      {},
      async () => {
        // already gone at Graph: nothing to undo
        await hangUpUnlessGone(deps.calls, call.graphCallId);
      },
      async () => ({ ...details, outcome: "requested" }),
    );
  }

  return {
    /** The bot joins the appointment's Teams meeting. A second request while it is in returns the same call. */
    async joinAppointmentMeeting(appointmentId: string, actor: AuditActor, now = new Date()): Promise<Call> {
      const claim = await claimJoin(appointmentId, now, null);
      if (claim.kind === "existing") return claim.call;
      if (claim.kind === "skipped") throw claim.error;
      return placeJoin(claim, actor, { trigger: "manual" });
    },

    /**
     * The automatic join (bot-meeting-attend job): joins only while the appointment is live, its meeting
     * ready at the appointment's current time, `minutesBefore` the start has passed and it has not ended,
     * and no bot call of this appointment is live or was placed since the join window opened — so the bot
     * joins once per appointment time, even if staff made it leave, and again only if the time moves.
     */
    async autoJoinAppointmentMeeting(
      appointmentId: string,
      now: Date,
      minutesBefore: number,
    ): Promise<{ outcome: "joined"; call: Call } | { outcome: "skipped"; reason: string }> {
      const claim = await claimJoin(appointmentId, now, { minutesBefore });
      if (claim.kind === "existing") return { outcome: "skipped", reason: "bot already in the meeting" };
      if (claim.kind === "skipped") return { outcome: "skipped", reason: claim.reason };
      const call = await placeJoin(claim, AUTO_ACTOR, { trigger: "automatic", minutesBefore });
      return { outcome: "joined", call };
    },

    /**
     * The automatic leave: the bot hangs up its meeting call once the appointment has ended, was cancelled
     * or completed, or no longer exists. Checked again here, when the job runs: the appointment may have
     * moved since the sweep saw it.
     */
    async autoLeaveMeeting(callId: string, now: Date): Promise<{ outcome: "left" | "skipped"; reason: string }> {
      const call = await db.call.findUnique({
        where: { id: callId },
        include: { appointment: { select: { status: true, endsAt: true } } },
      });
      if (!call || call.purpose !== "MEETING_JOIN") return { outcome: "skipped", reason: "not a meeting call" };
      if (!isLiveCallState(call.state)) return { outcome: "skipped", reason: "call already ended" };
      if (isPendingClaim(call.graphCallId)) return { outcome: "skipped", reason: "still joining" };
      const reason = leaveReason(call.appointment, now);
      if (!reason) return { outcome: "skipped", reason: "appointment still running" };
      // the call's attendance flow hangs up and records it (lib/bot/attendance.ts)
      if ((await deps.signalLeave(call.id, reason)) !== "handled")
        return { outcome: "skipped", reason: "call busy; the next sweep tries again" };
      return { outcome: "left", reason };
    },

    leaveCall,

    async inviteToCall(callId: string, who: InviteTarget, actor: AuditActor): Promise<{ operationId: string }> {
      const call = await liveCall(callId);
      let participant;
      let label: string;
      if (who.kind === "user") {
        const user = await db.user.findFirst({
          where: {
            OR: isUuid(who.userId)
              ? [{ id: who.userId }, { entraObjectId: who.userId }]
              : [{ entraObjectId: who.userId }],
          },
          select: { entraObjectId: true, name: true, active: true },
        });
        if (!user?.entraObjectId || !user.active) throw new AppError("NOT_FOUND", "This person was not found.");
        participant = target(userIdentity(user.entraObjectId, who.displayName ?? user.name, deps.tenantId));
        label = `user:${user.entraObjectId}`;
      } else {
        // the number is dialled from the call's source: the clinic's application instance, which the join (or
        // group call) was placed from when one is configured
        if (!clinicLineInstance(deps))
          throw new AppError(
            "UNPROCESSABLE",
            "Phone invitations need the clinic line: set CLINIC_LINE_APPLICATION_INSTANCE_ID.",
          );
        try {
          participant = target(phoneIdentity(who.e164));
        } catch {
          throw new AppError("BAD_REQUEST", "The phone number must be in E.164 form, e.g. +5511987654321.");
        }
        label = `phone:${maskPhone(who.e164)}`;
      }
      const { operationId } = await auditedCallAction(
        actor,
        "graph.call.invite",
        call,
        { kind: who.kind },
        () =>
          deps.calls.invite(graphIdForRequest(call.graphCallId), { participants: [participant], clientContext: label }),
        // the invitee is a masked number or an Entra object id: never a full phone number
        async (op) => ({
          invitee: label,
          operationId: await recordOperation(call, "invite", { ...op, clientContext: label }),
        }),
      );
      return { operationId };
    },

    async muteParticipant(callId: string, graphParticipantId: string, actor: AuditActor): Promise<void> {
      const call = await liveCall(callId);
      if (!canMuteParticipants(call))
        throw new AppError("UNPROCESSABLE", "Participants can be muted only in meetings and group calls.");
      const participant = await presentParticipant(call.id, graphParticipantId);
      await auditedCallAction(
        actor,
        "graph.call.mute",
        call,
        { participant: participant.graphParticipantId },
        () => deps.calls.muteParticipant(graphIdForRequest(call.graphCallId), participant.graphParticipantId),
        async (op) => ({ operationId: await recordOperation(call, "muteParticipant", op) }),
      );
    },

    async removeParticipant(callId: string, graphParticipantId: string, actor: AuditActor): Promise<void> {
      const call = await liveCall(callId);
      const participant = await presentParticipant(call.id, graphParticipantId);
      await auditedCallAction(actor, "graph.call.remove", call, { participant: participant.graphParticipantId }, () =>
        deps.calls.removeParticipant(graphIdForRequest(call.graphCallId), participant.graphParticipantId),
      );
    },

    /** A group call with up to five of our users (by Consulta user id). */
    async startGroupCall(userIds: string[], actor: AuditActor): Promise<Call> {
      const ids = [...new Set(userIds)];
      if (ids.length < 1 || ids.length > 5)
        throw new AppError("BAD_REQUEST", "A group call starts with 1 to 5 people.");
      const users = await db.user.findMany({
        where: { id: { in: ids.filter(isUuid) }, active: true },
        select: { id: true, entraObjectId: true },
      });
      if (users.length !== ids.length || users.some((u) => !u.entraObjectId))
        throw new AppError("NOT_FOUND", "Some of these people were not found.");
      // with one person it is a peer-to-peer call, placed as one (Calls.Initiate.All; nobody to mute)
      const peerToPeer = users.length === 1;
      const common = {
        callbackUri: deps.callbackUri,
        applicationInstanceId: clinicLineInstance(deps),
        tenantId: deps.tenantId,
      };
      const remote = await graphAction(
        actor,
        "graph.call.group",
        { type: "Call", id: null },
        { participants: users.length },
        () =>
          deps.calls.create(
            peerToPeer
              ? { kind: "user", userId: users[0]!.entraObjectId!, ...common }
              : { kind: "group", userIds: users.map((u) => u.entraObjectId!), ...common },
          ),
      );
      return db.$transaction(async (tx) => {
        const call = await tx.call.create({
          data: {
            graphCallId: normaliseGraphId(remote.id),
            direction: "OUTGOING",
            purpose: "GROUP_CALL",
            peerToPeer,
            state: remote.state ?? "establishing",
            initiatedById: actor.id,
            counterpart: `${users.length} ${users.length === 1 ? "person" : "people"}`,
          },
        });
        await wakeCall(tx, call.graphCallId);
        await recordAudit(
          tx,
          actor,
          "graph.call.group",
          { type: "Call", id: call.id },
          {
            graphCallId: call.graphCallId,
            userIds: users.map((u) => u.id),
          },
        );
        return call;
      });
    },

    /** Who is in (and in the lobby, muted), from the roster snapshots the bot received. */
    async rosterFor(callId: string): Promise<RosterView> {
      const call = await db.call.findUnique({
        where: { id: callId },
        include: {
          participants: { where: { leftAt: null }, orderBy: { joinedAt: "asc" } },
          operations: { where: { kind: "invite" }, orderBy: { createdAt: "asc" } },
        },
      });
      if (!call) throw new AppError("NOT_FOUND", "This call was not found.");
      return {
        call: {
          id: call.id,
          state: call.state,
          purpose: call.purpose,
          outcome: call.outcome,
          appointmentId: call.appointmentId,
          establishedAt: call.establishedAt,
          endedAt: call.endedAt,
          canMute: canMuteParticipants(call),
        },
        participants: call.participants.map((p) => ({
          id: p.id,
          graphParticipantId: p.graphParticipantId,
          displayName: p.displayName,
          kind: p.identityKind,
          isBot: p.identityKind === "application",
          isMuted: p.isMuted,
          isInLobby: p.isInLobby,
          joinedAt: p.joinedAt,
        })),
        invitations: call.operations.map((op) => ({
          operationId: op.graphOperationId,
          label: op.clientContext,
          status: op.status,
          outcome: invitationOutcome(op.status, op.resultCode, op.resultSubcode),
          resultCode: op.resultCode,
          resultSubcode: op.resultSubcode,
        })),
      };
    },
  };

  async function presentParticipant(callId: string, graphParticipantId: string) {
    const participant = await db.callParticipant.findFirst({
      where: { callId, graphParticipantId: normaliseGraphId(graphParticipantId), leftAt: null },
    });
    if (!participant) throw new AppError("NOT_FOUND", "This participant is not in the call.");
    return participant;
  }
}

export type CallControl = ReturnType<typeof callControl>;

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
