import crypto from "node:crypto";
import type { AttendanceRecord, MeetingAttendanceReport } from "@microsoft/microsoft-graph-types";
import type { Conference, Member } from "../calls/model";
import type { EmulatorClock } from "../clock";
import type { Directory } from "../directory";

/**
 * Meeting attendance reports (emulator/CONTRACT.md#attendance-reports), built from what happened in the
 * meeting's conversation. A session runs from the moment someone (a bot included) is connected until nobody
 * is; when it ends, one report is kept for it, as Teams makes one report per meeting session. A report lists
 * one record per person — a Teams user by object id, a phone by its number, each anonymous guest on its own —
 * with every interval they were connected (time in the lobby does not count: a guest's interval starts when
 * they were admitted). Bots are not listed. A session nobody but bots attended leaves no report.
 */

interface Interval {
  join: number;
  leave: number;
}

interface RecordDraft {
  id: string;
  emailAddress: string | null;
  role: "Organizer" | "Presenter" | "Attendee";
  identity: { id: string; displayName: string | null; tenantId: string | null };
  intervals: Interval[];
}

interface OpenSession {
  startedAt: number;
  /** "user:<oid>" / "phone:<number>" / "guest:<member id>" → the person's record */
  records: Map<string, RecordDraft>;
  /** member id → when their current interval began and the record it belongs to */
  connected: Map<string, { since: number; recordKey: string | null }>;
}

export interface FinishedReport {
  id: string;
  meetingStart: number;
  meetingEnd: number;
  records: RecordDraft[];
}

/**
 * The members of a meeting's conversation, watched: every member put in (joining, or moved in from another
 * call) and every change of their `state` is reported to the attendance log, whichever code path makes it.
 */
class WatchedMembers extends Map<string, Member> {
  constructor(
    private readonly onPut: (member: Member) => void,
    private readonly onRemove: (member: Member) => void,
  ) {
    super();
  }

  override set(id: string, member: Member): this {
    super.set(id, member);
    // Map's constructor calls set before the fields exist; this class is never built with entries
    this.onPut?.(member);
    return this;
  }

  override delete(id: string): boolean {
    const member = super.get(id);
    const removed = super.delete(id);
    if (member) this.onRemove(member);
    return removed;
  }
}

export class AttendanceLog {
  private readonly open = new Map<string, OpenSession>();
  private readonly finished = new Map<string, FinishedReport[]>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly directory: Directory,
    /** the organizer's object id of the meeting with this thread, when the meeting is known */
    private readonly organizerOf: (threadId: string) => string | undefined,
  ) {}

  /** Called by the call engine for every meeting conversation it creates. */
  track(conf: Conference): void {
    const threadId = conf.threadId;
    if (!threadId) return;
    conf.members = new WatchedMembers(
      (member) => {
        this.watchState(conf, threadId, member);
        if (member.state === "connected") this.joined(threadId, member);
      },
      (member) => {
        if (member.state === "connected") this.left(threadId, member);
      },
    );
  }

  /** The reports of the meeting's finished sessions, oldest first. */
  reportsOf(threadId: string): FinishedReport[] {
    return this.finished.get(threadId) ?? [];
  }

  reset(): void {
    this.open.clear();
    this.finished.clear();
  }

  private watchState(conf: Conference, threadId: string, member: Member): void {
    let state = member.state;
    Object.defineProperty(member, "state", {
      enumerable: true,
      configurable: true,
      get: () => state,
      set: (next: Member["state"]) => {
        const before = state;
        state = next;
        // a member moved out to another conversation no longer counts here
        if (before === next || conf.members.get(member.id) !== member) return;
        if (next === "connected") this.joined(threadId, member);
        else if (before === "connected") this.left(threadId, member);
      },
    });
  }

  private joined(threadId: string, member: Member): void {
    const now = this.clock.now();
    let session = this.open.get(threadId);
    if (!session) {
      session = { startedAt: now, records: new Map(), connected: new Map() };
      this.open.set(threadId, session);
    }
    if (session.connected.has(member.id)) return;
    const record = member.kind === "bot" ? undefined : this.recordFor(threadId, session, member);
    session.connected.set(member.id, { since: now, recordKey: record?.key ?? null });
  }

  private left(threadId: string, member: Member): void {
    const session = this.open.get(threadId);
    const current = session?.connected.get(member.id);
    if (!session || !current) return;
    const now = this.clock.now();
    session.connected.delete(member.id);
    if (current.recordKey) session.records.get(current.recordKey)?.intervals.push({ join: current.since, leave: now });
    if (session.connected.size > 0) return;
    // nobody is connected: the session ended and its report is made
    this.open.delete(threadId);
    const records = [...session.records.values()].filter((r) => r.intervals.length > 0);
    if (records.length === 0) return;
    const reports = this.finished.get(threadId) ?? [];
    reports.push({ id: crypto.randomUUID(), meetingStart: session.startedAt, meetingEnd: now, records });
    this.finished.set(threadId, reports);
  }

  /** The person's record in this session: the same Teams user or phone number keeps one record. */
  private recordFor(threadId: string, session: OpenSession, member: Member): { key: string; draft: RecordDraft } {
    const identity = member.identity as Record<string, { id?: string; displayName?: string | null } | undefined>;
    const key =
      member.kind === "user"
        ? `user:${identity.user?.id ?? member.id}`
        : member.kind === "phone"
          ? `phone:${identity.phone?.id ?? member.id}`
          : `guest:${member.id}`;
    const existing = session.records.get(key);
    if (existing) return { key, draft: existing };
    const userId = member.kind === "user" ? (identity.user?.id ?? "") : "";
    const user = userId ? this.directory.users.find((u) => u.id.toLowerCase() === userId.toLowerCase()) : undefined;
    const draft: RecordDraft = {
      id: crypto.randomUUID(),
      emailAddress: user?.userPrincipalName ?? null,
      role: !user ? "Attendee" : user.id === this.organizerOf(threadId) ? "Organizer" : "Presenter",
      identity: {
        // a phone participant is named by its number (the emulator's choice: the docs show Teams users only)
        id: member.kind === "phone" ? (identity.phone?.id ?? member.id) : (user?.id ?? member.id),
        displayName: member.displayName ?? null,
        tenantId: user ? this.directory.tenantId : null,
      },
      intervals: [],
    };
    session.records.set(key, draft);
    return { key, draft };
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** A report as Graph serializes meetingAttendanceReport (records only when asked for). */
export function reportResource(report: FinishedReport, withRecords: boolean): MeetingAttendanceReport {
  return {
    id: report.id,
    totalParticipantCount: report.records.length,
    meetingStartDateTime: new Date(report.meetingStart).toISOString(),
    meetingEndDateTime: new Date(report.meetingEnd).toISOString(),
    ...(withRecords ? { attendanceRecords: report.records.map(recordResource) } : {}),
  };
}

export function recordResource(record: RecordDraft): AttendanceRecord {
  const intervals = record.intervals.map((i) => ({
    joinDateTime: new Date(i.join).toISOString(),
    leaveDateTime: new Date(i.leave).toISOString(),
    durationInSeconds: seconds(i.leave - i.join),
  }));
  return {
    id: record.id,
    emailAddress: record.emailAddress,
    totalAttendanceInSeconds: intervals.reduce((sum, i) => sum + i.durationInSeconds, 0),
    role: record.role,
    identity: { ...record.identity } as AttendanceRecord["identity"],
    attendanceIntervals: intervals,
  };
}
