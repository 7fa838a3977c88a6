import { notFound } from "../http/context";
import type { ReportAttendee } from "../graph/meetings";
import type { Conference, Member } from "./model";
import { newId, type EngineState } from "./state";
import { addMember } from "./conversations";
import { memberHangUp } from "./far-end";
import { notifyRosterForConference } from "./participants";

// Guests in a meeting: they join (into the lobby unless it is bypassed), are admitted and leave; the attendee
// report lists everyone who was in the meeting's conversation.

/** Everyone (but bots) who was in a meeting's conversation, for its attendee report. */
export function meetingAttendance(engine: EngineState, threadId: string): ReportAttendee[] {
  const conf = [...engine.conferences.values()].find((c) => c.kind === "meeting" && c.threadId === threadId);
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

export function guestJoin(engine: EngineState, conf: Conference, name: string, lobbyBypass: boolean): Member {
  const guestId = newId();
  const member = addMember(engine, conf, {
    kind: "guest",
    endpointKey: `guest:${guestId}`,
    displayName: name,
    identity: { guest: { "@odata.type": "#microsoft.graph.identity", id: guestId, displayName: name } },
    state: lobbyBypass ? "connected" : "lobby",
  });
  notifyRosterForConference(engine, conf);
  return member;
}

export function admit(engine: EngineState, conf: Conference, memberId: string): Member {
  const member = conf.members.get(memberId);
  if (!member || member.state === "left") throw notFound(`Participant '${memberId}' is not in this meeting.`);
  if (member.state === "lobby") {
    member.state = "connected";
    notifyRosterForConference(engine, conf);
  }
  return member;
}

export function leave(engine: EngineState, conf: Conference, memberId: string): void {
  const member = conf.members.get(memberId);
  if (!member || member.state === "left") throw notFound(`Participant '${memberId}' is not in this meeting.`);
  // the bots' calls get their roster update from the hang-up itself
  memberHangUp(engine, member);
}
