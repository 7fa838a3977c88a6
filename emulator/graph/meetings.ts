import crypto from "node:crypto";
import type { OnlineMeeting } from "@microsoft/microsoft-graph-types";
import { z } from "zod";
import { findUser, type Directory, type DirectoryUser } from "../directory";
import { badRequest, forbidden, HttpError, notFound, sendEmpty, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import type { Authenticate, Principal } from "../identity/graph-auth";
import { checkActionParameters, checkEntityBody } from "./actions";

export const GRAPH_V1 = "https://graph.microsoft.com/v1.0";

export interface StoredMeeting {
  organizerId: string;
  externalId?: string;
  body: OnlineMeeting & Record<string, unknown>;
}

const identitySchema = z.looseObject({ id: z.string().optional(), displayName: z.string().nullish() });
const participantInfoSchema = z.looseObject({
  identity: z
    .looseObject({
      user: identitySchema.optional(),
      guest: identitySchema.optional(),
      phone: identitySchema.optional(),
    })
    .optional(),
  upn: z.string().nullish(),
  role: z.enum(["attendee", "presenter", "producer", "coorganizer", "unknownFutureValue"]).nullish(),
});
const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time");
const lobbySchema = z.looseObject({
  scope: z
    .enum([
      "organizer",
      "organization",
      "organizationAndFederated",
      "everyone",
      "invited",
      "organizationExcludingGuests",
      "unknownFutureValue",
    ])
    .optional(),
  isDialInBypassEnabled: z.boolean().optional(),
});
const meetingInputSchema = z.looseObject({
  subject: z.string().max(1000).nullish(),
  startDateTime: dateTime.nullish(),
  endDateTime: dateTime.nullish(),
  participants: z
    .looseObject({ organizer: participantInfoSchema.optional(), attendees: z.array(participantInfoSchema).optional() })
    .optional(),
  lobbyBypassSettings: lobbySchema.optional(),
  allowedPresenters: z
    .enum(["everyone", "organization", "roleIsPresenter", "organizer", "unknownFutureValue"])
    .optional(),
  allowMeetingChat: z.enum(["enabled", "disabled", "limited", "unknownFutureValue"]).optional(),
  joinMeetingIdSettings: z.looseObject({ isPasscodeRequired: z.boolean().optional() }).optional(),
  isEntryExitAnnounced: z.boolean().optional(),
  allowAttendeeToEnableCamera: z.boolean().optional(),
  allowAttendeeToEnableMic: z.boolean().optional(),
  allowTeamworkReactions: z.boolean().optional(),
  recordAutomatically: z.boolean().optional(),
  isBroadcast: z.boolean().optional(),
  broadcastSettings: z.looseObject({}).optional(),
});
const createOrGetSchema = meetingInputSchema.extend({ externalId: z.string().min(1, "externalId is required") });

/** Online meetings (emulator/CONTRACT.md#online-meetings), with the conference state the join page and calls share. */
export interface ReportAttendee {
  participantId: string;
  displayName: string;
  role: string;
  joinedAt: string;
  inMeeting: boolean;
}

/** Pre-authenticated attendee-report download links live this long (the docs say 60 seconds). */
const REPORT_LINK_TTL_MS = 60_000;

export class MeetingStore {
  readonly meetings = new Map<string, StoredMeeting>();
  private readonly reportLinks = new Map<string, { meetingId: string; expiresAt: number }>();
  /** Who took part in the meeting's conversation; wired to the call engine by the server. */
  participantsOf: (threadId: string) => ReportAttendee[] = () => [];

  constructor(
    private readonly directory: Directory,
    private readonly origin: string,
    private readonly clinicTollNumber: string,
  ) {}

  reset(): void {
    this.meetings.clear();
    this.reportLinks.clear();
  }

  byVideoTeleconferenceId(vtcId: string): StoredMeeting | undefined {
    return [...this.meetings.values()].find((m) => m.body.videoTeleconferenceId === vtcId);
  }

  /** A short-lived download link for a live event's attendee report (Graph answers 302 to such a link). */
  attendeeReportLink(meeting: StoredMeeting): string {
    const now = Date.now();
    for (const [token, link] of this.reportLinks) if (link.expiresAt < now) this.reportLinks.delete(token);
    const token = crypto.randomBytes(24).toString("base64url");
    this.reportLinks.set(token, { meetingId: String(meeting.body.id), expiresAt: now + REPORT_LINK_TTL_MS });
    return `${this.origin}/_media/attendee-reports/${token}`;
  }

  /** CSV attendee report behind a link, or undefined when the link is unknown or expired. */
  attendeeReportCsv(token: string): string | undefined {
    const link = this.reportLinks.get(token);
    if (!link || link.expiresAt < Date.now()) return undefined;
    const meeting = this.meetings.get(link.meetingId);
    if (!meeting) return undefined;
    const rows = this.participantsOf(String(meeting.body.chatInfo?.threadId ?? "")).map((a) =>
      [a.participantId, a.displayName, a.role, a.joinedAt, a.inMeeting ? "Joined" : "Left"].map(csvCell).join(","),
    );
    return ["ParticipantId,FullName,Role,UtcJoinTimestamp,Action", ...rows].join("\r\n") + "\r\n";
  }

  byThreadId(threadId: string): StoredMeeting | undefined {
    return [...this.meetings.values()].find((m) => m.body.chatInfo?.threadId === threadId);
  }

  byJoinMeetingId(joinMeetingId: string): StoredMeeting | undefined {
    return [...this.meetings.values()].find((m) => m.body.joinMeetingIdSettings?.joinMeetingId === joinMeetingId);
  }

  create(organizer: DirectoryUser, input: z.infer<typeof meetingInputSchema>, externalId?: string): StoredMeeting {
    const now = new Date();
    const { start, end } = resolveTimes(input.startDateTime ?? undefined, input.endDateTime ?? undefined, now);
    const threadId = `19:meeting_${crypto.randomBytes(36).toString("base64url").slice(0, 48)}@thread.v2`;
    const id = Buffer.from(`1*${organizer.id}*0**${threadId}`).toString("base64url");
    const joinMeetingId = String(crypto.randomInt(100_000_000, 999_999_999)) + String(crypto.randomInt(100, 999));
    // Without joinMeetingIdSettings the meeting has no passcode (onlinemeeting-create example 4, "OR" form).
    const isPasscodeRequired = input.joinMeetingIdSettings?.isPasscodeRequired ?? false;
    const context = JSON.stringify({ Tid: this.directory.tenantId, Oid: organizer.id });
    // Teams-shaped URL on the emulator's own host so a person can open it and join as a guest.
    const joinWebUrl = `${this.origin}/l/meetup-join/${encodeURIComponent(threadId)}/0?context=${encodeURIComponent(context)}`;
    const conferenceId = String(crypto.randomInt(100_000_000, 999_999_999));
    const body: StoredMeeting["body"] = {
      "@odata.type": "#microsoft.graph.onlineMeeting",
      id,
      creationDateTime: now.toISOString(),
      startDateTime: start.toISOString(),
      endDateTime: end.toISOString(),
      subject: input.subject ?? null,
      joinWebUrl,
      joinInformation: {
        content: `data:text/html,${encodeURIComponent(`<p><a href="${joinWebUrl}">Join the meeting now</a></p><p>Meeting ID: ${joinMeetingId}</p>`)}`,
        contentType: "html",
      },
      // Tenants with a Cloud Video Interop provider get a VTC id per meeting; the emulated tenant has one.
      videoTeleconferenceId: String(crypto.randomInt(1_000_000_000, 9_999_999_999)),
      externalId: externalId ?? null,
      isBroadcast: input.isBroadcast ?? false,
      broadcastSettings: (input.broadcastSettings as OnlineMeeting["broadcastSettings"]) ?? null,
      autoAdmittedUsers: "EveryoneInCompany",
      isEntryExitAnnounced: input.isEntryExitAnnounced ?? true,
      allowedPresenters: input.allowedPresenters ?? "everyone",
      allowMeetingChat: input.allowMeetingChat ?? "enabled",
      allowAttendeeToEnableCamera: input.allowAttendeeToEnableCamera ?? true,
      allowAttendeeToEnableMic: input.allowAttendeeToEnableMic ?? true,
      allowTeamworkReactions: input.allowTeamworkReactions ?? true,
      recordAutomatically: input.recordAutomatically ?? false,
      participants: {
        organizer: {
          upn: organizer.userPrincipalName,
          role: "presenter",
          identity: {
            user: {
              id: organizer.id,
              displayName: organizer.displayName,
              tenantId: this.directory.tenantId,
              identityProvider: "AAD",
            } as never,
          },
        },
        // v1.0's meetingParticipants is closed: no `producers` or `contributors`, which some docs examples show
        attendees: (input.participants?.attendees ?? []).map((a) => ({ ...a, role: a.role ?? "attendee" })) as never,
      } as never,
      lobbyBypassSettings: {
        scope: input.lobbyBypassSettings?.scope ?? "organization",
        isDialInBypassEnabled: input.lobbyBypassSettings?.isDialInBypassEnabled ?? false,
      },
      audioConferencing: {
        conferenceId,
        tollNumber: this.clinicTollNumber,
        tollFreeNumber: null,
        dialinUrl: `${this.origin}/_emulator/dialin?id=${conferenceId}`,
      },
      chatInfo: { threadId, messageId: "0", replyChainMessageId: null },
      joinMeetingIdSettings: {
        isPasscodeRequired,
        joinMeetingId,
        passcode: isPasscodeRequired
          ? crypto.randomBytes(4).toString("base64url").replace(/[-_]/g, "x").slice(0, 6)
          : null,
      },
    };
    const stored: StoredMeeting = { organizerId: organizer.id, externalId, body };
    this.meetings.set(id, stored);
    return stored;
  }

  update(meeting: StoredMeeting, patch: z.infer<typeof meetingInputSchema>): void {
    if (patch.joinMeetingIdSettings)
      throw badRequest("joinMeetingIdSettings cannot be updated after the meeting is created.");
    if (patch.participants?.organizer) throw badRequest("The organizer of an online meeting cannot be changed.");
    if ((patch.startDateTime == null) !== (patch.endDateTime == null)) {
      throw badRequest("startDateTime and endDateTime must be updated together.");
    }
    const b = meeting.body;
    if (patch.startDateTime && patch.endDateTime) {
      const { start, end } = resolveTimes(patch.startDateTime, patch.endDateTime, new Date());
      b.startDateTime = start.toISOString();
      b.endDateTime = end.toISOString();
    }
    if (patch.subject !== undefined) b.subject = patch.subject;
    if (patch.participants?.attendees) {
      (b.participants as Record<string, unknown>).attendees = patch.participants.attendees.map((a) => ({
        ...a,
        role: a.role ?? "attendee",
      }));
    }
    if (patch.lobbyBypassSettings) b.lobbyBypassSettings = { ...b.lobbyBypassSettings, ...patch.lobbyBypassSettings };
    for (const key of [
      "allowedPresenters",
      "allowMeetingChat",
      "isEntryExitAnnounced",
      "allowAttendeeToEnableCamera",
      "allowAttendeeToEnableMic",
      "allowTeamworkReactions",
      "recordAutomatically",
    ] as const) {
      if (patch[key] !== undefined) (b as Record<string, unknown>)[key] = patch[key];
    }
  }
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function resolveTimes(startRaw: string | undefined, endRaw: string | undefined, now: Date): { start: Date; end: Date } {
  if (endRaw && !startRaw) throw badRequest("endDateTime cannot be specified without startDateTime.");
  const start = startRaw ? new Date(startRaw) : now;
  const end = endRaw ? new Date(endRaw) : new Date(start.getTime() + 3600_000);
  if (end.getTime() < start.getTime()) throw badRequest("endDateTime must be later than startDateTime.");
  return { start, end };
}

/**
 * The permission matrix of emulator/CONTRACT.md#permissions; meeting artifacts (attendee and attendance reports) need
 * OnlineMeetingArtifact.Read.All only.
 */
const DELEGATED_PERMISSIONS = {
  read: ["OnlineMeetings.Read", "OnlineMeetings.ReadWrite"],
  write: ["OnlineMeetings.ReadWrite"],
  artifact: ["OnlineMeetingArtifact.Read.All"],
};
const APPLICATION_PERMISSIONS = {
  read: ["OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"],
  write: ["OnlineMeetings.ReadWrite.All"],
  artifact: ["OnlineMeetingArtifact.Read.All"],
};

/** Resolves "/me" or "/users/{id}" plus the permission matrix for onlineMeetings. */
export function resolveOrganizer(
  ctx: RequestContext,
  principal: Principal,
  directory: Directory,
  access: "read" | "write" | "artifact",
  accessPolicy: (userId: string) => boolean,
): DirectoryUser {
  const userParam = ctx.params.userId;
  if (userParam === undefined) {
    if (principal.kind !== "user")
      throw new HttpError(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
  }
  const user = findUser(directory, userParam ?? (principal.kind === "user" ? principal.userId : ""));
  if (!user) throw notFound(`User '${userParam ?? "me"}' was not found in the tenant.`);
  if (principal.kind === "user") {
    const needed = DELEGATED_PERMISSIONS[access];
    if (!principal.scopes.some((s) => needed.includes(s)))
      throw forbidden(
        `Insufficient privileges to complete the operation. Requires ${needed.join(" or ")} (delegated).`,
      );
    if (user.id !== principal.userId)
      throw forbidden("A delegated token can only access the signed-in user's online meetings.");
    return user;
  }
  const needed = APPLICATION_PERMISSIONS[access];
  if (!principal.roles.some((r) => needed.includes(r)))
    throw forbidden(
      `Insufficient privileges to complete the operation. Requires ${needed.join(" or ")} (application).`,
    );
  if (!accessPolicy(user.id)) {
    throw forbidden(
      `App ${principal.appId} is not authorized to ${access === "write" ? "Create" : "Get"} meeting on behalf of user ${user.id}`,
      "Unauthorized",
    );
  }
  return user;
}

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
