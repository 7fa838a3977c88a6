import type { EventEmitter } from "node:events";
import type { CommsNotification } from "../notifications/envelope";
import type { CallVariant } from "../variants";

type CallState =
  | "incoming"
  | "establishing"
  | "ringing"
  | "established"
  | "transferring"
  | "transferAccepted"
  | "redirecting"
  | "terminating"
  | "terminated";

export interface ResultInfo {
  "@odata.type"?: "#microsoft.graph.resultInfo";
  code: number;
  subcode: number;
  message: string;
}

export type IdentitySet = Record<string, unknown>;

/** Someone (or the bot) in a conversation. Far-end members are driven by endpoint behaviours or people. */
export interface Member {
  id: string;
  kind: "bot" | "user" | "phone" | "guest";
  /** "user:<oid>" / "phone:+E164" / "guest:<id>" — how the control API and phone page address it. */
  endpointKey: string;
  displayName: string;
  identity: IdentitySet;
  state: "ringing" | "lobby" | "connected" | "left";
  /** Incoming calls: the far-end caller is waiting for the bot. */
  calling?: boolean;
  muted: boolean;
  /** Bot members: the call that is this bot leg. */
  callId?: string;
  joinedAt: string;
  /** In a conversation the bot handed on (no bot call): how it got there. */
  handedOff?: "redirect" | "transfer";
  /** Why the member's leg ended (shown to the phone page). */
  endReason?: string;
  rosterSequence: number;
}

/** A conversation: P2P call, group call, or a meeting (shared by every bot call that joins it). */
export interface Conference {
  id: string;
  kind: "p2p" | "group" | "meeting";
  threadId?: string;
  meetingId?: string;
  organizerId?: string;
  members: Map<string, Member>;
  /** Someone is sharing content (screen) in this conversation. */
  sharing?: { sessionId: string; memberId: string };
}

export interface MediaOp {
  id: string;
  type: "playPrompt" | "recordResponse";
  odataType: string;
  clientContext: string | null;
  status: "notStarted" | "running" | "completed" | "failed";
  prompts: Array<{ uri: string; resourceId?: string }>;
  record?: {
    bargeInAllowed: boolean;
    initialSilenceMs: number;
    maxSilenceMs: number;
    maxDurationMs: number;
    playBeep: boolean;
    stopTones: string[];
  };
  abort: AbortController;
  /** started before the call's audio was active: the far end did not hear its prompts */
  beforeAudio?: boolean;
}

export interface CallRecord {
  id: string;
  /** Which of the documented forms this call's notifications take (emulator/variants.ts). */
  variant: CallVariant;
  appId: string;
  tenantId: string;
  kind: "p2p" | "group" | "meeting" | "incoming";
  state: CallState;
  direction: "incoming" | "outgoing";
  callbackUri: string;
  source: Record<string, unknown>;
  targets: Array<Record<string, unknown>>;
  requestedModalities: string[];
  mediaConfig: Record<string, unknown>;
  subject: string | null;
  chatInfo: Record<string, unknown> | null;
  meetingInfo: Record<string, unknown> | null;
  callOptions: Record<string, unknown> | null;
  /** how an incoming call reached the bot (the `routed` form of emulator/variants.ts) */
  callRoutes?: Array<Record<string, unknown>>;
  myParticipantId: string;
  callChainId: string;
  resultInfo: ResultInfo | null;
  mediaState: { audio: "active" | "inactive" } | null;
  conferenceId: string;
  createdAt: string;
  endedAt?: string;
  /** Who the call's last roster update listed, and in what state (participant id → state), for deltas and removals. */
  rosterSent?: Map<string, string>;
  /** sequenceNumber of the call's last deltaParticipants */
  rosterSequence?: number;
  /** the `unknownItem` form's extra item went out */
  unknownItemSent?: boolean;
  /** notifications of the `batched` form waiting for the end of the current turn */
  batch?: { url: string; items: CommsNotification[] };
  /** The last keepAlive (or the call's start), on the emulator's clock (ms). */
  lastKeepAliveAt?: number;
  toneSubscribed: boolean;
  toneSequence: number;
  /** playPrompt operations the far end heard to the end (what `afterPrompts` in a script counts) */
  promptOpsCompleted: number;
  /** playPrompt / recordResponse operations started before the call's audio was active: not heard */
  promptsBeforeAudio: number;
  /**
   * What the far end heard, in order: the text each prompt it played says, when its audio carries it (prompts
   * from this emulator's text-to-speech do); "" for audio that does not say. Absent until a prompt is heard.
   */
  heard?: string[];
  pendingSpeech: string[];
  mediaQueue: MediaOp[];
  mediaRunning: boolean;
  /** Far-end member of a P2P / incoming call. */
  peerMemberId?: string;
  timers: Set<NodeJS.Timeout>;
  events: EventEmitter;
  /** Incoming call that was redirected/rejected: where the caller went. */
  redirectedTo?: string[];
  redirectOutcome?: "ringing" | "answered" | "failed";
  /** Endpoint key of the redirect target that picked up. */
  redirectAnsweredBy?: string;
  terminationReason?: string;
  /** The last transfer the bot asked for: target endpoint, how the ring went, and the conversation it made. */
  transfer?: {
    target: string;
    consultative: boolean;
    outcome: "ringing" | "answered" | "failed";
    answeredBy?: string;
    /** The resultInfo the bot got back (500/7000, 500/7700). */
    result?: ResultInfo;
    /** Why the target's ring failed (603/0 declined, 486/0 busy, 408/10057 no answer, 480/10037 unknown). */
    ringResult?: ResultInfo;
    /** The transferee + target conversation after an answered transfer. */
    conferenceId?: string;
  };
}
