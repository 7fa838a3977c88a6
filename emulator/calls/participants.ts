import { HttpError, notFound } from "../http/context";
import type { CallRecord, Conference, Member, ResultInfo } from "./model";
import type { EngineState } from "./state";
import { addMember, conferenceOf } from "./conversations";
import { ringTarget } from "./far-end";
import { keyForIdentity } from "./identities";
import { normaliseId } from "./ids";
import { hangUp, terminate } from "./lifecycle";
import { notifyOperation, send } from "./notify";
import { callUrl, operationResource, participantResource, removedParticipantResource, RESULTS } from "./serialize";
import { later } from "./timers";

// The participants of a call: invitations (ringing, or moving someone from a peer-to-peer call), mute, removal,
// and the roster updates that tell each bot leg who is there.

/**
 * The peer-to-peer call an invitation's `replacesCallId` names, checked as Graph's docs describe it
 * (invitationParticipantInfo: "the call which the target identity is currently a part of"): a live,
 * established one-to-one call of the same application, other than `call`, whose other party is the invited
 * identity. Anything else is refused with 400 before an operation exists.
 */
export function replacedCall(engine: EngineState, call: CallRecord, invitation: Record<string, unknown>): CallRecord {
  const replacesCallId = String(invitation.replacesCallId);
  const refuse = (why: string) => new HttpError(400, "invalidRequest", `replacesCallId '${replacesCallId}': ${why}`);
  const replaced = engine.calls.get(normaliseId(replacesCallId));
  if (!replaced || replaced.appId !== call.appId) throw refuse("no call of this application has this id.");
  if (replaced === call) throw refuse("a call cannot replace itself.");
  if (replaced.kind !== "p2p" && replaced.kind !== "incoming")
    throw refuse("only a peer-to-peer call can be replaced.");
  if (replaced.state !== "established")
    throw refuse(`the call is ${replaced.state}; only an established call can be replaced.`);
  const peer = replaced.peerMemberId ? conferenceOf(engine, replaced).members.get(replaced.peerMemberId) : undefined;
  const invited = keyForIdentity(invitation.identity as Record<string, unknown> | undefined);
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
function moveIntoCall(
  engine: EngineState,
  call: CallRecord,
  op: { id: string; clientContext: string | null },
  invitation: Record<string, unknown>,
  replaced: CallRecord,
): void {
  later(engine, call, () => {
    const peer = replaced.peerMemberId ? conferenceOf(engine, replaced).members.get(replaced.peerMemberId) : undefined;
    const resource = (status: "completed" | "failed", result: ResultInfo) =>
      operationResource(
        call.id,
        { ...op, odataType: "#microsoft.graph.inviteParticipantsOperation", status },
        { participants: [invitation] },
        result,
      );
    if (!peer || peer.state !== "connected" || replaced.state !== "established") {
      // the person hung up (or the call ended) between the request and the move
      notifyOperation(
        engine,
        call,
        op.id,
        resource("failed", { ...RESULTS.noEndpoints, message: "The call to replace ended." }),
      );
      return;
    }
    addMember(engine, conferenceOf(engine, call), {
      kind: peer.kind,
      endpointKey: peer.endpointKey,
      displayName: peer.displayName,
      identity: peer.identity,
      state: "connected",
    });
    peer.state = "left";
    peer.endReason = "movedToAnotherCall";
    notifyOperation(engine, call, op.id, resource("completed", RESULTS.ok));
    // every bot leg in the meeting hears who joined (the inviting one's roster follows its operation)
    notifyRosterForConference(engine, conferenceOf(engine, call));
    terminate(engine, replaced, RESULTS.replaced);
  });
}

export function invite(
  engine: EngineState,
  call: CallRecord,
  op: { id: string; clientContext: string | null },
  participants: Array<Record<string, unknown>>,
  replaced?: CallRecord,
): void {
  const conf = conferenceOf(engine, call);
  if (replaced) {
    if (conf.kind === "p2p") conf.kind = "group";
    moveIntoCall(engine, call, op, participants[0]!, replaced);
    return;
  }
  let pending = participants.length;
  let failed: ResultInfo | undefined;
  const done = () => {
    if (--pending > 0) return;
    const status = failed ? "failed" : "completed";
    notifyOperation(
      engine,
      call,
      op.id,
      operationResource(
        call.id,
        { ...op, odataType: "#microsoft.graph.inviteParticipantsOperation", status },
        { participants },
        failed ?? RESULTS.ok,
      ),
    );
    notifyRoster(engine, call);
  };
  for (const p of participants) {
    ringTarget(engine, call, p.identity as Record<string, unknown> | undefined, {
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
export function mute(engine: EngineState, call: CallRecord, participantId: string): void {
  if (conferenceOf(engine, call).kind === "p2p")
    throw new HttpError(400, "invalidRequest", "Muting a participant is only supported in group calls and meetings.");
  const member = participantOf(engine, call, participantId);
  member.muted = true;
  notifyRoster(engine, call);
}

export function removeParticipant(engine: EngineState, call: CallRecord, participantId: string): void {
  const member = participantOf(engine, call, participantId);
  if (member.id === call.myParticipantId) {
    hangUp(engine, call);
    return;
  }
  engine.pendingRings.delete(member.id);
  member.state = "left";
  member.endReason = "removed";
  notifyRoster(engine, call);
}

export function participantOf(engine: EngineState, call: CallRecord, participantId: string): Member {
  const members = conferenceOf(engine, call).members;
  // participant ids, like call ids, are accepted dashed or as 32 hex digits
  const member = members.get(participantId) ?? members.get(normaliseId(participantId));
  if (!member || member.state === "left")
    throw notFound(`Participant '${participantId}' was not found in call '${call.id}'.`);
  return member;
}

export function roster(engine: EngineState, call: CallRecord): Member[] {
  return [...conferenceOf(engine, call).members.values()].filter((m) => m.state === "connected" || m.state === "lobby");
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
export function notifyRoster(engine: EngineState, call: CallRecord): void {
  if (call.state !== "established") return;
  const conf = engine.conferences.get(call.conferenceId);
  if (!conf || conf.kind === "p2p") return;
  const sent = (call.rosterSent ??= new Map());
  const present = roster(engine, call);
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
  if (updated.length > 0) send(engine, call, "updated", url, body(updated));
  if (apart && departed.length > 0) send(engine, call, "deleted", url, body(departed));
}

export function notifyRosterForConference(engine: EngineState, conf: Conference): void {
  for (const m of conf.members.values()) {
    if (m.kind === "bot" && m.callId && m.state !== "left") {
      const call = engine.calls.get(m.callId);
      if (call) notifyRoster(engine, call);
    }
  }
}
