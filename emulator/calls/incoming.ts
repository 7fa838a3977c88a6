import crypto from "node:crypto";
import { HttpError } from "../http/context";
import type { CallRecord } from "./model";
import type { EngineState } from "./state";
import { addMember, conferenceOf, newConference } from "./conversations";
import { botIdentity, identityForKey } from "./identities";
import { addBotLeg, createCall, finish, signalUntilEstablished, terminate } from "./lifecycle";
import { notifyCall, notifyCallGone } from "./notify";
import { RESULTS } from "./serialize";
import { clearTimer, later, timer } from "./timers";

// Calls to the bot: the clinic line dialled (or the bot invited as compliance recorder), answered or rejected
// within the answer window.

/**
 * A call to the bot: the clinic line dialled by `fromKey`, or (policyRecording) the bot invited as the
 * compliance recorder of a call `fromKey` makes — tokenMeetingInfo, incomingContext and
 * applicationMetadata.botData as in the answer doc's example 3, with its own (5 s) answer window.
 */
export function placeIncomingCall(
  engine: EngineState,
  fromKey: string,
  displayName?: string,
  opts: { policyRecording?: boolean } = {},
): CallRecord {
  const who = identityForKey(engine, fromKey, displayName);
  if (!who) throw new HttpError(404, "itemNotFound", `Unknown caller '${fromKey}'.`);
  const conf = newConference(engine, "p2p");
  const clinic = engine.deps.directory.clinicLine;
  const call = createCall(
    engine,
    {
      appId: engine.deps.app.clientId,
      kind: "incoming",
      callbackUri: engine.deps.botCallbackUrl(),
      source: {
        "@odata.type": "#microsoft.graph.participantInfo",
        identity: { "@odata.type": "#microsoft.graph.identitySet", ...who.identity },
        endpointType: "default",
        region: "amer",
        languageId: "pt-BR",
      },
      targets: [
        {
          "@odata.type": "#microsoft.graph.invitationParticipantInfo",
          identity: {
            "@odata.type": "#microsoft.graph.identitySet",
            ...botIdentity(engine),
            ...(who.kind === "phone"
              ? {
                  phone: {
                    "@odata.type": "#microsoft.graph.identity",
                    id: clinic.phone,
                    displayName: clinic.displayName,
                  },
                }
              : {}),
          },
        },
      ],
      requestedModalities: ["audio"],
      mediaConfig: {},
    },
    conf,
  );
  const caller = addMember(engine, conf, {
    kind: who.kind,
    endpointKey: fromKey,
    displayName: who.displayName,
    identity: who.identity,
    state: "connected",
    calling: true,
  });
  call.peerMemberId = caller.id;
  addBotLeg(engine, call, "ringing");
  if (opts.policyRecording) {
    call.meetingInfo = {
      "@odata.type": "#microsoft.graph.tokenMeetingInfo",
      token: crypto.randomBytes(24).toString("base64url"),
    };
  }
  // how the call reached the bot: the caller dialled the clinic's number, which forwards to the bot
  if (call.variant.incoming === "routed" && !opts.policyRecording)
    call.callRoutes = [
      {
        "@odata.type": "#microsoft.graph.callRoute",
        routingType: "forwarded",
        original: {
          "@odata.type": "#microsoft.graph.identitySet",
          phone: { "@odata.type": "#microsoft.graph.identity", id: clinic.phone, displayName: clinic.displayName },
        },
        final: { "@odata.type": "#microsoft.graph.identitySet", ...botIdentity(engine) },
      },
    ];
  const full = {
    state: "incoming",
    direction: "incoming",
    callbackUri: call.callbackUri,
    source: call.source,
    targets: call.targets,
    requestedModalities: call.requestedModalities,
    ...(call.callRoutes && { callRoutes: call.callRoutes }),
    tenantId: call.tenantId,
    myParticipantId: call.myParticipantId,
    callChainId: call.callChainId,
    id: call.id,
    ...(opts.policyRecording
      ? {
          meetingInfo: call.meetingInfo,
          incomingContext: {
            "@odata.type": "#microsoft.graph.incomingContext",
            sourceParticipantId: caller.id,
            observedParticipantId: caller.id,
          },
          applicationMetadata: {
            botData: {
              inviteReasons: ["PolicyBasedRecording"],
              policyIdentifier: "Consulta compliance recording",
              user: { participationMethod: "caller" },
            },
          },
        }
      : {}),
  };
  // the `minimal` form: only the id and the state; the rest is read with GET
  const minimal = call.variant.incoming === "minimal" && !opts.policyRecording;
  notifyCall(engine, call, "created", minimal ? { id: call.id, state: "incoming" } : full);
  timer(
    engine,
    call,
    () => {
      if (call.state === "incoming") terminate(engine, call, RESULTS.notAcknowledged, { silentTerminating: true });
    },
    opts.policyRecording ? engine.deps.limits.policyRecordingAnswerWindowMs : engine.deps.limits.answerWindowMs,
    "answerWindow",
  );
  return call;
}

export function answer(
  engine: EngineState,
  call: CallRecord,
  input: {
    callbackUri?: string;
    acceptedModalities: string[];
    mediaConfig: Record<string, unknown>;
    callOptions?: Record<string, unknown>;
  },
): void {
  if (call.state !== "incoming")
    throw new HttpError(400, "invalidRequest", `The call is ${call.state}; only incoming calls can be answered.`);
  clearTimer(engine, call, "answerWindow");
  if (input.callbackUri) call.callbackUri = input.callbackUri;
  call.mediaConfig = input.mediaConfig;
  call.requestedModalities = input.acceptedModalities;
  call.callOptions = input.callOptions ?? null;
  call.state = "establishing";
  const bot = conferenceOf(engine, call).members.get(call.myParticipantId);
  if (bot) bot.state = "connected";
  const caller = call.peerMemberId ? conferenceOf(engine, call).members.get(call.peerMemberId) : undefined;
  if (caller) caller.calling = false;
  signalUntilEstablished(engine, call, {}, {});
}

export function reject(engine: EngineState, call: CallRecord, reason: string, callbackUri?: string): void {
  if (call.state !== "incoming")
    throw new HttpError(400, "invalidRequest", `The call is ${call.state}; use DELETE to end an answered call.`);
  if (callbackUri) call.callbackUri = callbackUri;
  const caller = call.peerMemberId ? conferenceOf(engine, call).members.get(call.peerMemberId) : undefined;
  if (caller) {
    caller.state = "left";
    caller.endReason = reason === "busy" ? "busy" : "rejected";
  }
  finish(engine, call, null);
  later(engine, call, () => notifyCallGone(engine, call, {}), 1, true);
}
