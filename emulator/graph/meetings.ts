import crypto from "node:crypto";
import type { OnlineMeeting } from "@microsoft/microsoft-graph-types";
import { z } from "zod";
import type { Directory, DirectoryUser } from "../directory";
import { badRequest } from "../http/context";

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
export const meetingInputSchema = z.looseObject({
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
