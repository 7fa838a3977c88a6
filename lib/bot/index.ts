// The bot's call actions bound to the app's database, Graph gateway and configuration.
import "server-only";
import { perProcess } from "@/lib/per-process";
import type { AuditActor } from "@/lib/audit/mutations";
import { serverEnv } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { callControl, type CallControl, type InviteTarget } from "./meeting-calls";
import { appCallRuntime } from "./runtime/app";
import { callingDeps } from "./gateways";

export function botCalls(): CallControl {
  return perProcess("callControl", () => {
    const env = serverEnv();
    const app = graphForApp();
    return callControl({
      ...callingDeps(env),
      meetingsFor: (oid) => app.meetingsFor(oid),
      signalLeave: (callId, reason) => appCallRuntime().signal(callId, { type: "leave", reason }),
    });
  });
}

export const joinAppointmentMeeting = (appointmentId: string, actor: AuditActor) =>
  botCalls().joinAppointmentMeeting(appointmentId, actor);
export const leaveCall = (callId: string, actor: AuditActor) => botCalls().leaveCall(callId, actor);
export const inviteToCall = (callId: string, who: InviteTarget, actor: AuditActor) =>
  botCalls().inviteToCall(callId, who, actor);
export const muteParticipant = (callId: string, participantId: string, actor: AuditActor) =>
  botCalls().muteParticipant(callId, participantId, actor);
export const removeParticipant = (callId: string, participantId: string, actor: AuditActor) =>
  botCalls().removeParticipant(callId, participantId, actor);
export const startGroupCall = (userIds: string[], actor: AuditActor) => botCalls().startGroupCall(userIds, actor);
export const rosterFor = (callId: string) => botCalls().rosterFor(callId);

export type { InviteTarget } from "./meeting-calls";
