import crypto from "node:crypto";
import { EventEmitter } from "node:events";
import type { EmulatorLimits } from "../config";
import { findUser, type Directory } from "../directory";
import type { Behaviour } from "../farend/behaviour";
import { HttpError, notFound } from "../http/context";
import type { MeetingStore, ReportAttendee } from "../graph/meetings";
import { notification, type ChangeType, type CommsNotification } from "../notifications/envelope";
import type { Notifier } from "../notifications/notifier";
import type { RecordingStore } from "../media/recordings";
import type { VariantPicker } from "../variants";
import type { EmulatorClock } from "../clock";
import type { CallRecord, Conference, IdentitySet, MediaOp, Member, ResultInfo } from "./model";
import {
  callUrl,
  ending,
  operationResource,
  participantResource,
  removedParticipantResource,
  RESULTS,
} from "./serialize";
import { runMediaQueue } from "./media-ops";

export interface EngineDeps {
  directory: Directory;
  limits: EmulatorLimits;
  notifier: Notifier;
  meetings: MeetingStore;
  recordings: RecordingStore;
  app: { clientId: string; displayName: string };
  botCallbackUrl: () => string;
  log: (line: string) => void;
  variants: VariantPicker;
  /** the clock of the keepAlive timeout (tests move it forward) */
  clock: EmulatorClock;
  /** watches every meeting conversation for its attendance reports (emulator/meetings/attendance.ts) */
  attendance?: { track(conf: Conference): void };
}

export interface NewCallInput {
  appId: string;
  kind: CallRecord["kind"];
  callbackUri: string;
  source?: Record<string, unknown>;
  targets: Array<Record<string, unknown>>;
  requestedModalities: string[];
  mediaConfig: Record<string, unknown>;
  subject?: string | null;
  chatInfo?: Record<string, unknown> | null;
  meetingInfo?: Record<string, unknown> | null;
  callOptions?: Record<string, unknown> | null;
  tenantId?: string;
}

const newId = () => crypto.randomUUID();

/**
 * The simulated Teams calling platform: call state machines, conferences, far-end endpoints and the
 * notifications they cause. HTTP handlers stay thin and call into this.
 */
export class CallEngine {
  readonly calls = new Map<string, CallRecord>();
  readonly conferences = new Map<string, Conference>();
  readonly behaviours = new Map<string, Behaviour>();
  private rosterSeq = 0;
  private readonly globalTimers = new Set<NodeJS.Timeout>();

  /** Base URL (https://<emulator>/_media/recordings) handed out as recordingLocation. */
  recordingBaseUrl = "";
  private readonly scriptsStarted = new Set<string>();

  constructor(readonly deps: EngineDeps) {
    deps.clock.onAdvance(() => this.checkKeepAlives());
  }

  // ---------------------------------------------------------------- lookup

  activeCall(id: string): CallRecord {
    const call = this.calls.get(id.toLowerCase()) ?? this.calls.get(normaliseId(id));
    if (!call || call.state === "terminated") throw notFound(`Call '${id}' was not found or has already ended.`);
    return call;
  }

  activeCount(appId: string): number {
    return [...this.calls.values()].filter((c) => c.appId === appId && c.state !== "terminated").length;
  }

  conferenceOf(call: CallRecord): Conference {
    const conf = this.conferences.get(call.conferenceId);
    if (!conf) throw new HttpError(500, "generalException", "Conversation state is missing.");
    return conf;
  }

  behaviourFor(endpointKey: string): Behaviour {
    return this.behaviours.get(endpointKey) ?? { mode: "answer", script: [] };
  }

  reset(): void {
    for (const call of this.calls.values()) this.clearTimers(call);
    for (const t of this.globalTimers) clearTimeout(t);
    this.globalTimers.clear();
    this.calls.clear();
    this.conferences.clear();
    this.behaviours.clear();
  }

  // ---------------------------------------------------------------- identities

  identityForKey(
    endpointKey: string,
    displayName?: string,
  ): { kind: Member["kind"]; identity: IdentitySet; displayName: string } | undefined {
    const [type, value = ""] = splitKey(endpointKey);
    if (type === "user") {
      const user = findUser(this.deps.directory, value);
      if (!user) return undefined;
      return {
        kind: "user",
        displayName: user.displayName,
        identity: {
          user: {
            "@odata.type": "#microsoft.graph.identity",
            id: user.id,
            displayName: user.displayName,
            tenantId: this.deps.directory.tenantId,
            identityProvider: "AAD",
          },
        },
      };
    }
    if (type === "phone") {
      return {
        kind: "phone",
        displayName: displayName ?? value,
        identity: {
          phone: { "@odata.type": "#microsoft.graph.identity", id: value, displayName: displayName ?? null },
        },
      };
    }
    if (type === "guest") {
      return {
        kind: "guest",
        displayName: displayName ?? "Guest",
        identity: {
          guest: { "@odata.type": "#microsoft.graph.identity", id: value, displayName: displayName ?? "Guest" },
        },
      };
    }
    return undefined;
  }

  /** Endpoint key for an invitationParticipantInfo.identity, or undefined if it names nobody we know. */
  keyForIdentity(identity: Record<string, unknown> | undefined): string | undefined {
    const user = identity?.user as { id?: string } | undefined;
    const phone = identity?.phone as { id?: string } | undefined;
    if (user?.id) return `user:${user.id.toLowerCase()}`;
    if (phone?.id) return `phone:${phone.id}`;
    return undefined;
  }

  botIdentity(): IdentitySet {
    return {
      application: {
        "@odata.type": "#microsoft.graph.identity",
        id: this.deps.app.clientId,
        displayName: this.deps.app.displayName,
      },
    };
  }

  // ---------------------------------------------------------------- call creation

  createCall(input: NewCallInput, conference: Conference): CallRecord {
    const id = newId();
    const call: CallRecord = {
      id,
      variant: this.deps.variants.pick(),
      appId: input.appId,
      tenantId: input.tenantId ?? this.deps.directory.tenantId,
      kind: input.kind,
      state: input.kind === "incoming" ? "incoming" : "establishing",
      direction: input.kind === "incoming" ? "incoming" : "outgoing",
      callbackUri: input.callbackUri,
      source: input.source ?? {
        "@odata.type": "#microsoft.graph.participantInfo",
        identity: { "@odata.type": "#microsoft.graph.identitySet", ...this.botIdentity() },
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
    this.calls.set(id, call);
    this.conferences.set(conference.id, conference);
    this.armKeepAlive(call);
    return call;
  }

  newConference(kind: Conference["kind"], extra: Partial<Conference> = {}): Conference {
    const conf: Conference = { id: newId(), kind, members: new Map(), ...extra };
    if (kind === "meeting") this.deps.attendance?.track(conf);
    this.conferences.set(conf.id, conf);
    return conf;
  }

  /** Meeting conference by thread id, created on first use (meetings not made through this emulator work too). */
  meetingConference(threadId: string, extra: Partial<Conference> = {}): Conference {
    const existing = [...this.conferences.values()].find((c) => c.kind === "meeting" && c.threadId === threadId);
    if (existing) return existing;
    const meeting = this.deps.meetings.byThreadId(threadId);
    return this.newConference("meeting", {
      threadId,
      meetingId: meeting?.body.id,
      organizerId: meeting?.organizerId,
      ...extra,
    });
  }

  addMember(
    conf: Conference,
    m: Omit<Member, "id" | "joinedAt" | "rosterSequence" | "muted"> & { id?: string; muted?: boolean },
  ): Member {
    const member: Member = {
      muted: false,
      ...m,
      id: m.id ?? newId(),
      joinedAt: new Date().toISOString(),
      rosterSequence: ++this.rosterSeq,
    };
    conf.members.set(member.id, member);
    return member;
  }

  /** Outgoing P2P / group call: ring every target per its behaviour. */
  startOutgoing(call: CallRecord): void {
    const conf = this.conferenceOf(call);
    this.addBotLeg(call, "connected");
    this.later(call, () => this.notifyCall(call, "updated", { state: "establishing", id: call.id }));
    for (const target of call.targets) {
      this.ringTarget(call, target.identity as Record<string, unknown> | undefined, {
        onAnswer: (member) => {
          if (call.state === "establishing" || call.state === "ringing") {
            this.establish(call);
            if (call.kind === "p2p") call.peerMemberId = member.id;
          }
          if (call.kind === "group") this.notifyRosterForConference(conf);
        },
        onFail: (result) => {
          const others = [...conf.members.values()].some((m) => m.kind !== "bot" && m.state !== "left");
          if (!others && (call.state === "establishing" || call.state === "ringing"))
            this.terminate(call, result, { silentTerminating: true });
          else if (!others && call.state === "established")
            this.terminate(call, ending(call.variant, "allOthersLeft"), { silentTerminating: true });
        },
      });
    }
  }

  /** Joining a meeting: the bot is in as soon as signalling completes; the roster follows. */
  startMeetingJoin(call: CallRecord): void {
    this.addBotLeg(call, "connected");
    // Both updates echo chatInfo/meetingInfo for meeting joins (create-call example 5).
    const meeting = { chatInfo: call.chatInfo, meetingInfo: call.meetingInfo };
    this.signalUntilEstablished(call, meeting, meeting, () => this.notifyRoster(call));
  }

  /**
   * The bot's own leg in the call's conversation (its participant id is the call's myParticipantId): the
   * application, or — the `applicationInstance` form, in a call placed from a resource account — that instance.
   */
  private addBotLeg(call: CallRecord, state: Member["state"]): Member {
    const instance = (call.source.identity as { applicationInstance?: { id?: unknown } } | undefined)
      ?.applicationInstance?.id;
    const identity =
      call.variant.botIdentity === "applicationInstance" && typeof instance === "string"
        ? {
            applicationInstance: {
              "@odata.type": "#microsoft.graph.identity",
              id: instance,
              displayName: this.deps.app.displayName,
            },
          }
        : this.botIdentity();
    return this.addMember(this.conferenceOf(call), {
      id: call.myParticipantId,
      kind: "bot",
      endpointKey: `app:${call.appId}`,
      displayName: this.deps.app.displayName,
      identity,
      state,
      callId: call.id,
    });
  }

  /**
   * Platform-driven signalling for calls that need nobody to pick up (meeting joins, answered incoming
   * calls): "establishing" after one signalling delay, "established" after two.
   */
  private signalUntilEstablished(
    call: CallRecord,
    establishingExtra: Record<string, unknown>,
    establishedExtra: Record<string, unknown>,
    afterEstablished?: () => void,
  ): void {
    this.later(call, () =>
      this.notifyCall(call, "updated", { state: "establishing", ...establishingExtra, id: call.id }),
    );
    this.later(
      call,
      () => {
        this.establish(call, establishedExtra);
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
  private establish(call: CallRecord, extra: Record<string, unknown> = {}): void {
    if (call.state === "terminated" || call.state === "terminating") return;
    call.state = "established";
    this.notifyCall(call, "updated", { state: "established", direction: call.direction, ...extra, id: call.id });
    const audioActive = () => {
      call.mediaState = { audio: "active" };
      this.notifyCall(call, "updated", {
        // the call may have moved on (a transfer) by the time its audio connects
        ...(call.state === "established" && { state: "established" }),
        mediaState: { "@odata.type": "#microsoft.graph.callMediaState", audio: "active" },
      });
      call.events.emit("progress");
    };
    if (call.variant.mediaLater) this.timer(call, audioActive, this.deps.limits.mediaConnectDelayMs);
    else audioActive();
    const conf = this.conferences.get(call.conferenceId);
    for (const m of conf?.members.values() ?? []) {
      if (m.kind !== "bot" && m.state === "connected") this.startScript(call, m);
    }
  }

  // ---------------------------------------------------------------- far end

  /** Rings one endpoint for a call (outgoing target, invitee or transfer target). */
  ringTarget(
    call: CallRecord,
    identity: Record<string, unknown> | undefined,
    handlers: { onAnswer: (m: Member) => void; onFail: (r: ResultInfo, m?: Member) => void },
    ringTimeoutMs = this.deps.limits.noAnswerTimeoutMs,
  ): Member | undefined {
    const conf = this.conferenceOf(call);
    const key = this.keyForIdentity(identity);
    const who = key
      ? this.identityForKey(key, (identity?.phone as { displayName?: string } | undefined)?.displayName)
      : undefined;
    if (!key || !who) {
      this.later(call, () => handlers.onFail(RESULTS.noEndpoints), 3);
      return undefined;
    }
    const member = this.addMember(conf, {
      kind: who.kind,
      endpointKey: key,
      displayName: who.displayName,
      identity: who.identity,
      state: "ringing",
    });
    const behaviour = this.behaviourFor(key);
    const ringDelay = behaviour.ringDelayMs ?? this.deps.limits.defaultRingDelayMs;
    const ringing = { onAnswer: handlers.onAnswer, onFail: (r: ResultInfo) => handlers.onFail(r, member) };
    this.pendingRings.set(member.id, { call, ...ringing });
    const noAnswer = () => this.resolveRing(member.id, "noAnswer");
    switch (behaviour.mode) {
      case "answer":
        this.timer(call, () => this.resolveRing(member.id, "answer"), ringDelay);
        break;
      case "decline":
        this.timer(call, () => this.resolveRing(member.id, "decline"), ringDelay);
        break;
      case "busy":
        this.timer(call, () => this.resolveRing(member.id, "busy"), Math.min(ringDelay, 200));
        break;
      case "noAnswer":
      case "manual":
        this.timer(call, noAnswer, ringTimeoutMs);
        break;
    }
    return member;
  }

  private readonly pendingRings = new Map<
    string,
    { call: CallRecord; onAnswer: (m: Member) => void; onFail: (r: ResultInfo) => void }
  >();

  /** Outcome of a ringing endpoint: from its behaviour, a timeout, or a person on the phone page. */
  resolveRing(memberId: string, outcome: "answer" | "decline" | "busy" | "noAnswer"): boolean {
    const pending = this.pendingRings.get(memberId);
    if (!pending) return false;
    this.pendingRings.delete(memberId);
    const { call } = pending;
    const member = this.conferences.get(call.conferenceId)?.members.get(memberId);
    if (!member || member.state !== "ringing" || call.state === "terminated") return false;
    if (outcome === "answer") {
      member.state = "connected";
      pending.onAnswer(member);
      if (call.state === "established") this.startScript(call, member);
      return true;
    }
    member.state = "left";
    member.endReason = outcome;
    pending.onFail(outcome === "decline" ? RESULTS.declined : outcome === "busy" ? RESULTS.busy : RESULTS.noAnswer);
    return true;
  }

  /** Runs the endpoint's script (keys, speech, hang-up) once it is connected to an established call. */
  private startScript(call: CallRecord, member: Member): void {
    const flag = `${call.id}:${member.id}`;
    if (this.scriptsStarted.has(flag)) return;
    this.scriptsStarted.add(flag);
    const steps = this.behaviourFor(member.endpointKey).script;
    if (steps.length === 0) return;
    void (async () => {
      for (const step of steps) {
        if (step.afterPrompts !== undefined)
          await this.waitFor(call, () => call.promptOpsCompleted >= (step.afterPrompts ?? 0));
        if (step.delayMs) await this.sleep(call, step.delayMs);
        if (call.state === "terminated" || member.state !== "connected") return;
        if (step.type === "press") await this.pressKeys(member, step.keys, step.intervalMs ?? 50);
        else if (step.type === "say") this.say(member, step.text);
        else this.memberHangUp(member);
      }
    })();
  }

  private waitFor(call: CallRecord, cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (cond() || call.state === "terminated") {
          call.events.off("progress", check);
          resolve();
        }
      };
      call.events.on("progress", check);
      check();
    });
  }

  private sleep(call: CallRecord, ms: number): Promise<void> {
    return new Promise((resolve) => this.timer(call, resolve, ms));
  }

  /** Bot calls that hear a member: every established bot leg in the member's conference. */
  private listeners(member: Member): CallRecord[] {
    const conf = [...this.conferences.values()].find((c) => c.members.get(member.id) === member);
    if (!conf) return [];
    return [...conf.members.values()]
      .filter((m) => m.kind === "bot" && m.callId)
      .map((m) => this.calls.get(m.callId!))
      .filter((c): c is CallRecord => !!c && c.state === "established");
  }

  async pressKeys(member: Member, keys: string, intervalMs = 50): Promise<void> {
    for (const key of keys) {
      for (const call of this.listeners(member)) {
        call.events.emit("tone", key);
        if (call.toneSubscribed) {
          call.toneSequence++;
          this.notifyCall(call, "updated", {
            state: "established",
            toneInfo: {
              "@odata.type": "#microsoft.graph.toneInfo",
              sequenceId: call.toneSequence,
              tone: toneName(key),
            },
          });
        }
      }
      if (intervalMs) await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  say(member: Member, text: string): void {
    for (const call of this.listeners(member)) {
      call.pendingSpeech.push(text);
      call.events.emit("speech");
    }
  }

  /** Far end hangs up (or a guest leaves). */
  memberHangUp(member: Member): void {
    if (member.state === "left") return;
    if (this.pendingRings.has(member.id)) {
      this.resolveRing(member.id, "decline");
      return;
    }
    const conf = [...this.conferences.values()].find((c) => c.members.get(member.id) === member);
    member.state = "left";
    member.endReason = "hungUp";
    if (!conf) return;
    this.stopSharingOf(conf, member);
    if (conf.kind !== "meeting" && ![...conf.members.values()].some((m) => m.kind === "bot")) {
      // A conversation the bot handed on (redirect): when one side hangs up the other is left alone. A meeting
      // goes on for the others.
      for (const other of conf.members.values()) {
        if (other.state === "left") continue;
        other.state = "left";
        other.endReason = "otherPartyHungUp";
      }
      return;
    }
    const bots = [...conf.members.values()]
      .filter((m) => m.kind === "bot" && m.state !== "left")
      .map((m) => this.calls.get(m.callId ?? ""));
    for (const call of bots) {
      if (!call || call.state === "terminated") continue;
      if (call.state === "incoming") {
        this.terminate(
          call,
          { code: 200, subcode: 4097, message: "The caller hung up before the call was answered." },
          { silentTerminating: true },
        );
      } else if (call.kind === "p2p" || call.kind === "incoming") {
        this.terminate(call, ending(call.variant, member.kind === "phone" ? "remoteHangupPstn" : "remoteHangupP2P"), {
          silentTerminating: true,
        });
      } else if (
        conf.kind === "group" &&
        ![...conf.members.values()].some((m) => m.kind !== "bot" && m.state !== "left")
      ) {
        this.terminate(call, ending(call.variant, "allOthersLeft"), { silentTerminating: true });
      } else {
        this.notifyRoster(call);
      }
    }
  }

  // ---------------------------------------------------------------- incoming calls

  /**
   * A call to the bot: the clinic line dialled by `fromKey`, or (policyRecording) the bot invited as the
   * compliance recorder of a call `fromKey` makes — tokenMeetingInfo, incomingContext and
   * applicationMetadata.botData as in the answer doc's example 3, with its own (5 s) answer window.
   */
  placeIncomingCall(fromKey: string, displayName?: string, opts: { policyRecording?: boolean } = {}): CallRecord {
    const who = this.identityForKey(fromKey, displayName);
    if (!who) throw new HttpError(404, "itemNotFound", `Unknown caller '${fromKey}'.`);
    const conf = this.newConference("p2p");
    const clinic = this.deps.directory.clinicLine;
    const call = this.createCall(
      {
        appId: this.deps.app.clientId,
        kind: "incoming",
        callbackUri: this.deps.botCallbackUrl(),
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
              ...this.botIdentity(),
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
    const caller = this.addMember(conf, {
      kind: who.kind,
      endpointKey: fromKey,
      displayName: who.displayName,
      identity: who.identity,
      state: "connected",
      calling: true,
    });
    call.peerMemberId = caller.id;
    this.addBotLeg(call, "ringing");
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
          final: { "@odata.type": "#microsoft.graph.identitySet", ...this.botIdentity() },
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
    this.notifyCall(call, "created", minimal ? { id: call.id, state: "incoming" } : full);
    this.timer(
      call,
      () => {
        if (call.state === "incoming") this.terminate(call, RESULTS.notAcknowledged, { silentTerminating: true });
      },
      opts.policyRecording ? this.deps.limits.policyRecordingAnswerWindowMs : this.deps.limits.answerWindowMs,
      "answerWindow",
    );
    return call;
  }

  answer(
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
    this.clearTimer(call, "answerWindow");
    if (input.callbackUri) call.callbackUri = input.callbackUri;
    call.mediaConfig = input.mediaConfig;
    call.requestedModalities = input.acceptedModalities;
    call.callOptions = input.callOptions ?? null;
    call.state = "establishing";
    const bot = this.conferenceOf(call).members.get(call.myParticipantId);
    if (bot) bot.state = "connected";
    const caller = call.peerMemberId ? this.conferenceOf(call).members.get(call.peerMemberId) : undefined;
    if (caller) caller.calling = false;
    this.signalUntilEstablished(call, {}, {});
  }

  reject(call: CallRecord, reason: string, callbackUri?: string): void {
    if (call.state !== "incoming")
      throw new HttpError(400, "invalidRequest", `The call is ${call.state}; use DELETE to end an answered call.`);
    if (callbackUri) call.callbackUri = callbackUri;
    const caller = call.peerMemberId ? this.conferenceOf(call).members.get(call.peerMemberId) : undefined;
    if (caller) {
      caller.state = "left";
      caller.endReason = reason === "busy" ? "busy" : "rejected";
    }
    this.finish(call, null);
    this.later(call, () => this.notifyCallGone(call, {}), 1, true);
  }

  /**
   * Forwards an unanswered incoming call: every target rings at once (first to answer wins,
   * emulator/CONTRACT.md#redirect). The bot's call ends when the redirect resolves — `deleted terminated`, with
   * `answeredBy` for phone targets as in the PSTN example — and the caller carries on with whoever answered,
   * without the bot.
   */
  redirect(
    call: CallRecord,
    targets: Array<Record<string, unknown>>,
    opts: { timeoutSeconds: number; callbackUri?: string },
  ): void {
    if (call.state !== "incoming")
      throw new HttpError(400, "invalidRequest", `The call is ${call.state}; only incoming calls can be redirected.`);
    this.clearTimer(call, "answerWindow");
    if (opts.callbackUri) call.callbackUri = opts.callbackUri;
    call.state = "redirecting";
    call.redirectedTo = targets.map((t) => this.keyForIdentity(t.identity as Record<string, unknown>) ?? "unknown");
    call.redirectOutcome = "ringing";
    const conf = this.conferenceOf(call);
    const caller = call.peerMemberId ? conf.members.get(call.peerMemberId) : undefined;
    const ringing: Member[] = [];
    let pending = targets.length;
    let lastFailure: ResultInfo = RESULTS.noEndpoints;
    const ringTimeoutMs = Math.min(opts.timeoutSeconds * 1000, this.deps.limits.noAnswerTimeoutMs);
    for (const target of targets) {
      const member = this.ringTarget(
        call,
        target.identity as Record<string, unknown> | undefined,
        {
          onAnswer: (winner) => {
            for (const other of ringing) {
              if (other === winner || other.state !== "ringing") continue;
              this.pendingRings.delete(other.id);
              other.state = "left";
              other.endReason = "answeredElsewhere";
            }
            call.redirectOutcome = "answered";
            call.redirectAnsweredBy = winner.endpointKey;
            if (caller && caller.state !== "left") this.connectWithoutBot(conf, [caller, winner], "redirect");
            this.endRedirect(call, winner);
          },
          onFail: (result) => {
            lastFailure = result;
            if (--pending > 0 || call.state !== "redirecting") return;
            call.redirectOutcome = "failed";
            if (caller && caller.state !== "left") {
              caller.state = "left";
              caller.calling = false;
              caller.endReason = "redirectNotAnswered";
            }
            this.endRedirect(call, undefined, lastFailure);
          },
        },
        ringTimeoutMs,
      );
      if (member) ringing.push(member);
    }
  }

  private endRedirect(call: CallRecord, answeredBy: Member | undefined, failure?: ResultInfo): void {
    this.finish(call, failure ?? null);
    this.notifyCallGone(call, {
      state: "terminated",
      direction: call.direction,
      callbackUri: call.callbackUri,
      source: call.source,
      targets: call.targets,
      ...(answeredBy?.kind === "phone"
        ? {
            answeredBy: {
              "@odata.type": "#microsoft.graph.participantInfo",
              identity: {
                "@odata.type": "#microsoft.graph.identitySet",
                // The platform hides who picked up behind an opaque id.
                encrypted: {
                  "@odata.type": "#microsoft.graph.identity",
                  id: crypto.createHash("sha256").update(answeredBy.endpointKey).digest("hex").slice(0, 44),
                },
              },
              endpointType: "default",
            },
          }
        : {}),
      ...(failure ? { resultInfo: { "@odata.type": "#microsoft.graph.resultInfo", ...failure } } : {}),
      tenantId: call.tenantId,
      myParticipantId: call.myParticipantId,
      id: call.id,
    });
  }

  /**
   * Moves far-end members into a conversation of their own (no bot): they talk until one hangs up.
   * `via` tells the phone page how they got there (a redirect or a transfer).
   */
  private connectWithoutBot(
    from: Conference,
    members: Member[],
    via: NonNullable<Member["handedOff"]>,
    alsoFrom?: CallRecord,
  ): Conference {
    const conf = this.newConference("p2p");
    const other = alsoFrom ? this.conferences.get(alsoFrom.conferenceId) : undefined;
    for (const m of members) {
      from.members.delete(m.id);
      other?.members.delete(m.id);
      m.state = "connected";
      m.calling = false;
      m.handedOff = via;
      conf.members.set(m.id, m);
    }
    return conf;
  }

  /**
   * Transfer (emulator/CONTRACT.md#transfer): `transferring`, then `transferAccepted` once the transferee took the
   * request. A blind transfer then rings the target through its far-end behaviour (or a person on the
   * phone page); when it answers, the transferee and the target talk without the bot and the bot's call
   * ends with `deleted terminated` 0/7015. When it declines, is busy, does not answer or is unknown, the
   * call goes back to `established` with resultInfo 500/7000 (the docs' transfer-failed notification) and
   * the transferee is still with the bot. A consultative transfer (`replacesCallId`) rings nobody: the
   * target is on the bot's other call, which must be live (else 500/7700 with `replacesContext`).
   */
  transfer(call: CallRecord, target: Record<string, unknown>, transferee?: Record<string, unknown>): void {
    if (call.state !== "established")
      throw new HttpError(
        400,
        "invalidRequest",
        `The call is ${call.state}; only established calls can be transferred.`,
      );
    const replacesCallId = typeof target.replacesCallId === "string" ? target.replacesCallId : undefined;
    const key = this.keyForIdentity(target.identity as Record<string, unknown> | undefined);
    call.state = "transferring";
    call.transfer = { target: key ?? "unknown", outcome: "ringing", consultative: !!replacesCallId };
    this.later(call, () => this.notifyCall(call, "updated", { state: "transferring" }));
    this.later(
      call,
      () => {
        if (call.state !== "transferring") return;
        call.state = "transferAccepted";
        this.notifyCall(call, "updated", { state: "transferAccepted" });
        if (replacesCallId) this.consultativeTransfer(call, replacesCallId);
        else this.blindTransfer(call, target, transferee);
      },
      2,
    );
  }

  /** The member being moved: the named participant (group calls), else the far end of a P2P / incoming call. */
  private transfereeOf(call: CallRecord, transferee?: Record<string, unknown>): Member | undefined {
    const conf = this.conferenceOf(call);
    const named =
      typeof transferee?.participantId === "string" ? conf.members.get(transferee.participantId) : undefined;
    const member = named ?? (call.peerMemberId ? conf.members.get(call.peerMemberId) : undefined);
    return member && member.kind !== "bot" && member.state === "connected" ? member : undefined;
  }

  private blindTransfer(call: CallRecord, target: Record<string, unknown>, transferee?: Record<string, unknown>): void {
    const conf = this.conferenceOf(call);
    this.ringTarget(call, target.identity as Record<string, unknown> | undefined, {
      onAnswer: (winner) => {
        if (call.state !== "transferAccepted") return;
        const moving = this.transfereeOf(call, transferee);
        if (!moving) {
          // the transferee hung up while the target rang: nobody to hand over
          winner.state = "left";
          winner.endReason = "callEnded";
          return;
        }
        this.completeTransfer(call, conf, [moving, winner], winner.endpointKey);
      },
      onFail: (ring) => {
        if (call.state !== "transferAccepted") return;
        this.failTransfer(call, { ...RESULTS.transferFailed, message: `Transfer failed: ${ring.message}` }, ring);
      },
    });
  }

  private consultativeTransfer(call: CallRecord, replacesCallId: string): void {
    const replaced = this.calls.get(normaliseId(replacesCallId));
    this.later(call, () => {
      if (call.state !== "transferAccepted") return;
      if (replaced?.state !== "established" || replaced.appId !== call.appId) {
        this.failTransfer(call, RESULTS.consultativeTransferFailed, undefined, replacesCallId);
        return;
      }
      // the target is the far end of the call being replaced; it joins the transferee without the bot
      const targetMember = replaced.peerMemberId
        ? this.conferenceOf(replaced).members.get(replaced.peerMemberId)
        : undefined;
      const moving = this.transfereeOf(call);
      const legs = [moving, targetMember].filter((m): m is Member => !!m && m.state === "connected");
      this.completeTransfer(call, this.conferenceOf(call), legs, targetMember?.endpointKey, replaced);
    });
  }

  private completeTransfer(
    call: CallRecord,
    from: Conference,
    legs: Member[],
    answeredBy: string | undefined,
    replaced?: CallRecord,
  ): void {
    const moved = legs.length > 1 ? this.connectWithoutBot(from, legs, "transfer", replaced) : undefined;
    call.transfer = {
      ...call.transfer!,
      outcome: "answered",
      answeredBy,
      conferenceId: moved?.id,
    };
    this.terminate(call, RESULTS.transferCompleted, { silentTerminating: true });
    if (replaced) this.terminate(replaced, RESULTS.transferCompleted, { silentTerminating: true });
  }

  private failTransfer(call: CallRecord, failure: ResultInfo, ring?: ResultInfo, replacesCallId?: string): void {
    call.state = "established";
    call.resultInfo = failure;
    call.transfer = { ...call.transfer!, outcome: "failed", result: failure, ringResult: ring };
    this.notifyCall(call, "updated", {
      state: "established",
      resultInfo: { "@odata.type": "#microsoft.graph.resultInfo", ...failure },
      ...(replacesCallId ? { replacesContext: replacesCallId } : {}),
    });
  }

  hangUp(call: CallRecord): void {
    this.terminate(call, ending(call.variant, "endedByBot"));
  }

  keepAlive(call: CallRecord): void {
    this.armKeepAlive(call);
  }

  /**
   * A call that gets no keepAlive within the timeout (45 minutes) of the last one, or of its start, ends
   * with 408/8537. The deadline is on the emulator's clock, which tests can move forward.
   */
  private armKeepAlive(call: CallRecord): void {
    call.lastKeepAliveAt = this.deps.clock.now();
    this.scheduleKeepAliveCheck(call);
  }

  private keepAliveDeadline(call: CallRecord): number {
    return (call.lastKeepAliveAt ?? 0) + this.deps.limits.keepAliveTimeoutMs;
  }

  private scheduleKeepAliveCheck(call: CallRecord): void {
    this.clearTimer(call, "keepAlive");
    const due = this.keepAliveDeadline(call) - this.deps.clock.now();
    if (due <= 0) {
      this.terminate(call, RESULTS.keepAlive, { silentTerminating: true });
      return;
    }
    this.timer(call, () => this.scheduleKeepAliveCheck(call), due, "keepAlive");
  }

  /** After the clock moved: calls past their keepAlive deadline end, the others wait for the rest of it. */
  checkKeepAlives(): void {
    for (const call of this.calls.values()) if (call.state !== "terminated") this.scheduleKeepAliveCheck(call);
  }

  /** When the call's last keepAlive (or its start) was and when it ends without another, on the emulator's clock. */
  keepAliveView(call: CallRecord) {
    if (call.lastKeepAliveAt === undefined) return null;
    return {
      lastAt: new Date(call.lastKeepAliveAt).toISOString(),
      deadline: new Date(this.keepAliveDeadline(call)).toISOString(),
    };
  }

  // ---------------------------------------------------------------- participants

  /**
   * The peer-to-peer call an invitation's `replacesCallId` names, checked as Graph's docs describe it
   * (invitationParticipantInfo: "the call which the target identity is currently a part of"): a live,
   * established one-to-one call of the same application, other than `call`, whose other party is the invited
   * identity. Anything else is refused with 400 before an operation exists.
   */
  replacedCall(call: CallRecord, invitation: Record<string, unknown>): CallRecord {
    const replacesCallId = String(invitation.replacesCallId);
    const refuse = (why: string) => new HttpError(400, "invalidRequest", `replacesCallId '${replacesCallId}': ${why}`);
    const replaced = this.calls.get(normaliseId(replacesCallId));
    if (!replaced || replaced.appId !== call.appId) throw refuse("no call of this application has this id.");
    if (replaced === call) throw refuse("a call cannot replace itself.");
    if (replaced.kind !== "p2p" && replaced.kind !== "incoming")
      throw refuse("only a peer-to-peer call can be replaced.");
    if (replaced.state !== "established")
      throw refuse(`the call is ${replaced.state}; only an established call can be replaced.`);
    const peer = replaced.peerMemberId ? this.conferenceOf(replaced).members.get(replaced.peerMemberId) : undefined;
    const invited = this.keyForIdentity(invitation.identity as Record<string, unknown> | undefined);
    if (!peer || peer.state !== "connected" || peer.endpointKey !== invited)
      throw refuse("the invited identity is not the other party of that call.");
    return replaced;
  }

  /**
   * An invitation with `replacesCallId` (participant-invite example 3): nobody rings. The other party of the
   * peer-to-peer call is moved into `call`'s conversation as they are (a phone stays a phone participant, not
   * in the lobby); the operation completes, the roster names them, and then the peer-to-peer call ends —
   * `terminating`, then `deleted terminated` (the docs: "expect notifications on how your original
   * peer-to-peer call has been terminated and deleted").
   */
  private moveIntoCall(
    call: CallRecord,
    op: { id: string; clientContext: string | null },
    invitation: Record<string, unknown>,
    replaced: CallRecord,
  ): void {
    this.later(call, () => {
      const peer = replaced.peerMemberId ? this.conferenceOf(replaced).members.get(replaced.peerMemberId) : undefined;
      const resource = (status: "completed" | "failed", result: ResultInfo) =>
        operationResource(
          call.id,
          { ...op, odataType: "#microsoft.graph.inviteParticipantsOperation", status },
          { participants: [invitation] },
          result,
        );
      if (!peer || peer.state !== "connected" || replaced.state !== "established") {
        // the person hung up (or the call ended) between the request and the move
        this.notifyOperation(
          call,
          op.id,
          resource("failed", { ...RESULTS.noEndpoints, message: "The call to replace ended." }),
        );
        return;
      }
      this.addMember(this.conferenceOf(call), {
        kind: peer.kind,
        endpointKey: peer.endpointKey,
        displayName: peer.displayName,
        identity: peer.identity,
        state: "connected",
      });
      peer.state = "left";
      peer.endReason = "movedToAnotherCall";
      this.notifyOperation(call, op.id, resource("completed", RESULTS.ok));
      // every bot leg in the meeting hears who joined (the inviting one's roster follows its operation)
      this.notifyRosterForConference(this.conferenceOf(call));
      this.terminate(replaced, RESULTS.replaced);
    });
  }

  invite(
    call: CallRecord,
    op: { id: string; clientContext: string | null },
    participants: Array<Record<string, unknown>>,
    replaced?: CallRecord,
  ): void {
    const conf = this.conferenceOf(call);
    if (replaced) {
      if (conf.kind === "p2p") conf.kind = "group";
      this.moveIntoCall(call, op, participants[0]!, replaced);
      return;
    }
    let pending = participants.length;
    let failed: ResultInfo | undefined;
    const done = () => {
      if (--pending > 0) return;
      const status = failed ? "failed" : "completed";
      this.notifyOperation(
        call,
        op.id,
        operationResource(
          call.id,
          { ...op, odataType: "#microsoft.graph.inviteParticipantsOperation", status },
          { participants },
          failed ?? RESULTS.ok,
        ),
      );
      this.notifyRoster(call);
    };
    for (const p of participants) {
      this.ringTarget(call, p.identity as Record<string, unknown> | undefined, {
        onAnswer: () => done(),
        onFail: (r) => {
          failed = { code: r.code, subcode: r.subcode, message: r.message };
          done();
        },
      });
    }
    if (conf.kind === "p2p") conf.kind = "group";
  }

  /** Server-side mute: group calls and meetings only (a peer-to-peer call has nobody to mute for others). */
  mute(call: CallRecord, participantId: string): void {
    if (this.conferenceOf(call).kind === "p2p")
      throw new HttpError(400, "invalidRequest", "Muting a participant is only supported in group calls and meetings.");
    const member = this.member(call, participantId);
    member.muted = true;
    this.notifyRoster(call);
  }

  removeParticipant(call: CallRecord, participantId: string): void {
    const member = this.member(call, participantId);
    if (member.id === call.myParticipantId) {
      this.hangUp(call);
      return;
    }
    this.pendingRings.delete(member.id);
    member.state = "left";
    member.endReason = "removed";
    this.notifyRoster(call);
  }

  member(call: CallRecord, participantId: string): Member {
    const members = this.conferenceOf(call).members;
    // participant ids, like call ids, are accepted dashed or as 32 hex digits
    const member = members.get(participantId) ?? members.get(normaliseId(participantId));
    if (!member || member.state === "left")
      throw notFound(`Participant '${participantId}' was not found in call '${call.id}'.`);
    return member;
  }

  roster(call: CallRecord): Member[] {
    return [...this.conferenceOf(call).members.values()].filter((m) => m.state === "connected" || m.state === "lobby");
  }

  // ---------------------------------------------------------------- meetings: guests

  /** Everyone (but bots) who was in a meeting's conversation, for its attendee report. */
  meetingAttendance(threadId: string): ReportAttendee[] {
    const conf = [...this.conferences.values()].find((c) => c.kind === "meeting" && c.threadId === threadId);
    return [...(conf?.members.values() ?? [])]
      .filter((m) => m.kind !== "bot" && m.state !== "ringing")
      .map((m) => ({
        participantId: m.id,
        displayName: m.displayName,
        role: m.kind === "guest" ? "Attendee" : "Presenter",
        joinedAt: m.joinedAt,
        inMeeting: m.state !== "left",
      }));
  }

  guestJoin(conf: Conference, name: string, lobbyBypass: boolean): Member {
    const guestId = newId();
    const member = this.addMember(conf, {
      kind: "guest",
      endpointKey: `guest:${guestId}`,
      displayName: name,
      identity: { guest: { "@odata.type": "#microsoft.graph.identity", id: guestId, displayName: name } },
      state: lobbyBypass ? "connected" : "lobby",
    });
    this.notifyRosterForConference(conf);
    return member;
  }

  admit(conf: Conference, memberId: string): Member {
    const member = conf.members.get(memberId);
    if (!member || member.state === "left") throw notFound(`Participant '${memberId}' is not in this meeting.`);
    if (member.state === "lobby") {
      member.state = "connected";
      this.notifyRosterForConference(conf);
    }
    return member;
  }

  leave(conf: Conference, memberId: string): void {
    const member = conf.members.get(memberId);
    if (!member || member.state === "left") throw notFound(`Participant '${memberId}' is not in this meeting.`);
    // the bots' calls get their roster update from the hang-up itself
    this.memberHangUp(member);
  }

  // ---------------------------------------------------------------- content sharing

  /**
   * A far-end member starts sharing (or takes over the share): `created`, or `updated` when a session was
   * already running, on the call's contentsharingsessions for every bot leg that enabled
   * `isContentSharingNotificationEnabled`.
   */
  startSharing(member: Member): void {
    const conf = this.conferenceWith(member);
    if (!conf || member.state !== "connected")
      throw new HttpError(400, "invalidRequest", `Leg is ${member.state}; only a connected leg can share content.`);
    const changeType = conf.sharing ? "updated" : "created";
    conf.sharing = {
      sessionId: conf.sharing?.sessionId ?? crypto.randomBytes(32).toString("hex").toUpperCase(),
      memberId: member.id,
    };
    this.notifySharing(conf, changeType);
  }

  /** Ends the member's share (`deleted`); false when the member was not sharing. */
  stopSharingOf(conf: Conference, member: Member): boolean {
    if (conf.sharing?.memberId !== member.id) return false;
    this.notifySharing(conf, "deleted");
    conf.sharing = undefined;
    return true;
  }

  stopSharing(member: Member): void {
    const conf = this.conferenceWith(member);
    if (!conf || !this.stopSharingOf(conf, member))
      throw new HttpError(400, "invalidRequest", "Leg is not sharing content.");
  }

  /**
   * The docs show two shapes: calls the bot placed get the collection URL with an array of sessions
   * (create-call example); answered incoming calls get the session's own URL and no resourceData
   * (answer example). Each bot leg gets the shape of its own kind.
   */
  private notifySharing(conf: Conference, changeType: ChangeType): void {
    const session = conf.sharing;
    if (!session) return;
    for (const m of conf.members.values()) {
      const call = m.kind === "bot" && m.state !== "left" ? this.calls.get(m.callId ?? "") : undefined;
      if (call?.state !== "established" || call.callOptions?.isContentSharingNotificationEnabled !== true) continue;
      const sessions = `${callUrl(call.id)}/contentsharingsessions`;
      if (call.direction === "incoming") this.send(call, changeType, `${sessions}/${session.sessionId}`, undefined);
      else
        this.send(call, changeType, sessions, [
          { "@odata.type": "#microsoft.graph.contentSharingSession", id: session.sessionId },
        ]);
    }
  }

  private conferenceWith(member: Member): Conference | undefined {
    return [...this.conferences.values()].find((c) => c.members.get(member.id) === member);
  }

  // ---------------------------------------------------------------- media

  enqueueMedia(call: CallRecord, op: MediaOp): void {
    if (op.record?.bargeInAllowed) {
      // Barge-in jumps ahead: the running operation is cancelled and this one runs next.
      const running = call.mediaQueue.find((o) => o.status === "running");
      running?.abort.abort();
      const idx = running ? call.mediaQueue.indexOf(running) + 1 : 0;
      call.mediaQueue.splice(idx, 0, op);
    } else {
      call.mediaQueue.push(op);
    }
    void runMediaQueue(this, call);
  }

  cancelMedia(call: CallRecord): void {
    for (const op of call.mediaQueue) op.abort.abort();
  }

  // ---------------------------------------------------------------- termination

  terminate(call: CallRecord, result: ResultInfo, opts: { silentTerminating?: boolean } = {}): void {
    if (call.state === "terminated" || call.state === "terminating") return;
    if (!opts.silentTerminating) {
      call.state = "terminating";
      this.notifyCall(call, "updated", { state: "terminating" });
    }
    this.finish(call, result);
    this.notifyCallGone(call, {
      state: "terminated",
      resultInfo: { "@odata.type": "#microsoft.graph.resultInfo", ...result },
      ...(result === RESULTS.transferCompleted ? { terminationReason: "AppTransferred" } : {}),
    });
  }

  /** Marks the call terminated and tidies its conference; notifications are sent by the caller. */
  private finish(call: CallRecord, result: ResultInfo | null): void {
    call.state = "terminated";
    call.resultInfo = result;
    call.endedAt = new Date().toISOString();
    call.mediaState = { audio: "inactive" };
    this.cancelMedia(call);
    this.clearTimers(call);
    call.events.emit("progress");
    const conf = this.conferences.get(call.conferenceId);
    if (!conf) return;
    const bot = conf.members.get(call.myParticipantId);
    if (bot) bot.state = "left";
    for (const id of [...this.pendingRings.keys()])
      if (this.pendingRings.get(id)?.call === call) this.pendingRings.delete(id);
    if (conf.kind !== "meeting") {
      for (const m of conf.members.values()) {
        if (m.state !== "left") {
          m.state = "left";
          m.endReason ??= "callEnded";
        }
      }
    } else {
      this.notifyRosterForConference(conf);
    }
    this.deps.recordings.expireCall(call.id, this.deps.limits.recordingRetentionMs);
  }

  // ---------------------------------------------------------------- notifications

  send(
    call: CallRecord,
    changeType: ChangeType,
    resourceUrl: string,
    data: Record<string, unknown> | Array<Record<string, unknown>> | undefined,
    allowAfterEnd = false,
  ): void {
    if (call.state === "terminated" && !allowAfterEnd) return;
    const items = [this.item(call, changeType, resourceUrl, data)];
    // the `unknownItem` form: the POST saying the call is established also names something the bot does not know
    if (
      call.variant.unknownItem &&
      !call.unknownItemSent &&
      !Array.isArray(data) &&
      data?.state === "established" &&
      resourceUrl === callUrl(call.id)
    ) {
      call.unknownItemSent = true;
      const group = crypto.randomUUID();
      items.push(
        this.item(call, "created", `${callUrl(call.id)}/audioRoutingGroups/${group}`, {
          "@odata.type": "#microsoft.graph.audioRoutingGroup",
          id: group,
          routingMode: "oneToOne",
          sources: [call.myParticipantId],
          receivers: call.peerMemberId ? [call.peerMemberId] : [],
        }),
      );
    }
    if (!call.variant.batched) {
      this.deps.notifier.send(call.id, call.callbackUri, items);
      return;
    }
    // the `batched` form: what is raised for the call in this turn goes in one POST
    if (call.batch && call.batch.url === call.callbackUri) {
      call.batch.items.push(...items);
      return;
    }
    this.flushBatch(call);
    call.batch = { url: call.callbackUri, items };
    setImmediate(() => this.flushBatch(call));
  }

  private flushBatch(call: CallRecord): void {
    const batch = call.batch;
    call.batch = undefined;
    if (batch) this.deps.notifier.send(call.id, batch.url, batch.items);
  }

  /** One commsNotification of the call, its ids spelled as the call's `idSpelling` form says. */
  private item(
    call: CallRecord,
    changeType: ChangeType,
    resourceUrl: string,
    data: Record<string, unknown> | Array<Record<string, unknown>> | undefined,
  ): CommsNotification {
    let url = resourceUrl;
    let body = data;
    if (call.variant.idSpelling === "hex") {
      // as the playPrompt and record completion examples spell them: the ids in the URL (and the entity's
      // @odata.id) as 32 uppercase hex digits; an `id` inside resourceData keeps its dashes
      url = hexIds(resourceUrl);
      if (body && !Array.isArray(body) && typeof body["@odata.id"] === "string")
        body = { ...body, "@odata.id": hexIds(body["@odata.id"]) };
    }
    return notification(changeType, url, call.callbackUri, body);
  }

  notifyCall(call: CallRecord, changeType: ChangeType, data: Record<string, unknown>, allowAfterEnd = false): void {
    const head = { "@odata.type": "#microsoft.graph.call", "@odata.id": callUrl(call.id) };
    // Updates carry the entity's version like the docs' examples; the final `deleted` of a rejected call is bare.
    const version = changeType === "deleted" ? {} : { "@odata.etag": this.nextEtag() };
    this.send(call, changeType, callUrl(call.id), { ...head, ...version, ...data }, allowAfterEnd);
  }

  /** A result notification (`deleted` on …/operations/{id}) for a finished operation. */
  notifyOperation(call: CallRecord, opId: string, resource: Record<string, unknown>): void {
    this.send(call, "deleted", `${callUrl(call.id)}/operations/${opId}`, {
      ...resource,
      "@odata.etag": this.nextEtag(),
    });
  }

  private etagSeq = 5000;

  private nextEtag(): string {
    return `W/"${++this.etagSeq}"`;
  }

  /** The final `deleted` on the call (terminated, rejected, redirected) — sent after the call has ended. */
  private notifyCallGone(call: CallRecord, data: Record<string, unknown>): void {
    this.notifyCall(call, "deleted", data, true);
  }

  /**
   * A roster update — only for group calls and meetings. In the call's `full` form it lists everyone present
   * (the bot included) as an array, in its `delta` form only who joined or changed since the last update (as
   * the mute example, which lists the muted person alone), in its `deltaParticipants` form (or whenever the call
   * asked for it with callOptions.isDeltaRosterEnabled) only who changed, inside a deltaParticipants with a
   * growing sequenceNumber. Someone who left since then is listed once more with a `removedState` in that
   * update, or — the `deleted` departures form — in a `deleted` change of their own. With `idlessInvitees` an
   * invitee whose phone still rings is listed with `id: null`, as in the PSTN invite example.
   */
  notifyRoster(call: CallRecord): void {
    if (call.state !== "established") return;
    const conf = this.conferences.get(call.conferenceId);
    if (!conf || conf.kind === "p2p") return;
    const sent = (call.rosterSent ??= new Map());
    const present = this.roster(call);
    const stateOf = (m: Member) => JSON.stringify([m.state, m.muted]);
    const changed = present.filter((m) => sent.get(m.id) !== stateOf(m));
    const removed = [...sent.keys()].filter((id) => !present.some((m) => m.id === id));
    const wrapped = call.variant.roster === "deltaParticipants" || call.callOptions?.isDeltaRosterEnabled === true;
    const listed = call.variant.roster === "full" && !wrapped ? present : changed;
    const ringing = call.variant.idlessInvitees
      ? [...conf.members.values()].filter((m) => m.state === "ringing" && m.kind !== "bot")
      : [];
    for (const m of present) sent.set(m.id, stateOf(m));
    for (const id of removed) sent.delete(id);
    const departed = removed.map((id) => removedParticipantResource(id, conf.members.get(id)));
    const apart = call.variant.departures === "deleted";
    const updated = [
      ...listed.map(participantResource),
      ...(apart ? [] : departed),
      ...ringing.map((m) => ({ ...participantResource(m), id: null })),
    ];
    const body = (participants: Array<Record<string, unknown>>) =>
      wrapped
        ? {
            "@odata.type": "#microsoft.graph.deltaParticipants",
            sequenceNumber: (call.rosterSequence = (call.rosterSequence ?? 0) + 1),
            participants,
          }
        : participants;
    const url = `${callUrl(call.id)}/participants`;
    // a full roster goes out on every event (it always holds the bot); a delta only with news
    if (updated.length > 0) this.send(call, "updated", url, body(updated));
    if (apart && departed.length > 0) this.send(call, "deleted", url, body(departed));
  }

  notifyRosterForConference(conf: Conference): void {
    for (const m of conf.members.values()) {
      if (m.kind === "bot" && m.callId && m.state !== "left") {
        const call = this.calls.get(m.callId);
        if (call) this.notifyRoster(call);
      }
    }
  }

  // ---------------------------------------------------------------- timers

  /** Platform-driven step after n signalling delays. */
  later(call: CallRecord, fn: () => void, steps = 1, evenIfEnded = false): void {
    this.timer(
      call,
      () => {
        if (call.state === "terminated" && !evenIfEnded) return;
        fn();
      },
      this.deps.limits.signallingDelayMs * steps,
      undefined,
      evenIfEnded,
    );
  }

  timer(call: CallRecord, fn: () => void, ms: number, name?: string, survivesEnd = false): void {
    const t = setTimeout(() => {
      call.timers.delete(t);
      if (name) this.named.delete(`${call.id}:${name}`);
      fn();
    }, ms);
    if (survivesEnd) {
      this.globalTimers.add(t);
    } else {
      call.timers.add(t);
    }
    if (name) this.named.set(`${call.id}:${name}`, t);
  }

  private readonly named = new Map<string, NodeJS.Timeout>();

  private clearTimer(call: CallRecord, name: string): void {
    const t = this.named.get(`${call.id}:${name}`);
    if (t) {
      clearTimeout(t);
      call.timers.delete(t);
      this.named.delete(`${call.id}:${name}`);
    }
  }

  private clearTimers(call: CallRecord): void {
    for (const t of call.timers) clearTimeout(t);
    call.timers.clear();
  }
}

function splitKey(key: string): [string, string | undefined] {
  const i = key.indexOf(":");
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

/** Every dashed GUID in `text` as Graph's other spelling of it: 32 uppercase hex digits. */
export function hexIds(text: string): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (guid) =>
    guid.replace(/-/g, "").toUpperCase(),
  );
}

/** Graph shows the same id dashed-lowercase and as 32-char uppercase hex; accept both. */
export function normaliseId(id: string): string {
  const hex = id.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return id.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toneName(key: string): string {
  if (/^\d$/.test(key)) return `tone${key}`;
  if (key === "*") return "star";
  if (key === "#") return "pound";
  return key.toLowerCase();
}
