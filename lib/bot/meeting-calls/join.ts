// The bot in an appointment's Teams meeting: the join (by staff or automatic) claimed under the appointment's
// row lock before Graph is asked, so two workers never place two calls in one meeting; the automatic leave; the
// bot hanging up its own leg.
import "server-only";
import crypto from "node:crypto";
import type { AuditActor } from "@/lib/audit/mutations";
import { recordAudit, systemActor } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import type { Call } from "@/lib/generated/prisma/client";
import { isOutcomeUnknown, type CreateCallInput } from "@/lib/graph/calls";
import { logger } from "@/lib/logger";
import { isLiveCallState } from "@/lib/constants";
import { wakeCall } from "../runtime/wake";
import { normaliseGraphId } from "../schema";
import type { CallActions } from "./actions";
import {
  PENDING_PREFIX,
  autoJoinBlocked,
  clinicLineInstance,
  countsAsBotCall,
  hangUpUnlessGone,
  isPendingClaim,
  leaveReason,
  parseJoinWebUrl,
  releaseStaleJoinClaims,
} from "./policy";
import type { CallControlDeps } from "./types";

/** The automatic join and leave act as this audit actor. */
const AUTO_ACTOR: AuditActor = systemActor("bot-auto");
const notFound = () => new AppError("NOT_FOUND", "This appointment was not found.");

export function meetingAttendance(deps: CallControlDeps, actions: CallActions) {
  const { db } = deps;
  const { graphAction, auditedCallAction } = actions;

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
      // the call's attendance flow hangs up and records it (lib/bot/flows/attendance-flow.ts)
      if ((await deps.signalLeave(call.id, reason)) !== "handled")
        return { outcome: "skipped", reason: "call busy; the next sweep tries again" };
      return { outcome: "left", reason };
    },

    leaveCall,
  };
}
