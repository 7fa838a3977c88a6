import crypto from "node:crypto";
import type { EmulatorLimits } from "../config";
import type { Directory } from "../directory";
import type { Behaviour } from "../farend/behaviour";
import type { MeetingStore } from "../graph/meetings";
import type { Notifier } from "../notifications/notifier";
import type { RecordingStore } from "../media/recordings";
import type { VariantPicker } from "../variants";
import type { EmulatorClock } from "../clock";
import type { CallRecord, Conference, Member, ResultInfo } from "./model";

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

/** A ringing endpoint's call and what happens when it answers or does not. */
interface PendingRing {
  call: CallRecord;
  onAnswer: (m: Member) => void;
  onFail: (r: ResultInfo) => void;
}

/**
 * Everything the simulated calling platform holds. The modules of this folder are functions over it; CallEngine
 * (engine.ts) owns one and is the door the HTTP handlers use.
 */
export interface EngineState {
  readonly deps: EngineDeps;
  readonly calls: Map<string, CallRecord>;
  readonly conferences: Map<string, Conference>;
  /** far-end behaviours by endpoint key, set through the control API */
  readonly behaviours: Map<string, Behaviour>;
  /** endpoints still ringing, by member id */
  readonly pendingRings: Map<string, PendingRing>;
  /** `<call id>:<member id>` of every far-end script started (each runs once) */
  readonly scriptsStarted: Set<string>;
  /** named timers by `<call id>:<name>`, so one can be cleared before it fires */
  readonly namedTimers: Map<string, NodeJS.Timeout>;
  /** timers that outlive their call (a notification sent after it ended) */
  readonly globalTimers: Set<NodeJS.Timeout>;
  /** the last member's rosterSequence and the last notification's etag number */
  readonly counters: { rosterSequence: number; etag: number };
  /** Base URL (https://<emulator>/_media/recordings) handed out as recordingLocation. */
  recordingBaseUrl: string;
}

export function newEngineState(deps: EngineDeps): EngineState {
  return {
    deps,
    calls: new Map(),
    conferences: new Map(),
    behaviours: new Map(),
    pendingRings: new Map(),
    scriptsStarted: new Set(),
    namedTimers: new Map(),
    globalTimers: new Set(),
    counters: { rosterSequence: 0, etag: 5000 },
    recordingBaseUrl: "",
  };
}

export const newId = () => crypto.randomUUID();
