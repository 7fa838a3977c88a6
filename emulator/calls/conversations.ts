import { HttpError } from "../http/context";
import type { CallRecord, Conference, Member } from "./model";
import { newId, type EngineState } from "./state";

// Conversations (conferences): P2P calls, group calls and meetings, and the members in them.

export function conferenceOf(engine: EngineState, call: CallRecord): Conference {
  const conf = engine.conferences.get(call.conferenceId);
  if (!conf) throw new HttpError(500, "generalException", "Conversation state is missing.");
  return conf;
}

export function newConference(
  engine: EngineState,
  kind: Conference["kind"],
  extra: Partial<Conference> = {},
): Conference {
  const conf: Conference = { id: newId(), kind, members: new Map(), ...extra };
  if (kind === "meeting") engine.deps.attendance?.track(conf);
  engine.conferences.set(conf.id, conf);
  return conf;
}

/** Meeting conference by thread id, created on first use (meetings not made through this emulator work too). */
export function meetingConference(engine: EngineState, threadId: string, extra: Partial<Conference> = {}): Conference {
  const existing = [...engine.conferences.values()].find((c) => c.kind === "meeting" && c.threadId === threadId);
  if (existing) return existing;
  const meeting = engine.deps.meetings.byThreadId(threadId);
  return newConference(engine, "meeting", {
    threadId,
    meetingId: meeting?.body.id,
    organizerId: meeting?.organizerId,
    ...extra,
  });
}

export function addMember(
  engine: EngineState,
  conf: Conference,
  m: Omit<Member, "id" | "joinedAt" | "rosterSequence" | "muted"> & { id?: string; muted?: boolean },
): Member {
  const member: Member = {
    muted: false,
    ...m,
    id: m.id ?? newId(),
    joinedAt: new Date().toISOString(),
    rosterSequence: ++engine.counters.rosterSequence,
  };
  conf.members.set(member.id, member);
  return member;
}
