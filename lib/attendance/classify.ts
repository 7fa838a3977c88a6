// Pure: who attended a visit, from Teams' attendance records, and what that makes of the appointment. No I/O,
// no clock: `now` is a parameter.

import "server-only";
import { E164 } from "@/lib/constants";

/** One person's attendance in one session's report (lib/graph/attendance.ts reads them). */
export interface AttendanceEntry {
  identityId: string | null;
  displayName: string | null;
  emailAddress: string | null;
  intervals: Array<{ join: Date; leave: Date }>;
}

export interface VisitPeople {
  /** the clinician's Entra object id */
  clinicianObjectId: string;
  /** every person of the clinic Consulta knows (Entra object ids and e-mails, lower case): staff are not the patient */
  staffObjectIds: ReadonlySet<string>;
  staffEmails: ReadonlySet<string>;
  /** the patient's phone in E.164, when known: a phone participant with another number is not the patient */
  patientPhone: string | null;
}

export type AttendanceDecisionValue = "HELD" | "PATIENT_ABSENT" | "CLINICIAN_ABSENT";

export interface AttendanceSummary {
  patientSeconds: number;
  clinicianSeconds: number;
  patientByPhone: boolean;
}

/** The patient is anyone in the meeting who is neither the clinic's people nor a phone that is not theirs. */
export function summarizeAttendance(entries: AttendanceEntry[], people: VisitPeople): AttendanceSummary {
  const clinician: Interval[] = [];
  const patient: Interval[] = [];
  let patientByPhone = false;
  for (const entry of entries) {
    const id = entry.identityId?.toLowerCase() ?? "";
    const intervals = entry.intervals.map((i) => [i.join.getTime(), i.leave.getTime()] as Interval);
    if (id && id === people.clinicianObjectId.toLowerCase()) {
      clinician.push(...intervals);
      continue;
    }
    if (id && people.staffObjectIds.has(id)) continue;
    if (entry.emailAddress && people.staffEmails.has(entry.emailAddress.toLowerCase())) continue;
    const phone = phoneOf(entry);
    if (phone) {
      if (people.patientPhone && phone !== people.patientPhone) continue;
      if (intervals.length > 0) patientByPhone = true;
    }
    patient.push(...intervals);
  }
  return { patientSeconds: unionSeconds(patient), clinicianSeconds: unionSeconds(clinician), patientByPhone };
}

/**
 * What the appointment becomes. Present means some time in the meeting: a second counts, since Teams reports
 * whole seconds and a patient who reached the room came.
 */
export function decideAttendance(summary: AttendanceSummary): AttendanceDecisionValue {
  if (summary.patientSeconds <= 0) return "PATIENT_ABSENT";
  if (summary.clinicianSeconds <= 0) return "CLINICIAN_ABSENT";
  return "HELD";
}

/**
 * When to act on a check, given what the reports said. Teams makes a report only after a session ended, so
 * until `finalAt` an absence may still be a session running late: only a held visit is closed at once; after
 * `finalAt`, an absent patient (no report at all included) is a no-show, and an absent clinician is left for staff.
 */
export function attendanceVerdict(
  decision: AttendanceDecisionValue,
  now: Date,
  finalAt: Date,
): { close: "COMPLETED" | "NO_SHOW" | null; final: boolean } {
  if (decision === "HELD") return { close: "COMPLETED", final: true };
  if (now < finalAt) return { close: null, final: false };
  return { close: decision === "PATIENT_ABSENT" ? "NO_SHOW" : null, final: true };
}

type Interval = [number, number];

function phoneOf(entry: AttendanceEntry): string | null {
  for (const candidate of [entry.identityId, entry.displayName]) {
    const compact = candidate?.replace(/[\s().-]/g, "") ?? "";
    if (E164.test(compact)) return compact;
  }
  return null;
}

/** Seconds covered by the intervals, overlaps counted once (someone on a laptop and a phone at the same time). */
export function unionSeconds(intervals: Interval[]): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let current: Interval | null = null;
  for (const [start, end] of sorted) {
    if (current && start <= current[1]) current[1] = Math.max(current[1], end);
    else {
      if (current) total += current[1] - current[0];
      current = [start, end];
    }
  }
  if (current) total += current[1] - current[0];
  return Math.round(total / 1000);
}
