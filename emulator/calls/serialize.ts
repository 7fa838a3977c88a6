import type { CallVariant } from "../variants";
import type { CallRecord, Member, MediaOp, ResultInfo } from "./model";

export const GRAPH_V1 = "https://graph.microsoft.com/v1.0";

export function callUrl(callId: string): string {
  return `/communications/calls/${callId}`;
}

/** Full call resource as GET/POST return it (emulator/CONTRACT.md#create-call, emulator/CONTRACT.md#call-resource). */
export function callResource(call: CallRecord, context: "create" | "get"): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.call",
    "@odata.context":
      context === "create"
        ? `${GRAPH_V1}/$metadata#app/calls/$entity`
        : `${GRAPH_V1}/$metadata#communications/calls/$entity`,
    id: call.id,
    state: call.state,
    direction: call.direction,
    callbackUri: call.callbackUri,
    callChainId: call.callChainId,
    myParticipantId: call.myParticipantId,
    tenantId: call.tenantId,
    source: call.source,
    targets: call.targets,
    requestedModalities: call.requestedModalities,
    activeModalities: call.state === "established" ? call.requestedModalities : [],
    // an incoming call has none until it is answered
    mediaConfig: call.mediaConfig["@odata.type"] ? call.mediaConfig : null,
    subject: call.subject,
    chatInfo: call.chatInfo,
    meetingInfo: call.meetingInfo,
    callOptions: call.callOptions,
    callRoutes: call.callRoutes ?? [],
    routingPolicies: [],
    ringingTimeoutInSeconds: null,
    mediaState: call.mediaState,
    resultInfo: call.resultInfo,
    answeredBy: null,
    transcription: null,
    toneInfo: null,
    terminationReason: call.terminationReason ?? null,
    meetingCapability: null,
    incomingContext: null,
  };
}

export function participantResource(m: Member): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.participant",
    id: m.id,
    info: {
      "@odata.type": "#microsoft.graph.participantInfo",
      identity: { "@odata.type": "#microsoft.graph.identitySet", ...m.identity },
      endpointType: m.kind === "bot" ? null : "default",
      languageId: m.kind === "bot" ? null : "pt-BR",
      region: null,
      countryCode: null,
    },
    mediaStreams: [
      {
        "@odata.type": "#microsoft.graph.mediaStream",
        mediaType: "audio",
        sourceId: String((m.rosterSequence % 900) + 1),
        direction: "sendReceive",
        serverMuted: m.muted,
        label: null,
      },
    ],
    isMuted: m.muted,
    isInLobby: m.state === "lobby",
    metadata: null,
    recordingInfo: null,
    removedState: null,
    restrictedExperience: null,
    rosterSequenceNumber: m.rosterSequence,
  };
}

/** Someone who left (hung up, was removed, was moved on): listed once with why, in the next roster update. */
export function removedParticipantResource(id: string, m: Member | undefined): Record<string, unknown> {
  const reason = m?.endReason ?? "left";
  if (!m) return { "@odata.type": "#microsoft.graph.participant", id, removedState: { reason } };
  return { ...participantResource(m), removedState: { "@odata.type": "#microsoft.graph.removedState", reason } };
}

export function operationResource(
  callId: string,
  op: Pick<MediaOp, "id" | "odataType" | "status" | "clientContext">,
  extra: Record<string, unknown> = {},
  resultInfo: ResultInfo | null = null,
) {
  return {
    "@odata.type": op.odataType,
    "@odata.id": `${callUrl(callId)}/operations/${op.id}`,
    id: op.id,
    status: op.status,
    clientContext: op.clientContext,
    resultInfo: resultInfo ? { "@odata.type": "#microsoft.graph.resultInfo", ...resultInfo } : null,
    ...extra,
  };
}

export const RESULTS = {
  ok: { code: 200, subcode: 0, message: "Action completed successfully." },
  maxRecord: { code: 200, subcode: 8515, message: "Action completed, max record duration reached." },
  initialSilence: { code: 200, subcode: 8510, message: "Action completed, initial silence timeout reached." },
  stopTone: { code: 200, subcode: 8514, message: "Action completed, stop tone detected." },
  cancelled: { code: 400, subcode: 8508, message: "Action failed, the operation was cancelled." },
  mediaFetchFailed: {
    code: 400,
    subcode: 8519,
    message: "Action failed, the media file could not be downloaded or is not a valid WAV file.",
  },
  endedByBot: { code: 200, subcode: 7000, message: "The call was ended by the application." },
  remoteHangupP2P: { code: 200, subcode: 4521, message: "The call was ended by the other participant." },
  remoteHangupPstn: { code: 200, subcode: 540000, message: "The call was ended by the PSTN user." },
  allOthersLeft: { code: 200, subcode: 5002, message: "All other participants left the call." },
  keepAlive: { code: 408, subcode: 8537, message: "Keep Alive timeout." },
  notAcknowledged: { code: 408, subcode: 1106, message: "The call was not acknowledged in time." },
  noAnswer: { code: 408, subcode: 10057, message: "Call timed out: no answer from the callee endpoints." },
  noEndpoints: { code: 480, subcode: 10037, message: "No callee endpoints were found." },
  busy: { code: 486, subcode: 0, message: "The callee is busy." },
  declined: { code: 603, subcode: 0, message: "The callee declined the call." },
  transferCompleted: { code: 0, subcode: 7015, message: "GracefulTransferCompleted" },
  // the emulator's choice (the docs give no code): the other party was moved into another call of the bot
  replaced: { code: 200, subcode: 5000, message: "The call was replaced: its participant moved into another call." },
  transferFailed: { code: 500, subcode: 7000, message: "The transfer target did not accept the call." },
  consultativeTransferFailed: {
    code: 500,
    subcode: 7700,
    message: "The call to be replaced is not an established call of this application.",
  },
} satisfies Record<string, ResultInfo>;

/**
 * Endings for which the docs' table of result codes (emulator/CONTRACT.md#result-codes) gives more than one code,
 * the emulator's usual one first: a call's `endCode` form (emulator/variants.ts) picks which it gets.
 */
export const ENDINGS = {
  endedByBot: [
    RESULTS.endedByBot,
    { code: 200, subcode: 10550, message: "The call was ended by the application." },
    // the call-delete example's
    { code: 200, subcode: 5001, message: "The conversation has ended." },
  ],
  remoteHangupP2P: [
    RESULTS.remoteHangupP2P,
    { code: 200, subcode: 4097, message: "The call was ended by the other participant." },
    { code: 200, subcode: 18503, message: "The other participant left the call." },
  ],
  remoteHangupPstn: [
    RESULTS.remoteHangupPstn,
    { code: 200, subcode: 560000, message: "The call was ended by the PSTN user." },
  ],
  allOthersLeft: [
    RESULTS.allOthersLeft,
    { code: 200, subcode: 5010, message: "Only one participant was left in the call." },
    { code: 200, subcode: 5012, message: "No participants are left in the roster." },
  ],
} satisfies Record<string, ResultInfo[]>;

export function ending(variant: Pick<CallVariant, "endCode">, kind: keyof typeof ENDINGS): ResultInfo {
  const codes: ResultInfo[] = ENDINGS[kind];
  return codes[variant.endCode % codes.length]!;
}
