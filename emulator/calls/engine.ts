import type { Behaviour } from "../farend/behaviour";
import type { ReportAttendee } from "../graph/meetings";
import type { CallRecord, Conference, Member, MediaOp } from "./model";
import { newEngineState, type EngineDeps, type EngineState, type NewCallInput } from "./state";
import { addMember, meetingConference, newConference } from "./conversations";
import { behaviourFor, memberHangUp, pressKeys, resolveRing, say } from "./far-end";
import { redirect, transfer } from "./handoff";
import { identityForKey } from "./identities";
import { answer, placeIncomingCall, reject } from "./incoming";
import { activeCall, activeCount, createCall, hangUp, startMeetingJoin, startOutgoing } from "./lifecycle";
import { cancelMedia, enqueueMedia } from "./media-ops";
import { admit, guestJoin, leave, meetingAttendance } from "./meeting-guests";
import {
  invite,
  mute,
  notifyRosterForConference,
  participantOf,
  removeParticipant,
  replacedCall,
  roster,
} from "./participants";
import { startSharing, stopSharing } from "./sharing";
import { checkKeepAlives, clearTimers, keepAlive, keepAliveView } from "./timers";

export type { EngineDeps, NewCallInput } from "./state";

/**
 * The simulated Teams calling platform: call state machines, conferences, far-end endpoints and the
 * notifications they cause. HTTP handlers stay thin and call into this; the work is done by the modules of
 * this folder, functions over one shared EngineState:
 * lifecycle (create, establish, terminate), incoming (answer, reject), handoff (redirect, transfer),
 * participants (invite, mute, remove, roster updates), far-end (ringing, scripts, hang-ups), meeting-guests,
 * sharing, media-ops (prompts, recordings), notify (delivery and forms), timers (signalling steps, keepAlive).
 */
export class CallEngine {
  private readonly state: EngineState;

  constructor(readonly deps: EngineDeps) {
    this.state = newEngineState(deps);
    deps.clock.onAdvance(() => checkKeepAlives(this.state));
  }

  get calls(): Map<string, CallRecord> {
    return this.state.calls;
  }

  get conferences(): Map<string, Conference> {
    return this.state.conferences;
  }

  get behaviours(): Map<string, Behaviour> {
    return this.state.behaviours;
  }

  /** Base URL (https://<emulator>/_media/recordings) handed out as recordingLocation. */
  get recordingBaseUrl(): string {
    return this.state.recordingBaseUrl;
  }

  set recordingBaseUrl(url: string) {
    this.state.recordingBaseUrl = url;
  }

  reset(): void {
    for (const call of this.state.calls.values()) clearTimers(call);
    for (const t of this.state.globalTimers) clearTimeout(t);
    this.state.globalTimers.clear();
    this.state.calls.clear();
    this.state.conferences.clear();
    this.state.behaviours.clear();
  }

  // ---------------------------------------------------------------- lookup and identities

  activeCall(id: string): CallRecord {
    return activeCall(this.state, id);
  }

  activeCount(appId: string): number {
    return activeCount(this.state, appId);
  }

  behaviourFor(endpointKey: string): Behaviour {
    return behaviourFor(this.state, endpointKey);
  }

  identityForKey(endpointKey: string, displayName?: string) {
    return identityForKey(this.state, endpointKey, displayName);
  }

  // ---------------------------------------------------------------- calls and conversations

  createCall(input: NewCallInput, conference: Conference): CallRecord {
    return createCall(this.state, input, conference);
  }

  newConference(kind: Conference["kind"], extra: Partial<Conference> = {}): Conference {
    return newConference(this.state, kind, extra);
  }

  meetingConference(threadId: string, extra: Partial<Conference> = {}): Conference {
    return meetingConference(this.state, threadId, extra);
  }

  addMember(conf: Conference, member: Parameters<typeof addMember>[2]): Member {
    return addMember(this.state, conf, member);
  }

  startOutgoing(call: CallRecord): void {
    startOutgoing(this.state, call);
  }

  startMeetingJoin(call: CallRecord): void {
    startMeetingJoin(this.state, call);
  }

  hangUp(call: CallRecord): void {
    hangUp(this.state, call);
  }

  keepAlive(call: CallRecord): void {
    keepAlive(this.state, call);
  }

  keepAliveView(call: CallRecord) {
    return keepAliveView(this.state, call);
  }

  // ---------------------------------------------------------------- incoming calls and handing on

  placeIncomingCall(fromKey: string, displayName?: string, opts: { policyRecording?: boolean } = {}): CallRecord {
    return placeIncomingCall(this.state, fromKey, displayName, opts);
  }

  answer(call: CallRecord, input: Parameters<typeof answer>[2]): void {
    answer(this.state, call, input);
  }

  reject(call: CallRecord, reason: string, callbackUri?: string): void {
    reject(this.state, call, reason, callbackUri);
  }

  redirect(
    call: CallRecord,
    targets: Array<Record<string, unknown>>,
    opts: { timeoutSeconds: number; callbackUri?: string },
  ): void {
    redirect(this.state, call, targets, opts);
  }

  transfer(call: CallRecord, target: Record<string, unknown>, transferee?: Record<string, unknown>): void {
    transfer(this.state, call, target, transferee);
  }

  // ---------------------------------------------------------------- participants

  replacedCall(call: CallRecord, invitation: Record<string, unknown>): CallRecord {
    return replacedCall(this.state, call, invitation);
  }

  invite(
    call: CallRecord,
    op: { id: string; clientContext: string | null },
    participants: Array<Record<string, unknown>>,
    replaced?: CallRecord,
  ): void {
    invite(this.state, call, op, participants, replaced);
  }

  mute(call: CallRecord, participantId: string): void {
    mute(this.state, call, participantId);
  }

  removeParticipant(call: CallRecord, participantId: string): void {
    removeParticipant(this.state, call, participantId);
  }

  member(call: CallRecord, participantId: string): Member {
    return participantOf(this.state, call, participantId);
  }

  roster(call: CallRecord): Member[] {
    return roster(this.state, call);
  }

  notifyRosterForConference(conf: Conference): void {
    notifyRosterForConference(this.state, conf);
  }

  // ---------------------------------------------------------------- the far end

  resolveRing(memberId: string, outcome: Parameters<typeof resolveRing>[2]): boolean {
    return resolveRing(this.state, memberId, outcome);
  }

  pressKeys(member: Member, keys: string, intervalMs = 50): Promise<void> {
    return pressKeys(this.state, member, keys, intervalMs);
  }

  say(member: Member, text: string): void {
    say(this.state, member, text);
  }

  memberHangUp(member: Member): void {
    memberHangUp(this.state, member);
  }

  startSharing(member: Member): void {
    startSharing(this.state, member);
  }

  stopSharing(member: Member): void {
    stopSharing(this.state, member);
  }

  // ---------------------------------------------------------------- meetings: guests

  meetingAttendance(threadId: string): ReportAttendee[] {
    return meetingAttendance(this.state, threadId);
  }

  guestJoin(conf: Conference, name: string, lobbyBypass: boolean): Member {
    return guestJoin(this.state, conf, name, lobbyBypass);
  }

  admit(conf: Conference, memberId: string): Member {
    return admit(this.state, conf, memberId);
  }

  leave(conf: Conference, memberId: string): void {
    leave(this.state, conf, memberId);
  }

  // ---------------------------------------------------------------- media

  enqueueMedia(call: CallRecord, op: MediaOp): void {
    enqueueMedia(this.state, call, op);
  }

  cancelMedia(call: CallRecord): void {
    cancelMedia(call);
  }
}
