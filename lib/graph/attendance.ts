// Meeting attendance reports (emulator/CONTRACT.md#attendance-reports): one report per meeting session, made by
// Teams after the session ended, with a record per person and their join/leave intervals. Needs
// OnlineMeetingArtifact.Read.All and, for the application, the Teams application access policy granted to the
// organizer (docs/ENTRA-SETUP.md).
import type { AttendanceRecord, MeetingAttendanceReport } from "@microsoft/microsoft-graph-types";
import { z } from "zod";
import type { GraphClient } from "./client";
import { GraphError } from "./errors";
import type { MeetingOwner } from "./meetings";

const intervalSchema = z.looseObject({
  joinDateTime: z.string().nullish(),
  leaveDateTime: z.string().nullish(),
  durationInSeconds: z.number().nullish(),
});

const recordSchema = z.looseObject({
  id: z.string().nullish(),
  emailAddress: z.string().nullish(),
  role: z.string().nullish(),
  totalAttendanceInSeconds: z.number().nullish(),
  identity: z
    .looseObject({ id: z.string().nullish(), displayName: z.string().nullish(), tenantId: z.string().nullish() })
    .nullish(),
  attendanceIntervals: z.array(intervalSchema).nullish(),
});

const reportSchema = z.looseObject({
  id: z.string().min(1),
  meetingStartDateTime: z.string().nullish(),
  meetingEndDateTime: z.string().nullish(),
  totalParticipantCount: z.number().nullish(),
});

/** One session's report with its records, as Consulta reads it. */
export interface AttendanceReport {
  id: string;
  meetingStart: Date | null;
  meetingEnd: Date | null;
  records: Array<{
    identityId: string | null;
    displayName: string | null;
    emailAddress: string | null;
    role: string | null;
    totalSeconds: number;
    intervals: Array<{ join: Date; leave: Date }>;
  }>;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new GraphError({
      status: 200,
      code: "invalidResponse",
      message: `Graph returned an unexpected ${what}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    });
  return parsed.data;
}

const date = (s: string | null | undefined) => (s ? new Date(s) : null);

function toRecord(r: z.infer<typeof recordSchema> & AttendanceRecord): AttendanceReport["records"][number] {
  const intervals = (r.attendanceIntervals ?? []).flatMap((i) => {
    const join = date(i.joinDateTime);
    const leave = date(i.leaveDateTime);
    return join && leave ? [{ join, leave }] : [];
  });
  return {
    identityId: r.identity?.id ?? null,
    displayName: r.identity?.displayName ?? null,
    emailAddress: r.emailAddress ?? null,
    role: r.role ?? null,
    totalSeconds:
      r.totalAttendanceInSeconds ?? intervals.reduce((s, i) => s + (i.leave.getTime() - i.join.getTime()) / 1000, 0),
    intervals,
  };
}

/**
 * Every finished session's report of the meeting, each with its records (the list answers the records empty,
 * so they are read per report). A visit has a handful of people: records past Graph's first page are not read.
 */
export async function listMeetingAttendance(
  client: GraphClient,
  owner: MeetingOwner,
  meetingId: string,
): Promise<AttendanceReport[]> {
  const base = `${owner.kind === "me" ? "/me" : `/users/${encodeURIComponent(owner.userId)}`}/onlineMeetings/${encodeURIComponent(meetingId)}/attendanceReports`;
  const list = parse(
    z.object({ value: z.array(reportSchema) }),
    (await client.request("GET", base)).body,
    "attendance report list",
  );
  const reports: AttendanceReport[] = [];
  for (const report of list.value as Array<z.infer<typeof reportSchema> & MeetingAttendanceReport>) {
    const records = parse(
      z.object({ value: z.array(recordSchema) }),
      (await client.request("GET", `${base}/${encodeURIComponent(report.id)}/attendanceRecords`)).body,
      "attendance record list",
    );
    reports.push({
      id: report.id,
      meetingStart: date(report.meetingStartDateTime),
      meetingEnd: date(report.meetingEndDateTime),
      records: records.value.map((r) => toRecord(r as z.infer<typeof recordSchema> & AttendanceRecord)),
    });
  }
  return reports;
}
