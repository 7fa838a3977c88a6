// Teams online meetings (emulator/CONTRACT.md#online-meetings). Delegated callers use /me; the application acts for an
// organizer through /users/{id} (needs a Teams application access policy in a real tenant).
// Patients join as guests and wait in the lobby: only people of the organisation bypass it, dial-in
// callers never do, and only the organizer presents.
import "server-only";
import type { LobbyBypassScope, OnlineMeeting } from "@microsoft/microsoft-graph-types";
import { z } from "zod";
import type { GraphClient } from "./client";
import { GraphError, isNotFound } from "./errors";

export type MeetingOwner = { kind: "me" } | { kind: "user"; userId: string };

export interface CreateMeetingInput {
  /** The idempotency key (Consulta: the appointment id): createOrGet returns the same meeting for it. */
  externalId: string;
  subject: string;
  startDateTime: Date;
  endDateTime: Date;
  /** Who skips the lobby. Default "organization", so patients (guests) wait to be admitted. */
  lobbyBypassScope?: LobbyBypassScope;
}

/** The keys Consulta relies on, checked at the boundary; the rest of Graph's object passes through. */
const meetingSchema = z.looseObject({
  id: z.string().min(1),
  joinWebUrl: z.string().min(1),
  startDateTime: z.string(),
  endDateTime: z.string(),
  subject: z.string().nullish(),
  externalId: z.string().nullish(),
  chatInfo: z.looseObject({ threadId: z.string(), messageId: z.string().nullish() }).nullish(),
  joinMeetingIdSettings: z
    .looseObject({ joinMeetingId: z.string().nullish(), passcode: z.string().nullish() })
    .nullish(),
  lobbyBypassSettings: z
    .looseObject({ scope: z.string().nullish(), isDialInBypassEnabled: z.boolean().nullish() })
    .nullish(),
  allowedPresenters: z.string().nullish(),
});

export type Meeting = OnlineMeeting & z.infer<typeof meetingSchema>;

const meetingListSchema = z.object({ value: z.array(meetingSchema) });

function base(owner: MeetingOwner): string {
  return owner.kind === "me" ? "/me/onlineMeetings" : `/users/${encodeURIComponent(owner.userId)}/onlineMeetings`;
}

function meetingPath(owner: MeetingOwner, meetingId: string): string {
  return `${base(owner)}/${encodeURIComponent(meetingId)}`;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new GraphError({
      status: 200,
      code: "invalidResponse",
      message: `Graph returned an unexpected ${what}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    });
  }
  return parsed.data;
}

function toMeeting(body: unknown): Meeting {
  return parse(meetingSchema, body, "online meeting") as Meeting;
}

/**
 * createOrGet takes only chatInfo, startDateTime, endDateTime, externalId, participants and subject (Graph's
 * schema; anything else is refused with 400): the lobby and presenter rules are set with a PATCH afterwards,
 * also on a meeting that already existed without them (a crash between the two requests), so the result is
 * the same whichever request ran last.
 */
export async function createOrGetMeeting(
  client: GraphClient,
  owner: MeetingOwner,
  input: CreateMeetingInput,
): Promise<{ meeting: Meeting; created: boolean }> {
  const body: OnlineMeeting & { externalId: string } = {
    externalId: input.externalId,
    subject: input.subject,
    startDateTime: input.startDateTime.toISOString(),
    endDateTime: input.endDateTime.toISOString(),
  };
  const response = await client.request("POST", `${base(owner)}/createOrGet`, body);
  let meeting = toMeeting(response.body);
  const settings = {
    lobbyBypassSettings: { scope: input.lobbyBypassScope ?? "organization", isDialInBypassEnabled: false },
    allowedPresenters: "organizer",
  } satisfies OnlineMeeting;
  const current = meeting.lobbyBypassSettings;
  if (
    current?.scope !== settings.lobbyBypassSettings.scope ||
    current.isDialInBypassEnabled !== settings.lobbyBypassSettings.isDialInBypassEnabled ||
    meeting.allowedPresenters !== settings.allowedPresenters
  ) {
    meeting = toMeeting((await client.request("PATCH", meetingPath(owner, meeting.id), settings)).body);
  }
  return { meeting, created: response.status === 201 };
}

export async function getMeeting(client: GraphClient, owner: MeetingOwner, meetingId: string): Promise<Meeting> {
  return toMeeting((await client.request("GET", meetingPath(owner, meetingId))).body);
}

/** The filter literal is the URL-encoded join URL (emulator/CONTRACT.md#online-meetings); `'` is doubled per OData. */
export function joinUrlFilter(joinWebUrl: string): string {
  return `JoinWebUrl eq '${encodeURIComponent(joinWebUrl).replace(/'/g, "''")}'`;
}

export async function findMeetingByJoinUrl(
  client: GraphClient,
  owner: MeetingOwner,
  joinWebUrl: string,
): Promise<Meeting | null> {
  const response = await client.request("GET", `${base(owner)}?$filter=${joinUrlFilter(joinWebUrl)}`);
  const [first] = parse(meetingListSchema, response.body, "meeting list").value;
  return (first as Meeting | undefined) ?? null;
}

/** Graph changes the time only when start and end are sent together. */
export async function updateMeetingTimes(
  client: GraphClient,
  owner: MeetingOwner,
  meetingId: string,
  startDateTime: Date,
  endDateTime: Date,
): Promise<Meeting> {
  if (endDateTime.getTime() < startDateTime.getTime()) throw new RangeError("endDateTime is before startDateTime");
  const body: OnlineMeeting = {
    startDateTime: startDateTime.toISOString(),
    endDateTime: endDateTime.toISOString(),
  };
  return toMeeting((await client.request("PATCH", meetingPath(owner, meetingId), body)).body);
}

/** Deleting a meeting that is already gone (404) is success: the outcome the caller wanted holds. */
export async function deleteMeeting(
  client: GraphClient,
  owner: MeetingOwner,
  meetingId: string,
): Promise<{ deleted: boolean }> {
  try {
    await client.request("DELETE", meetingPath(owner, meetingId));
    return { deleted: true };
  } catch (error) {
    if (isNotFound(error)) return { deleted: false };
    throw error;
  }
}
