// What staff and clinicians do with the bot: join an appointment's Teams meeting, invite people or a
// phone into it, mute or remove someone, leave; start a group call; read the roster. Every Graph action
// goes through lib/graph and is audited (who, what, when). State afterwards arrives as notifications
// (lib/bot/process.ts); these functions record only what Graph answered synchronously.
import type { AuditActor } from "@/lib/audit/mutations";
import { recordAudit } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import type { Call, PrismaClient } from "@/lib/generated/prisma/client";
import type { CallsApi, MeetingsApi } from "@/lib/graph/gateway";
import { phoneIdentity, target, userIdentity, type CreateCallInput } from "@/lib/graph/calls";
import { toAppError } from "@/lib/graph/errors";
import { logger } from "@/lib/logger";
import { maskPhone, normaliseGraphId } from "./schema";
import { operationStatusFrom, outcomeFor } from "./state";

export interface CallControlDeps {
  db: PrismaClient;
  calls: CallsApi;
  /** application meetings API for an organizer (fallback join by meeting id) */
  meetingsFor?(organizerEntraObjectId: string): MeetingsApi;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  tenantId: string;
  /** CLINIC_LINE_APPLICATION_INSTANCE_ID: the clinic's number, required for phone calls against Microsoft */
  clinicLineInstanceId?: string;
  /** the emulator stands in for Microsoft: phone invitations work without an application instance */
  emulator: boolean;
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

/** Graph call ids are GUIDs; we store them without dashes, Graph's URLs want them back. */
export function graphIdForRequest(normalised: string): string {
  const m = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(normalised);
  return m ? m.slice(1).join("-") : normalised;
}

function invitationOutcome(status: string, code: number | null, subcode: number | null): string {
  if (status === "COMPLETED") return "answered";
  if (status === "FAILED") {
    const outcome = outcomeFor({ code, subcode });
    return outcome === "completed" || outcome === "ended" ? "failed" : outcome;
  }
  return "ringing";
}

const LIVE_STATES = ["incoming", "establishing", "ringing", "established", "hold", "transferring", "transferAccepted"];

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

  async function liveCall(callId: string): Promise<Call> {
    const call = await db.call.findUnique({ where: { id: callId } });
    if (!call) throw new AppError("NOT_FOUND", "This call was not found.");
    if (!LIVE_STATES.includes(call.state)) throw new AppError("CONFLICT", "This call has ended.");
    return call;
  }

  async function recordOperation(
    call: Call,
    kind: string,
    op: { id: string; status: string | null; clientContext?: string | null },
  ) {
    const graphOperationId = op.id.toLowerCase();
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
          tenantId: deps.tenantId,
          joinMeetingId: settings.joinMeetingId,
          passcode: settings.passcode ?? null,
        };
      }
    }
    throw new AppError("UNPROCESSABLE", "The appointment's Teams meeting cannot be joined: it has no join details.");
  }

  return {
    /** The bot joins the appointment's Teams meeting. A second request while it is in returns the same call. */
    async joinAppointmentMeeting(appointmentId: string, actor: AuditActor): Promise<Call> {
      const appointment = await db.appointment.findUnique({
        where: { id: appointmentId },
        include: { meeting: true, clinician: { select: { entraObjectId: true } } },
      });
      if (!appointment) throw new AppError("NOT_FOUND", "This appointment was not found.");
      const meeting = appointment.meeting;
      if (!meeting || meeting.state !== "READY")
        throw new AppError("CONFLICT", "The appointment's Teams meeting is not ready yet.");
      const existing = await db.call.findFirst({
        where: { appointmentId, purpose: "MEETING_JOIN", state: { in: LIVE_STATES } },
        orderBy: { createdAt: "desc" },
      });
      if (existing) return existing;
      const input = await joinInput({
        joinWebUrl: meeting.joinWebUrl,
        graphMeetingId: meeting.graphMeetingId,
        organizerEntraId: appointment.clinician.entraObjectId,
      });
      const remote = await graphAction(
        actor,
        "graph.call.join",
        { type: "Appointment", id: appointmentId },
        { meetingId: meeting.id, via: input.kind },
        () => deps.calls.create(input),
      );
      return db.$transaction(async (tx) => {
        const call = await tx.call.create({
          data: {
            graphCallId: normaliseGraphId(remote.id),
            direction: "OUTGOING",
            purpose: "MEETING_JOIN",
            state: remote.state ?? "establishing",
            appointmentId,
            meetingId: meeting.id,
            initiatedById: actor.id,
            counterpart: "Teams meeting",
          },
        });
        await recordAudit(
          tx,
          actor,
          "graph.call.join",
          { type: "Call", id: call.id },
          {
            appointmentId,
            meetingId: meeting.id,
            graphCallId: call.graphCallId,
            via: input.kind,
          },
        );
        return call;
      });
    },

    /** The bot hangs up its own leg (for meetings and group calls the others stay). */
    async leaveCall(callId: string, actor: AuditActor): Promise<void> {
      const call = await db.call.findUnique({ where: { id: callId } });
      if (!call) throw new AppError("NOT_FOUND", "This call was not found.");
      if (!LIVE_STATES.includes(call.state)) return;
      await graphAction(actor, "graph.call.leave", { type: "Call", id: call.id }, {}, async () => {
        try {
          await deps.calls.hangUp(graphIdForRequest(call.graphCallId));
        } catch (error) {
          // already gone at Graph: the terminated notification is on its way or was lost; nothing to undo
          if ((error as { status?: number }).status !== 404) throw error;
        }
      });
      await recordAudit(db, actor, "graph.call.leave", { type: "Call", id: call.id }, { outcome: "requested" });
    },

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
        // PSTN needs the clinic's application instance (a Teams resource account with a number)
        if (!deps.clinicLineInstanceId && !deps.emulator)
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
      const op = await graphAction(actor, "graph.call.invite", { type: "Call", id: call.id }, { kind: who.kind }, () =>
        deps.calls.invite(graphIdForRequest(call.graphCallId), { participants: [participant], clientContext: label }),
      );
      const operationId = await recordOperation(call, "invite", { ...op, clientContext: label });
      await recordAudit(
        db,
        actor,
        "graph.call.invite",
        { type: "Call", id: call.id },
        {
          kind: who.kind,
          // a masked number or an Entra object id: never a full phone number
          invitee: label,
          operationId,
        },
      );
      return { operationId };
    },

    async muteParticipant(callId: string, graphParticipantId: string, actor: AuditActor): Promise<void> {
      const call = await liveCall(callId);
      const participant = await presentParticipant(call.id, graphParticipantId);
      const op = await graphAction(
        actor,
        "graph.call.mute",
        { type: "Call", id: call.id },
        { participant: participant.graphParticipantId },
        () => deps.calls.muteParticipant(graphIdForRequest(call.graphCallId), participant.graphParticipantId),
      );
      const operationId = await recordOperation(call, "muteParticipant", op);
      await recordAudit(
        db,
        actor,
        "graph.call.mute",
        { type: "Call", id: call.id },
        {
          participant: participant.graphParticipantId,
          operationId,
        },
      );
    },

    async removeParticipant(callId: string, graphParticipantId: string, actor: AuditActor): Promise<void> {
      const call = await liveCall(callId);
      const participant = await presentParticipant(call.id, graphParticipantId);
      await graphAction(
        actor,
        "graph.call.remove",
        { type: "Call", id: call.id },
        { participant: participant.graphParticipantId },
        () => deps.calls.removeParticipant(graphIdForRequest(call.graphCallId), participant.graphParticipantId),
      );
      await recordAudit(
        db,
        actor,
        "graph.call.remove",
        { type: "Call", id: call.id },
        {
          participant: participant.graphParticipantId,
        },
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
      const remote = await graphAction(
        actor,
        "graph.call.group",
        { type: "Call", id: null },
        { participants: users.length },
        () =>
          deps.calls.create({
            kind: "group",
            callbackUri: deps.callbackUri,
            tenantId: deps.tenantId,
            userIds: users.map((u) => u.entraObjectId!),
          }),
      );
      return db.$transaction(async (tx) => {
        const call = await tx.call.create({
          data: {
            graphCallId: normaliseGraphId(remote.id),
            direction: "OUTGOING",
            purpose: "GROUP_CALL",
            state: remote.state ?? "establishing",
            initiatedById: actor.id,
            counterpart: `${users.length} ${users.length === 1 ? "person" : "people"}`,
          },
        });
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
      where: { callId, graphParticipantId: graphParticipantId.toLowerCase(), leftAt: null },
    });
    if (!participant) throw new AppError("NOT_FOUND", "This participant is not in the call.");
    return participant;
  }
}

export type CallControl = ReturnType<typeof callControl>;

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
