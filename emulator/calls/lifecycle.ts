import { EventEmitter } from "node:events";
import { notFound } from "../http/context";
import type { CallRecord, Conference, Member, ResultInfo } from "./model";
import { newId, type EngineState, type NewCallInput } from "./state";
import { addMember, conferenceOf } from "./conversations";
import { startScript, ringTarget } from "./far-end";
import { botIdentity } from "./identities";
import { normaliseId } from "./ids";
import { cancelMedia } from "./media-ops";
import { notifyCall, notifyCallGone } from "./notify";
import { notifyRoster, notifyRosterForConference } from "./participants";
import { ending, RESULTS } from "./serialize";
import { armKeepAlive, clearTimers, later, timer } from "./timers";

// A call's life: created, signalled to established (audio active after), terminated and tidied away.

export function activeCall(engine: EngineState, id: string): CallRecord {
  const call = engine.calls.get(id.toLowerCase()) ?? engine.calls.get(normaliseId(id));
  if (!call || call.state === "terminated") throw notFound(`Call '${id}' was not found or has already ended.`);
  return call;
}

export function activeCount(engine: EngineState, appId: string): number {
  return [...engine.calls.values()].filter((c) => c.appId === appId && c.state !== "terminated").length;
}

export function createCall(engine: EngineState, input: NewCallInput, conference: Conference): CallRecord {
  const id = newId();
  const call: CallRecord = {
    id,
    variant: engine.deps.variants.pick(),
    appId: input.appId,
    tenantId: input.tenantId ?? engine.deps.directory.tenantId,
    kind: input.kind,
    state: input.kind === "incoming" ? "incoming" : "establishing",
    direction: input.kind === "incoming" ? "incoming" : "outgoing",
    callbackUri: input.callbackUri,
    source: input.source ?? {
      "@odata.type": "#microsoft.graph.participantInfo",
      identity: { "@odata.type": "#microsoft.graph.identitySet", ...botIdentity(engine) },
      countryCode: null,
      endpointType: null,
      region: null,
      languageId: null,
    },
    targets: input.targets,
    requestedModalities: input.requestedModalities,
    mediaConfig: input.mediaConfig,
    subject: input.subject ?? null,
    chatInfo: input.chatInfo ?? null,
    meetingInfo: input.meetingInfo ?? null,
    callOptions: input.callOptions ?? null,
    myParticipantId: newId(),
    callChainId: newId(),
    resultInfo: null,
    mediaState: null,
    conferenceId: conference.id,
    createdAt: new Date().toISOString(),
    toneSubscribed: false,
    toneSequence: 0,
    promptOpsCompleted: 0,
    promptsBeforeAudio: 0,
    pendingSpeech: [],
    mediaQueue: [],
    mediaRunning: false,
    timers: new Set(),
    events: new EventEmitter(),
  };
  call.events.setMaxListeners(50);
  engine.calls.set(id, call);
  engine.conferences.set(conference.id, conference);
  armKeepAlive(engine, call);
  return call;
}

/** Outgoing P2P / group call: ring every target per its behaviour. */
export function startOutgoing(engine: EngineState, call: CallRecord): void {
  const conf = conferenceOf(engine, call);
  addBotLeg(engine, call, "connected");
  later(engine, call, () => notifyCall(engine, call, "updated", { state: "establishing", id: call.id }));
  for (const target of call.targets) {
    ringTarget(engine, call, target.identity as Record<string, unknown> | undefined, {
      onAnswer: (member) => {
        if (call.state === "establishing" || call.state === "ringing") {
          establish(engine, call);
          if (call.kind === "p2p") call.peerMemberId = member.id;
        }
        if (call.kind === "group") notifyRosterForConference(engine, conf);
      },
      onFail: (result) => {
        const others = [...conf.members.values()].some((m) => m.kind !== "bot" && m.state !== "left");
        if (!others && (call.state === "establishing" || call.state === "ringing"))
          terminate(engine, call, result, { silentTerminating: true });
        else if (!others && call.state === "established")
          terminate(engine, call, ending(call.variant, "allOthersLeft"), { silentTerminating: true });
      },
    });
  }
}

/** Joining a meeting: the bot is in as soon as signalling completes; the roster follows. */
export function startMeetingJoin(engine: EngineState, call: CallRecord): void {
  addBotLeg(engine, call, "connected");
  // Both updates echo chatInfo/meetingInfo for meeting joins (create-call example 5).
  const meeting = { chatInfo: call.chatInfo, meetingInfo: call.meetingInfo };
  signalUntilEstablished(engine, call, meeting, meeting, () => notifyRoster(engine, call));
}

/**
 * The bot's own leg in the call's conversation (its participant id is the call's myParticipantId): the
 * application, or — the `applicationInstance` form, in a call placed from a resource account — that instance.
 */
export function addBotLeg(engine: EngineState, call: CallRecord, state: Member["state"]): Member {
  const instance = (call.source.identity as { applicationInstance?: { id?: unknown } } | undefined)?.applicationInstance
    ?.id;
  const identity =
    call.variant.botIdentity === "applicationInstance" && typeof instance === "string"
      ? {
          applicationInstance: {
            "@odata.type": "#microsoft.graph.identity",
            id: instance,
            displayName: engine.deps.app.displayName,
          },
        }
      : botIdentity(engine);
  return addMember(engine, conferenceOf(engine, call), {
    id: call.myParticipantId,
    kind: "bot",
    endpointKey: `app:${call.appId}`,
    displayName: engine.deps.app.displayName,
    identity,
    state,
    callId: call.id,
  });
}

/**
 * Platform-driven signalling for calls that need nobody to pick up (meeting joins, answered incoming
 * calls): "establishing" after one signalling delay, "established" after two.
 */
export function signalUntilEstablished(
  engine: EngineState,
  call: CallRecord,
  establishingExtra: Record<string, unknown>,
  establishedExtra: Record<string, unknown>,
  afterEstablished?: () => void,
): void {
  later(engine, call, () =>
    notifyCall(engine, call, "updated", { state: "establishing", ...establishingExtra, id: call.id }),
  );
  later(
    engine,
    call,
    () => {
      establish(engine, call, establishedExtra);
      afterEstablished?.();
    },
    2,
  );
}

/**
 * `established`, then an update of its own with the audio mediaState active (the create-call sequence):
 * straight after it, or — the call's `mediaLater` form — mediaConnectDelayMs later (800 ms). Until then the far
 * end hears nothing: a prompt started before it is not heard (media-ops.ts).
 */
function establish(engine: EngineState, call: CallRecord, extra: Record<string, unknown> = {}): void {
  if (call.state === "terminated" || call.state === "terminating") return;
  call.state = "established";
  notifyCall(engine, call, "updated", { state: "established", direction: call.direction, ...extra, id: call.id });
  const audioActive = () => {
    call.mediaState = { audio: "active" };
    notifyCall(engine, call, "updated", {
      // the call may have moved on (a transfer) by the time its audio connects
      ...(call.state === "established" && { state: "established" }),
      mediaState: { "@odata.type": "#microsoft.graph.callMediaState", audio: "active" },
    });
    call.events.emit("progress");
  };
  if (call.variant.mediaLater) timer(engine, call, audioActive, engine.deps.limits.mediaConnectDelayMs);
  else audioActive();
  const conf = engine.conferences.get(call.conferenceId);
  for (const m of conf?.members.values() ?? []) {
    if (m.kind !== "bot" && m.state === "connected") startScript(engine, call, m);
  }
}

export function hangUp(engine: EngineState, call: CallRecord): void {
  terminate(engine, call, ending(call.variant, "endedByBot"));
}

export function terminate(
  engine: EngineState,
  call: CallRecord,
  result: ResultInfo,
  opts: { silentTerminating?: boolean } = {},
): void {
  if (call.state === "terminated" || call.state === "terminating") return;
  if (!opts.silentTerminating) {
    call.state = "terminating";
    notifyCall(engine, call, "updated", { state: "terminating" });
  }
  finish(engine, call, result);
  notifyCallGone(engine, call, {
    state: "terminated",
    resultInfo: { "@odata.type": "#microsoft.graph.resultInfo", ...result },
    ...(result === RESULTS.transferCompleted ? { terminationReason: "AppTransferred" } : {}),
  });
}

/** Marks the call terminated and tidies its conference; notifications are sent by the caller. */
export function finish(engine: EngineState, call: CallRecord, result: ResultInfo | null): void {
  call.state = "terminated";
  call.resultInfo = result;
  call.endedAt = new Date().toISOString();
  call.mediaState = { audio: "inactive" };
  cancelMedia(call);
  clearTimers(call);
  call.events.emit("progress");
  const conf = engine.conferences.get(call.conferenceId);
  if (!conf) return;
  const bot = conf.members.get(call.myParticipantId);
  if (bot) bot.state = "left";
  for (const id of [...engine.pendingRings.keys()])
    if (engine.pendingRings.get(id)?.call === call) engine.pendingRings.delete(id);
  if (conf.kind !== "meeting") {
    for (const m of conf.members.values()) {
      if (m.state !== "left") {
        m.state = "left";
        m.endReason ??= "callEnded";
      }
    }
  } else {
    notifyRosterForConference(engine, conf);
  }
  engine.deps.recordings.expireCall(call.id, engine.deps.limits.recordingRetentionMs);
}
