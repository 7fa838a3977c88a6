import crypto from "node:crypto";
import { HttpError } from "../http/context";
import type { ChangeType } from "../notifications/envelope";
import type { Conference, Member } from "./model";
import type { EngineState } from "./state";
import { send } from "./notify";
import { callUrl } from "./serialize";

// Content sharing: a far-end member shares their screen in a conversation, and the bot legs that asked to hear
// about it get the contentsharingsessions notifications.

/**
 * A far-end member starts sharing (or takes over the share): `created`, or `updated` when a session was
 * already running, on the call's contentsharingsessions for every bot leg that enabled
 * `isContentSharingNotificationEnabled`.
 */
export function startSharing(engine: EngineState, member: Member): void {
  const conf = conferenceWith(engine, member);
  if (!conf || member.state !== "connected")
    throw new HttpError(400, "invalidRequest", `Leg is ${member.state}; only a connected leg can share content.`);
  const changeType = conf.sharing ? "updated" : "created";
  conf.sharing = {
    sessionId: conf.sharing?.sessionId ?? crypto.randomBytes(32).toString("hex").toUpperCase(),
    memberId: member.id,
  };
  notifySharing(engine, conf, changeType);
}

/** Ends the member's share (`deleted`); false when the member was not sharing. */
export function stopSharingOf(engine: EngineState, conf: Conference, member: Member): boolean {
  if (conf.sharing?.memberId !== member.id) return false;
  notifySharing(engine, conf, "deleted");
  conf.sharing = undefined;
  return true;
}

export function stopSharing(engine: EngineState, member: Member): void {
  const conf = conferenceWith(engine, member);
  if (!conf || !stopSharingOf(engine, conf, member))
    throw new HttpError(400, "invalidRequest", "Leg is not sharing content.");
}

/**
 * The docs show two shapes: calls the bot placed get the collection URL with an array of sessions
 * (create-call example); answered incoming calls get the session's own URL and no resourceData
 * (answer example). Each bot leg gets the shape of its own kind.
 */
function notifySharing(engine: EngineState, conf: Conference, changeType: ChangeType): void {
  const session = conf.sharing;
  if (!session) return;
  for (const m of conf.members.values()) {
    const call = m.kind === "bot" && m.state !== "left" ? engine.calls.get(m.callId ?? "") : undefined;
    if (call?.state !== "established" || call.callOptions?.isContentSharingNotificationEnabled !== true) continue;
    const sessions = `${callUrl(call.id)}/contentsharingsessions`;
    if (call.direction === "incoming") send(engine, call, changeType, `${sessions}/${session.sessionId}`, undefined);
    else
      send(engine, call, changeType, sessions, [
        { "@odata.type": "#microsoft.graph.contentSharingSession", id: session.sessionId },
      ]);
  }
}

function conferenceWith(engine: EngineState, member: Member): Conference | undefined {
  return [...engine.conferences.values()].find((c) => c.members.get(member.id) === member);
}
