// Thin typed wrappers over the cloud-communications calling API (emulator/CONTRACT.md#calls). Application tokens
// only: these functions are reached through graphForApp(). Results of actions arrive later as
// notifications to the bot; what comes back here is the call or the operation as Graph reports it.
// Our bot uses service-hosted media (required for prompts, recording and tones). The media actions are in
// call-media.ts, the identities in call-identities.ts, what every request shares in call-requests.ts.
import "server-only";
import type {
  Call,
  ChatInfo,
  CommunicationsIdentitySet,
  InvitationParticipantInfo,
  MediaInfo,
  Modality,
  ParticipantInfo,
  RejectReason,
  ServiceHostedMediaConfig,
} from "@microsoft/microsoft-graph-types";
import { phoneIdentity, target, userIdentity } from "./call-identities";
import {
  CALLS,
  callPath,
  callSchema,
  checkClientContext,
  operationSchema,
  parse,
  participantListSchema,
  participantPath,
  type CommsOperationResult,
  type GraphCall,
  type GraphParticipant,
} from "./call-requests";
import type { GraphClient } from "./client";
import { isGraphError } from "./errors";

function serviceHostedMedia(preFetch?: MediaInfo[]): ServiceHostedMediaConfig {
  return {
    "@odata.type": "#microsoft.graph.serviceHostedMediaConfig",
    ...(preFetch?.length ? { preFetchMedia: preFetch } : {}),
  } as ServiceHostedMediaConfig;
}

// --- create ---------------------------------------------------------------------------------------

interface CreateCommon {
  /** HTTPS URL of the bot's notification endpoint for this call. */
  callbackUri: string;
  /**
   * The application instance (a Teams resource account with a phone number) the call is placed from: phone
   * calls need it, and so do phone numbers invited into a meeting or group call later (they are dialled from
   * the call's source). Without it the call comes from the application itself.
   */
  applicationInstanceId?: string;
  tenantId?: string;
  modalities?: Modality[];
  /** Prompts the platform fetches before they are needed (cache key = resourceId). */
  preFetchMedia?: MediaInfo[];
}

export type CreateCallInput = CreateCommon &
  (
    | { kind: "joinMeetingById"; joinMeetingId: string; passcode?: string | null }
    | {
        kind: "joinMeetingByChat";
        chatInfo: Pick<ChatInfo, "threadId" | "messageId" | "replyChainMessageId">;
        organizerId: string;
        organizerTenantId?: string;
        allowConversationWithoutHost?: boolean;
      }
    | { kind: "user"; userId: string; displayName?: string }
    | { kind: "phone"; phone: string; applicationInstanceId: string; applicationInstanceDisplayName?: string }
    | { kind: "group"; userIds: string[]; subject?: string }
  );

export function createCallBody(input: CreateCallInput): Call {
  const body: Call & Record<string, unknown> = {
    "@odata.type": "#microsoft.graph.call",
    callbackUri: input.callbackUri,
    requestedModalities: input.modalities ?? ["audio"],
    mediaConfig: serviceHostedMedia(input.preFetchMedia),
    ...(input.tenantId ? { tenantId: input.tenantId } : {}),
  };
  switch (input.kind) {
    case "joinMeetingById":
      body.meetingInfo = {
        "@odata.type": "#microsoft.graph.joinMeetingIdMeetingInfo",
        joinMeetingId: input.joinMeetingId,
        passcode: input.passcode ?? null,
      } as Call["meetingInfo"];
      break;
    case "joinMeetingByChat":
      body.chatInfo = { "@odata.type": "#microsoft.graph.chatInfo", ...input.chatInfo } as ChatInfo;
      body.meetingInfo = {
        "@odata.type": "#microsoft.graph.organizerMeetingInfo",
        organizer: userIdentity(input.organizerId, undefined, input.organizerTenantId ?? input.tenantId),
        allowConversationWithoutHost: input.allowConversationWithoutHost ?? true,
      } as Call["meetingInfo"];
      break;
    case "user":
      body.targets = [target(userIdentity(input.userId, input.displayName))];
      break;
    case "phone":
      body.targets = [target(phoneIdentity(input.phone))];
      break;
    case "group":
      if (input.userIds.length < 1 || input.userIds.length > 5)
        throw new RangeError("a group call starts with 1 to 5 users");
      body.targets = input.userIds.map((id) => target(userIdentity(id)));
      if (input.subject) body.subject = input.subject;
      break;
  }
  if (input.applicationInstanceId) {
    // PSTN calls (and phone numbers invited later) come from an application instance that owns a number
    const displayName = input.kind === "phone" ? input.applicationInstanceDisplayName : undefined;
    body.source = {
      "@odata.type": "#microsoft.graph.participantInfo",
      identity: {
        applicationInstance: { id: input.applicationInstanceId, ...(displayName ? { displayName } : {}) },
      } satisfies CommunicationsIdentitySet,
    } as ParticipantInfo;
  }
  return body;
}

/**
 * Places a call. Retried only when throttled (429: Graph did nothing). A 5xx, a lost connection or a timeout
 * may come after the call was placed, so those are not retried here: the caller must not place it again
 * blindly (the phone would ring twice); a call that exists all the same shows up in notifications, and one
 * nobody records is hung up by the drain. `isOutcomeUnknown` tells these failures apart.
 */
export async function createCall(client: GraphClient, input: CreateCallInput): Promise<GraphCall> {
  const response = await client.request("POST", CALLS, createCallBody(input), { retryOn: "throttling" });
  return parse(callSchema, response.body, "call") as GraphCall;
}

/** A failed request that Graph may have carried out all the same: no answer (timeout, network) or a 5xx. */
export function isOutcomeUnknown(error: unknown): boolean {
  // anything else (an application token that could not be had, say) failed before the request was sent
  if (!isGraphError(error)) return false;
  // a success whose body could not be read counts too: the call exists
  return error.status === 0 || error.status >= 500 || error.code === "invalidResponse";
}

export async function getCall(client: GraphClient, callId: string): Promise<GraphCall> {
  return parse(callSchema, (await client.request("GET", callPath(callId))).body, "call") as GraphCall;
}

/** DELETE the call: for group calls and meetings only the bot's leg leaves. */
export async function hangUp(client: GraphClient, callId: string): Promise<void> {
  await client.request("DELETE", callPath(callId));
}

// --- incoming calls (within 15 s of the incoming notification) -------------------------------------

export async function answer(
  client: GraphClient,
  callId: string,
  options: { callbackUri?: string; modalities?: Modality[]; preFetchMedia?: MediaInfo[] } = {},
): Promise<void> {
  await client.request("POST", `${callPath(callId)}/answer`, {
    acceptedModalities: options.modalities ?? ["audio"],
    mediaConfig: serviceHostedMedia(options.preFetchMedia),
    ...(options.callbackUri ? { callbackUri: options.callbackUri } : {}),
  });
}

export async function reject(
  client: GraphClient,
  callId: string,
  options: { reason?: RejectReason; callbackUri?: string } = {},
): Promise<void> {
  await client.request("POST", `${callPath(callId)}/reject`, {
    reason: options.reason ?? "none",
    ...(options.callbackUri ? { callbackUri: options.callbackUri } : {}),
  });
}

export async function redirect(
  client: GraphClient,
  callId: string,
  options: { targets: InvitationParticipantInfo[]; timeoutSeconds?: number; callbackUri?: string },
): Promise<void> {
  if (options.targets.length < 1 || options.targets.length > 25) throw new RangeError("redirect to 1–25 targets");
  if (options.timeoutSeconds !== undefined && (options.timeoutSeconds < 15 || options.timeoutSeconds > 90))
    throw new RangeError("redirect timeout is 15–90 seconds");
  await client.request("POST", `${callPath(callId)}/redirect`, {
    targets: options.targets,
    ...(options.timeoutSeconds !== undefined ? { timeout: options.timeoutSeconds } : {}),
    ...(options.callbackUri ? { callbackUri: options.callbackUri } : {}),
  });
}

// --- call control -----------------------------------------------------------------------------------

/** transfer declares transferTarget and transferee only (Graph's schema): no clientContext, whatever two doc examples send. */
export async function transfer(
  client: GraphClient,
  callId: string,
  options: { transferTarget: InvitationParticipantInfo; transferee?: ParticipantInfo },
): Promise<void> {
  const body: Record<string, unknown> = { transferTarget: options.transferTarget };
  if (options.transferee) body.transferee = options.transferee;
  await client.request("POST", `${callPath(callId)}/transfer`, body);
}

/** At least every 45 minutes (we send every 15) or the platform ends the call; 404 = the call is gone. */
export async function keepAlive(client: GraphClient, callId: string): Promise<void> {
  await client.request("POST", `${callPath(callId)}/keepAlive`);
}

export async function listParticipants(client: GraphClient, callId: string): Promise<GraphParticipant[]> {
  const response = await client.request("GET", `${callPath(callId)}/participants`);
  return parse(participantListSchema, response.body, "participant list").value;
}

export async function invite(
  client: GraphClient,
  callId: string,
  options: { participants: InvitationParticipantInfo[]; clientContext?: string },
): Promise<CommsOperationResult> {
  if (options.participants.length < 1 || options.participants.length > 5)
    throw new RangeError("invite 1–5 participants at a time");
  checkClientContext(options.clientContext);
  const response = await client.request("POST", `${callPath(callId)}/participants/invite`, {
    participants: options.participants,
    ...(options.clientContext !== undefined ? { clientContext: options.clientContext } : {}),
  });
  return parse(operationSchema, response.body, "invite operation");
}

export async function muteParticipant(
  client: GraphClient,
  callId: string,
  participantId: string,
  options: { clientContext?: string } = {},
): Promise<CommsOperationResult> {
  checkClientContext(options.clientContext);
  const response = await client.request("POST", `${participantPath(callId, participantId)}/mute`, {
    ...(options.clientContext !== undefined ? { clientContext: options.clientContext } : {}),
  });
  return parse(operationSchema, response.body, "mute operation");
}

export async function removeParticipant(client: GraphClient, callId: string, participantId: string): Promise<void> {
  await client.request("DELETE", participantPath(callId, participantId));
}
