// Meeting attendance reports (emulator/CONTRACT.md#attendance-reports): one report per meeting session, made by
// Teams after the session ended, with a record per person and their join/leave intervals. Needs
// OnlineMeetingArtifact.Read.All and, for the application, the Teams application access policy granted to the
// organizer (docs/ENTRA-SETUP.md).
import "server-only";
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

const page = <T extends z.ZodType>(item: T) =>
  z.object({ value: z.array(item), "@odata.nextLink": z.string().nullish() });

/** Every page of a collection: nextLinks are followed only on the Graph host we were configured with. */
async function readAll<T extends z.ZodType>(
  client: GraphClient,
  path: string,
  item: T,
  what: string,
  graphBaseUrl: string | undefined,
): Promise<Array<z.infer<T>>> {
  const items: Array<z.infer<T>> = [];
  let next: string | undefined = path;
  for (let pages = 0; next && pages < MAX_PAGES; pages++) {
    const response = await client.request("GET", next);
    const body: { value: unknown[]; "@odata.nextLink"?: string | null } = parse(page(item), response.body, what);
    items.push(...(body.value as Array<z.infer<T>>));
    const link: string | null | undefined = body["@odata.nextLink"];
    next = link && graphBaseUrl && new URL(link).origin === new URL(graphBaseUrl).origin ? link : undefined;
  }
  return items;
}

/** A meeting has a report per session, a report a record per person: more pages than this is not a visit. */
const MAX_PAGES = 20;

/**
 * Every finished session's report of the meeting, each with its records (the list answers the records empty,
 * so they are read per report), every page of both.
 */
export async function listMeetingAttendance(
  client: GraphClient,
  owner: MeetingOwner,
  meetingId: string,
  graphBaseUrl?: string,
): Promise<AttendanceReport[]> {
  const base = `${owner.kind === "me" ? "/me" : `/users/${encodeURIComponent(owner.userId)}`}/onlineMeetings/${encodeURIComponent(meetingId)}/attendanceReports`;
  const list = await readAll(client, base, reportSchema, "attendance report list", graphBaseUrl);
  const reports: AttendanceReport[] = [];
  for (const report of list as Array<z.infer<typeof reportSchema> & MeetingAttendanceReport>) {
    const records = await readAll(
      client,
      `${base}/${encodeURIComponent(report.id)}/attendanceRecords`,
      recordSchema,
      "attendance record list",
      graphBaseUrl,
    );
    reports.push({
      id: report.id,
      meetingStart: date(report.meetingStartDateTime),
      meetingEnd: date(report.meetingEndDateTime),
      records: records.map((r) => toRecord(r as z.infer<typeof recordSchema> & AttendanceRecord)),
    });
  }
  return reports;
}
