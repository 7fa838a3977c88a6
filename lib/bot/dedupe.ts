// The dedupe key of a notification: the same event redelivered gets the same key, a different event a
// different one. Built from the call, the resource, the change and the fields that carry meaning —
// never from a tone's value (a hash of one key press is trivially reversible: that would be storing it).
import "server-only";
import crypto from "node:crypto";
import type { BotNotification } from "./schema";

function semanticFields(n: BotNotification): unknown[] {
  switch (n.kind) {
    case "call":
      return [n.state, n.resultInfo?.code ?? null, n.resultInfo?.subcode ?? null, n.toneSequenceId, n.mediaAudio];
    case "operation":
      return [n.status, n.resultInfo?.code ?? null, n.resultInfo?.subcode ?? null];
    case "roster": {
      const entries = n.participants
        .map((p) => [p.graphParticipantId, p.identityKind, p.identityId, p.isMuted, p.isInLobby])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      const sequence = Math.max(-1, ...n.participants.map((p) => p.rosterSequenceNumber ?? -1));
      return [
        sequence,
        crypto
          .createHash("sha256")
          .update(JSON.stringify([entries, n.removed]))
          .digest("hex"),
      ];
    }
    case "other":
      return [];
  }
}

export function dedupeKey(n: BotNotification): string {
  const material = JSON.stringify([n.graphCallId, n.resourceUrl, n.changeType, n.kind, ...semanticFields(n)]);
  return crypto.createHash("sha256").update(material).digest("hex");
}

// Rosters carry no event id, and the same list can come back (A → B → A: someone joins, then leaves).
// The platform delivers a call's notifications in order and retries one until it is acknowledged, so a
// redelivery is always a copy of the *latest* roster. Roster keys are therefore chained per call:
// "roster:<call>:<n>:<content>" — the same content as the latest roster reuses its key (a duplicate),
// anything else takes the next n.
const ROSTER_KEY = /^roster:([0-9a-z]+):(\d+):([0-9a-f]+)$/;

function rosterKey(graphCallId: string, index: number, contentKey: string): string {
  return `roster:${graphCallId}:${String(index).padStart(8, "0")}:${contentKey}`;
}

export function parseRosterKey(key: string): { index: number; contentKey: string } | null {
  const m = ROSTER_KEY.exec(key);
  return m ? { index: Number(m[2]), contentKey: m[3]! } : null;
}

/** The key for a roster given the latest recorded roster key of the call (or none). */
export function nextRosterKey(graphCallId: string, contentKey: string, latest: string | null): string {
  const last = latest ? parseRosterKey(latest) : null;
  if (last?.contentKey === contentKey) return latest!;
  return rosterKey(graphCallId, (last?.index ?? 0) + 1, contentKey);
}
