import { z } from "zod";
import type { CallEngine } from "../calls/engine";
import type { Directory, DirectoryUser } from "../directory";
import { forbidden, notFound, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import type { Authenticate } from "../identity/graph-auth";
import { resolveOrganizer } from "../graph/meeting-access";
import { GRAPH_V1, type MeetingStore, type StoredMeeting } from "../graph/meetings";
import { recordResource, reportResource, type AttendanceLog, type FinishedReport } from "./attendance";

/**
 * Graph's meeting attendance reports (meetingattendancereport-list/-get, attendancerecord-list), with the
 * permission of meeting artifacts (OnlineMeetingArtifact.Read.All, delegated or application plus the
 * application access policy), and the control route that dials a phone into a meeting.
 */
export function registerAttendanceRoutes(
  router: Router,
  deps: {
    log: AttendanceLog;
    store: MeetingStore;
    engine: CallEngine;
    directory: Directory;
    authenticate: Authenticate;
    accessPolicy: (userId: string) => boolean;
  },
): void {
  const { log, store, engine, directory, authenticate, accessPolicy } = deps;

  async function meetingOf(ctx: RequestContext): Promise<{ user: DirectoryUser; meeting: StoredMeeting }> {
    const principal = await authenticate(ctx);
    const user = resolveOrganizer(ctx, principal, directory, "artifact", accessPolicy);
    const meeting = store.meetings.get(ctx.params.meetingId!);
    const attendee = (meeting?.body.participants?.attendees ?? []).some(
      (a) => (a.identity?.user as { id?: string } | undefined)?.id === user.id,
    );
    if (!meeting || (meeting.organizerId !== user.id && !attendee))
      throw notFound(`The onlineMeeting '${ctx.params.meetingId}' was not found.`);
    // "Only the meeting organizer or co-organizer can access this API."
    if (meeting.organizerId !== user.id)
      throw forbidden("Only the organizer or a co-organizer of the meeting can get its attendance reports.");
    return { user, meeting };
  }

  function reportsOf(meeting: StoredMeeting): FinishedReport[] {
    return log.reportsOf(String(meeting.body.chatInfo?.threadId ?? ""));
  }

  function reportOf(ctx: RequestContext, meeting: StoredMeeting): FinishedReport {
    const report = reportsOf(meeting).find((r) => r.id === ctx.params.reportId);
    if (!report) throw notFound(`The meetingAttendanceReport '${ctx.params.reportId}' was not found.`);
    return report;
  }

  const expandsRecords = (ctx: RequestContext) =>
    (ctx.url.searchParams.get("$expand") ?? "").split(",").some((e) => e.trim().toLowerCase() === "attendancerecords");

  function context(ctx: RequestContext, user: DirectoryUser, meeting: StoredMeeting, rest: string): string {
    const scope = ctx.params.userId === undefined ? "me" : `users('${user.id}')`;
    return `${GRAPH_V1}/$metadata#${scope}/onlineMeetings('${String(meeting.body.id)}')/${rest}`;
  }

  for (const base of ["/v1.0/me/onlineMeetings", "/v1.0/users/:userId/onlineMeetings"]) {
    const reports = `${base}/:meetingId/attendanceReports`;
    router.on("GET", reports, async (ctx) => {
      const { user, meeting } = await meetingOf(ctx);
      const expand = expandsRecords(ctx);
      sendJson(ctx, 200, {
        "@odata.context": context(ctx, user, meeting, "attendanceReports"),
        // newest session first, as in the docs' example; records are empty unless expanded
        value: [...reportsOf(meeting)]
          .reverse()
          .map((r) => ({ ...reportResource(r, expand), ...(expand ? {} : { attendanceRecords: [] }) })),
      });
    });
    router.on("GET", `${reports}/:reportId`, async (ctx) => {
      const { user, meeting } = await meetingOf(ctx);
      const report = reportOf(ctx, meeting);
      sendJson(ctx, 200, {
        "@odata.context": context(ctx, user, meeting, `attendanceReports('${report.id}')`),
        ...reportResource(report, expandsRecords(ctx)),
      });
    });
    router.on("GET", `${reports}/:reportId/attendanceRecords`, async (ctx) => {
      const { user, meeting } = await meetingOf(ctx);
      const report = reportOf(ctx, meeting);
      sendJson(ctx, 200, {
        "@odata.context": context(ctx, user, meeting, `attendanceReports('${report.id}')/attendanceRecords`),
        value: report.records.map(recordResource),
      });
    });
  }

  // Control API: a Teams user joins from their own Teams client, or a phone dials into the meeting's audio
  // conference. People of the tenant skip the lobby unless it holds everyone but the organizer; a phone waits in
  // it unless dial-in bypass is on. They leave through /_emulator/meetings/{id}/guests/{participantId}/leave.
  router.on("POST", "/_emulator/meetings/:meetingId/participants", async (ctx) => {
    const body = await ctx.parse(
      z.object({
        endpoint: z
          .string()
          .regex(/^(user:.+|phone:\+[1-9]\d{6,14})$/, "endpoint must be user:<id or upn> or phone:<E.164 number>"),
        name: z.string().trim().min(1).max(100).optional(),
        bypassLobby: z.boolean().optional(),
      }),
    );
    const meeting = store.meetings.get(ctx.params.meetingId!);
    const threadId = meeting?.body.chatInfo?.threadId;
    if (!meeting || !threadId) throw notFound(`Meeting '${ctx.params.meetingId}' was not found.`);
    const who = engine.identityForKey(body.endpoint, body.name);
    if (!who) throw notFound(`'${body.endpoint}' is not a user of the tenant.`);
    const userId = (who.identity.user as { id?: string } | undefined)?.id;
    const scope = meeting.body.lobbyBypassSettings?.scope ?? "organization";
    const bypass =
      body.bypassLobby ??
      (who.kind === "phone"
        ? meeting.body.lobbyBypassSettings?.isDialInBypassEnabled === true
        : userId === meeting.organizerId || !["organizer", "invited"].includes(scope));
    const conf = engine.meetingConference(threadId);
    const member = engine.addMember(conf, {
      kind: who.kind,
      endpointKey: userId ? `user:${userId.toLowerCase()}` : body.endpoint,
      displayName: who.displayName,
      identity: who.identity,
      state: bypass ? "connected" : "lobby",
    });
    engine.notifyRosterForConference(conf);
    sendJson(ctx, 201, { participantId: member.id, kind: member.kind, state: member.state });
  });
}
