// Who is in a call and who joins it: invite a Teams user or a phone, mute or remove a participant, start a
// group call, read the roster the bot's notifications keep.
import "server-only";
import type { AuditActor } from "@/lib/audit/mutations";
import { recordAudit } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import type { Call } from "@/lib/generated/prisma/client";
import { phoneIdentity, target, userIdentity } from "@/lib/graph/call-identities";
import { graphIdForRequest } from "@/lib/graph/ids";
import { wakeCall } from "../runtime/wake";
import { maskPhone } from "@/lib/constants";
import { normaliseGraphId } from "../schema";
import { outcomeFor } from "../state";
import type { CallActions } from "./actions";
import { canMuteParticipants, clinicLineInstance } from "./policy";
import type { CallControlDeps, InviteTarget, RosterView } from "./types";

function invitationOutcome(status: string, code: number | null, subcode: number | null): string {
  if (status === "COMPLETED") return "answered";
  if (status === "FAILED") {
    const outcome = outcomeFor({ code, subcode });
    return outcome === "completed" || outcome === "ended" ? "failed" : outcome;
  }
  return "ringing";
}

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

export function participantControls(deps: CallControlDeps, actions: CallActions) {
  const { db } = deps;
  const { graphAction, auditedCallAction, liveCall, recordOperation } = actions;

  return {
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
