import { z } from "zod";
import { checkStructured, type SchemaIssue } from "../graph/schema/validate";

/**
 * zod shapes derived from the notification examples in emulator/contract/examples, with the documented forms the
 * emulator draws (emulator/variants.ts); and, beside them, every body the emulator writes held to Graph v1.0's
 * schema (emulator/graph/schema), so its answers and notifications cannot drift from either.
 */
const resultInfo = z.looseObject({ code: z.number().int(), subcode: z.number().int(), message: z.string() });
const identitySet = z
  .looseObject({})
  .refine(
    (o) => ["user", "phone", "guest", "application", "applicationInstance", "encrypted"].some((k) => k in o),
    "identitySet names someone",
  );
/** Graph spells one id as a dashed GUID or as 32 hex digits (the playPrompt and record completion examples). */
const ID = "(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})";

const callData = z.looseObject({
  "@odata.type": z.literal("#microsoft.graph.call"),
  state: z
    .enum([
      "incoming",
      "establishing",
      "ringing",
      "established",
      "transferring",
      "transferAccepted",
      "terminating",
      "terminated",
    ])
    .optional(),
  direction: z.enum(["incoming", "outgoing"]).optional(),
  resultInfo: resultInfo.optional(),
  toneInfo: z
    .looseObject({ sequenceId: z.number().int(), tone: z.string().regex(/^(tone\d|star|pound|[a-d]|flash)$/) })
    .optional(),
  mediaState: z.looseObject({ audio: z.enum(["active", "inactive"]) }).optional(),
});

const participantData = z.looseObject({
  "@odata.type": z.literal("#microsoft.graph.participant"),
  // an invitee whose phone still rings has no id yet (the PSTN invite example)
  id: z.string().nullable(),
  info: z.looseObject({ identity: identitySet }),
  mediaStreams: z.array(
    z.looseObject({ mediaType: z.string(), direction: z.string(), sourceId: z.string(), serverMuted: z.boolean() }),
  ),
  isMuted: z.boolean(),
  isInLobby: z.boolean(),
});

/** A roster update: an array of participants, or v1.0's deltaParticipants holding them. */
const rosterData = z.union([
  z.array(participantData).min(1),
  z.looseObject({
    "@odata.type": z.literal("#microsoft.graph.deltaParticipants"),
    sequenceNumber: z.number().int(),
    participants: z.array(participantData).min(1),
  }),
]);

const operationData = z.looseObject({
  "@odata.type": z.string().regex(/^#microsoft\.graph\.\w+Operation$/),
  status: z.enum(["completed", "failed"]),
  resultInfo,
  clientContext: z.string().nullable(),
  // the values the docs give for playPromptOperation and recordOperation
  completionReason: z
    .enum([
      "unknown",
      "completedSuccessfully",
      "mediaOperationCanceled",
      "operationCanceled",
      "stopToneDetected",
      "maxRecordDurationReached",
      "initialSilenceTimeout",
      "maxSilenceTimeout",
      "playPromptFailed",
      "playBeepFailed",
      "mediaReceiveTimeout",
      "unspecifiedError",
      "none",
    ])
    .nullish(),
});

const sharingData = z
  .array(z.looseObject({ "@odata.type": z.literal("#microsoft.graph.contentSharingSession"), id: z.string() }))
  .min(1);

/** The item the bot does not know, which the `unknownItem` form adds to a batch. */
const routingGroupData = z.looseObject({ "@odata.type": z.literal("#microsoft.graph.audioRoutingGroup") });

const commsNotification = z
  .looseObject({
    "@odata.type": z.literal("#microsoft.graph.commsNotification"),
    changeType: z.enum(["created", "updated", "deleted"]),
    resourceUrl: z
      .string()
      .regex(
        new RegExp(
          `^/communications/calls/${ID}(/participants|/operations/${ID}|/contentsharingsessions(/[0-9A-F]{64})?|/audioRoutingGroups/${ID})?$`,
        ),
      ),
    // Content-sharing notifications on a session's own URL carry no resourceData (answer example).
    resourceData: z.union([callData, rosterData, operationData, sharingData, routingGroupData]).optional(),
  })
  .superRefine((n, ctx) => {
    const kind = n.resourceUrl.endsWith("/participants")
      ? "roster"
      : n.resourceUrl.includes("/operations/")
        ? "op"
        : n.resourceUrl.includes("/contentsharingsessions")
          ? "sharing"
          : n.resourceUrl.includes("/audioRoutingGroups/")
            ? "routing"
            : "call";
    const data = n.resourceData as unknown;
    if (kind === "sharing") {
      const onSession = !n.resourceUrl.endsWith("/contentsharingsessions");
      if (onSession ? data !== undefined : !sharingData.safeParse(data).success)
        ctx.addIssue({ code: "custom", message: "content sharing: array of sessions, or none on a session URL" });
      return;
    }
    if (data === undefined) ctx.addIssue({ code: "custom", message: "resourceData is required" });
    if (kind === "roster" && !rosterData.safeParse(data).success)
      ctx.addIssue({ code: "custom", message: "roster needs an array of participants or a deltaParticipants" });
    if (kind === "op" && (n.changeType !== "deleted" || !operationData.safeParse(data).success))
      ctx.addIssue({ code: "custom", message: "operation result must be deleted + *Operation" });
    if (kind === "call" && !callData.safeParse(data).success)
      ctx.addIssue({ code: "custom", message: "call resourceData must be a call" });
    if (kind === "routing" && !routingGroupData.safeParse(data).success)
      ctx.addIssue({ code: "custom", message: "an audio routing group's resourceData must be one" });
  });

export const commsNotifications = z
  .object({
    "@odata.type": z.literal("#microsoft.graph.commsNotifications"),
    value: z.array(commsNotification).min(1),
  })
  .superRefine((body, ctx) => {
    for (const issue of notificationSchemaIssues(body))
      ctx.addIssue({ code: "custom", message: `${issue.path}: ${issue.message}` });
  });

const where = (path: string, issues: SchemaIssue[]) =>
  issues.map((i) => ({ ...i, path: i.path ? `${path}.${i.path}` : path }));

/**
 * The one documented departure from the schema the emulator writes: an invitee whose phone still rings is in the
 * roster with `id: null` (the invite examples), where the schema's key is not nullable. Read without it.
 */
function idless(participant: unknown): unknown {
  if (!participant || typeof participant !== "object" || (participant as { id?: unknown }).id !== null)
    return participant;
  const { id: _null, ...rest } = participant as Record<string, unknown>;
  return rest;
}

/**
 * A commsNotifications body held to the schema: the envelope and each commsNotification (open types), and each
 * resourceData as the entity its @odata.type names (a call, a participant, an operation, a deltaParticipants, ...).
 */
export function notificationSchemaIssues(body: unknown): SchemaIssue[] {
  const issues = checkStructured("commsNotifications", body);
  const items = (body as { value?: unknown[] } | null)?.value ?? [];
  items.forEach((item, i) => {
    const data = (item as { resourceData?: unknown } | null)?.resourceData;
    const at = `value[${i}].resourceData`;
    if (Array.isArray(data))
      data.forEach((d, j) => issues.push(...where(`${at}[${j}]`, checkStructured("entity", idless(d)))));
    else if (data !== undefined) {
      const participants = (data as { participants?: unknown }).participants;
      const held = Array.isArray(participants) ? { ...data, participants: participants.map(idless) } : data;
      issues.push(...where(at, checkStructured("entity", held)));
    }
  });
  return issues;
}

/** The type a Graph answer on `path` holds (itself, or each item of its `value`); undefined when not checked. */
function answerType(path: string): string | undefined {
  if (/\/onlineMeetings(\/|$)/.test(path)) return path.endsWith("/attendeeReport") ? undefined : "onlineMeeting";
  const call = /\/communications\/calls(?:\/[^/]+(?:\/(.+))?)?$/.exec(path);
  if (!call) return undefined;
  const below = call[1];
  if (below === undefined) return "call";
  if (below === "participants" || /^participants\/[^/]+$/.test(below))
    return below === "participants/invite" ? "commsOperation" : "participant";
  // the actions that answer with an operation (playPrompt, recordResponse, invite, mute, ...)
  return "commsOperation";
}

/** A 2xx JSON answer of the emulator's calls and online-meetings paths held to the schema. */
export function answerSchemaIssues(path: string, body: unknown): SchemaIssue[] {
  const type = answerType(new URL(path, "https://x").pathname);
  if (!type || !body || typeof body !== "object") return [];
  const { value } = body as { value?: unknown };
  if (Array.isArray(value)) return value.flatMap((item, i) => where(`value[${i}]`, checkStructured(type, item)));
  return checkStructured(type, body);
}
