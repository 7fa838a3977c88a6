import { z } from "zod";
import type { Directory, DirectoryUser } from "../directory";
import { badRequest, forbidden, notFound, sendEmpty, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import type { Authenticate } from "../identity/graph-auth";
import { checkActionParameters, checkEntityBody } from "./actions";
import { APPLICATION_PERMISSIONS, resolveOrganizer } from "./meeting-access";
import { GRAPH_V1, meetingInputSchema, type MeetingStore, type StoredMeeting } from "./meetings";

// Graph's online meetings (emulator/CONTRACT.md#online-meetings): create, createOrGet, list by $filter,
// get, update and delete under /me and /users/{id}, the live-event attendee report, and the tenant-wide
// lookup by VideoTeleconferenceId.

const createOrGetSchema = meetingInputSchema.extend({ externalId: z.string().min(1, "externalId is required") });

function entity(ctx: RequestContext, user: DirectoryUser, m: StoredMeeting) {
  const scope = ctx.params.userId === undefined ? "me" : `users('${user.id}')`;
  return { "@odata.context": `${GRAPH_V1}/$metadata#${scope}/onlineMeetings/$entity`, ...m.body };
}

/** Parses `JoinWebUrl eq '<url-encoded>'` and `joinMeetingIdSettings/joinMeetingId eq '<id>'`. */
function parseFilter(filter: string): {
  field: "joinWebUrl" | "joinMeetingId" | "videoTeleconferenceId";
  values: string[];
} {
  const m = /^\s*([\w/]+)\s+eq\s+'(.*)'\s*$/i.exec(filter);
  if (!m?.[1] || m[2] === undefined) throw badRequest(`Invalid filter clause: ${filter}`);
  const field = m[1].toLowerCase();
  if (field === "joinweburl") {
    // The literal should be URL-encoded (doc), but clients that already decoded it once must match too.
    const values = [m[2]];
    try {
      values.push(decodeURIComponent(m[2]));
    } catch {
      /* not encoded */
    }
    return { field: "joinWebUrl", values };
  }
  if (field === "joinmeetingidsettings/joinmeetingid") return { field: "joinMeetingId", values: [m[2]] };
  if (field === "videoteleconferenceid") return { field: "videoTeleconferenceId", values: [m[2]] };
  throw badRequest(
    `Filter on '${m[1]}' is not supported. Supported: JoinWebUrl, joinMeetingIdSettings/joinMeetingId (and VideoTeleconferenceId on /communications/onlineMeetings).`,
  );
}

export function registerMeetingRoutes(
  router: Router,
  deps: {
    store: MeetingStore;
    directory: Directory;
    authenticate: Authenticate;
    accessPolicy: (userId: string) => boolean;
  },
): void {
  const { store, directory, authenticate, accessPolicy } = deps;

  function find(user: DirectoryUser, meetingId: string): StoredMeeting {
    const m = store.meetings.get(meetingId);
    const attendee = (m?.body.participants?.attendees ?? []).some(
      (a) => (a.identity?.user as { id?: string } | undefined)?.id === user.id,
    );
    if (!m || (m.organizerId !== user.id && !attendee))
      throw notFound(`The onlineMeeting '${meetingId}' was not found.`);
    return m;
  }

  for (const base of ["/v1.0/me/onlineMeetings", "/v1.0/users/:userId/onlineMeetings"]) {
    router.on("POST", base, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "write", accessPolicy);
      await checkEntityBody(ctx, "onlineMeeting");
      const input = await ctx.parse(meetingInputSchema);
      sendJson(ctx, 201, entity(ctx, user, store.create(user, input)));
    });
    router.on("POST", `${base}/createOrGet`, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "write", accessPolicy);
      await checkActionParameters(ctx, "Collection(graph.onlineMeeting)", "createOrGet");
      const input = await ctx.parse(createOrGetSchema);
      const existing = [...store.meetings.values()].find(
        (m) => m.organizerId === user.id && m.externalId === input.externalId,
      );
      if (existing) return sendJson(ctx, 200, entity(ctx, user, existing));
      sendJson(ctx, 201, entity(ctx, user, store.create(user, input, input.externalId)));
    });
    router.on("GET", base, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "read", accessPolicy);
      const filter = ctx.url.searchParams.get("$filter");
      if (!filter)
        throw badRequest(
          "Filter is required for listing online meetings: use JoinWebUrl or joinMeetingIdSettings/joinMeetingId.",
        );
      const { field, values } = parseFilter(filter);
      const value_ = [...store.meetings.values()]
        .filter((m) => m.organizerId === user.id)
        .filter((m) =>
          values.includes(
            String(
              field === "joinWebUrl"
                ? m.body.joinWebUrl
                : field === "joinMeetingId"
                  ? m.body.joinMeetingIdSettings?.joinMeetingId
                  : m.body.videoTeleconferenceId,
            ),
          ),
        )
        .map((m) => m.body);
      const scope = ctx.params.userId === undefined ? "me" : `users('${user.id}')`;
      sendJson(ctx, 200, { "@odata.context": `${GRAPH_V1}/$metadata#${scope}/onlineMeetings`, value: value_ });
    });
    router.on("GET", `${base}/:meetingId`, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "read", accessPolicy);
      sendJson(ctx, 200, entity(ctx, user, find(user, ctx.params.meetingId!)));
    });
    // Live-event attendee report (deprecated API, emulator/CONTRACT.md#online-meetings): 302 to a download link
    // that expires in 60 s.
    router.on("GET", `${base}/:meetingId/attendeeReport`, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "artifact", accessPolicy);
      const meeting = find(user, ctx.params.meetingId!);
      if (meeting.organizerId !== user.id)
        throw forbidden("Only the organizer of the live event can get its attendee report.");
      if (!meeting.body.isBroadcast)
        throw notFound("The attendee report is only available for Teams live events (isBroadcast).");
      sendEmpty(ctx, 302, { Location: store.attendeeReportLink(meeting) });
    });
    router.on("PATCH", `${base}/:meetingId`, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "write", accessPolicy);
      const meeting = find(user, ctx.params.meetingId!);
      if (meeting.organizerId !== user.id) throw forbidden("Only the organizer can update the meeting.");
      await checkEntityBody(ctx, "onlineMeeting");
      store.update(meeting, await ctx.parse(meetingInputSchema));
      sendJson(ctx, 200, entity(ctx, user, meeting));
    });
    router.on("DELETE", `${base}/:meetingId`, async (ctx) => {
      const principal = await authenticate(ctx);
      const user = resolveOrganizer(ctx, principal, directory, "write", accessPolicy);
      const meeting = find(user, ctx.params.meetingId!);
      if (meeting.organizerId !== user.id) throw forbidden("Only the organizer can delete the meeting.");
      store.meetings.delete(ctx.params.meetingId!);
      sendEmpty(ctx, 204);
    });
  }

  // Lookup by VideoTeleconferenceId: application tokens only, tenant-wide (no access policy applies).
  router.on("GET", "/v1.0/communications/onlineMeetings", async (ctx) => {
    const principal = await authenticate(ctx);
    if (principal.kind !== "app")
      throw forbidden(
        "Getting online meetings by VideoTeleconferenceId is only supported with application permissions.",
      );
    const needed = APPLICATION_PERMISSIONS.read;
    if (!principal.roles.some((r) => needed.includes(r)))
      throw forbidden(
        `Insufficient privileges to complete the operation. Requires ${needed.join(" or ")} (application).`,
      );
    const filter = ctx.url.searchParams.get("$filter");
    const parsed = filter ? parseFilter(filter) : undefined;
    if (parsed?.field !== "videoTeleconferenceId")
      throw badRequest("A $filter on VideoTeleconferenceId is required for /communications/onlineMeetings.");
    const found = parsed.values.map((v) => store.byVideoTeleconferenceId(v)).find((m) => m !== undefined);
    sendJson(ctx, 200, {
      "@odata.context": `${GRAPH_V1}/$metadata#communications/onlineMeetings`,
      value: found ? [found.body] : [],
    });
  });

  router.on("GET", "/_media/attendee-reports/:token", (ctx) => {
    const csv = store.attendeeReportCsv(ctx.params.token!);
    if (csv === undefined) throw notFound("The report link does not exist or has expired.");
    ctx.res.writeHead(200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Length": Buffer.byteLength(csv),
      "request-id": ctx.requestId,
      "Cache-Control": "no-store",
    });
    ctx.res.end(csv);
  });
}
