import { describe, expect, it } from "vitest";
import {
  attendanceVerdict,
  decideAttendance,
  summarizeAttendance,
  unionSeconds,
  type AttendanceEntry,
  type VisitPeople,
} from "./classify";

const CLINICIAN = "0A1C2E30-1111-4A00-8000-000000000001";
const STAFF = "0a1c2e30-2222-4a00-8000-000000000001";
const people: VisitPeople = {
  clinicianObjectId: CLINICIAN,
  staffObjectIds: new Set([CLINICIAN.toLowerCase(), STAFF]),
  staffEmails: new Set(["carla@aurora.example"]),
  patientPhone: "+5511987654321",
};
const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 13, minute));
const entry = (identityId: string | null, spans: Array<[number, number]>, extra: Partial<AttendanceEntry> = {}) => ({
  identityId,
  displayName: null,
  emailAddress: null,
  intervals: spans.map(([a, b]) => ({ join: at(a), leave: at(b) })),
  ...extra,
});

describe("attendance classification", () => {
  it("patient by link and clinician both present: held, with each side's minutes", () => {
    const summary = summarizeAttendance(
      [entry(CLINICIAN.toLowerCase(), [[0, 30]]), entry("guest-1", [[5, 25]], { displayName: "Maria" })],
      people,
    );
    expect(summary).toEqual({ patientSeconds: 1200, clinicianSeconds: 1800, patientByPhone: false });
    expect(decideAttendance(summary)).toBe("HELD");
  });

  it("the patient's own phone counts as the patient; another number and the clinic's people do not", () => {
    const byPhone = summarizeAttendance([entry(CLINICIAN, [[0, 30]]), entry("+5511987654321", [[6, 20]])], people);
    expect(byPhone).toMatchObject({ patientSeconds: 840, patientByPhone: true });
    expect(decideAttendance(byPhone)).toBe("HELD");

    const others = summarizeAttendance(
      [
        entry(CLINICIAN, [[0, 30]]),
        entry("+5521999990000", [[0, 30]]),
        entry(STAFF, [[0, 30]]),
        entry("someone", [[0, 30]], { emailAddress: "Carla@aurora.example" }),
      ],
      people,
    );
    expect(others).toMatchObject({ patientSeconds: 0, patientByPhone: false });
    expect(decideAttendance(others)).toBe("PATIENT_ABSENT");
  });

  it("a patient with no phone on record: any phone in the meeting is taken as them", () => {
    const summary = summarizeAttendance(
      [entry(CLINICIAN, [[0, 30]]), entry(null, [[1, 2]], { displayName: "+55 11 98765-4321" })],
      {
        ...people,
        patientPhone: null,
      },
    );
    expect(summary).toMatchObject({ patientSeconds: 60, patientByPhone: true });
  });

  it("nobody attended, or only the patient: absent patient, absent clinician", () => {
    expect(decideAttendance(summarizeAttendance([], people))).toBe("PATIENT_ABSENT");
    expect(decideAttendance(summarizeAttendance([entry("guest", [[0, 10]])], people))).toBe("CLINICIAN_ABSENT");
  });

  it("overlapping joins (laptop and phone at once) count once; empty intervals nothing", () => {
    expect(
      unionSeconds([
        [0, 600_000],
        [300_000, 900_000],
        [1_200_000, 1_260_000],
        [5, 5],
      ]),
    ).toBe(960);
    const summary = summarizeAttendance(
      [entry(CLINICIAN, [[0, 30]]), entry("guest", [[0, 10]]), entry("+5511987654321", [[5, 15]])],
      people,
    );
    expect(summary.patientSeconds).toBe(900);
  });

  it("a held visit closes at once; an absence waits for the final time, then a no-show or staff's decision", () => {
    const finalAt = at(50);
    expect(attendanceVerdict("HELD", at(40), finalAt)).toEqual({ close: "COMPLETED", final: true });
    expect(attendanceVerdict("PATIENT_ABSENT", at(40), finalAt)).toEqual({ close: null, final: false });
    expect(attendanceVerdict("PATIENT_ABSENT", at(50), finalAt)).toEqual({ close: "NO_SHOW", final: true });
    expect(attendanceVerdict("CLINICIAN_ABSENT", at(40), finalAt)).toEqual({ close: null, final: false });
    expect(attendanceVerdict("CLINICIAN_ABSENT", at(55), finalAt)).toEqual({ close: null, final: true });
  });
});
