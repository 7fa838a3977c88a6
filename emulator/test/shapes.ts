import { z } from "zod";

/** zod shapes derived from the notification examples in emulator/contract/examples. */
const resultInfo = z.looseObject({ code: z.number().int(), subcode: z.number().int(), message: z.string() });
const identitySet = z
  .looseObject({})
  .refine(
    (o) => ["user", "phone", "guest", "application", "applicationInstance"].some((k) => k in o),
    "identitySet names someone",
  );

export const callData = z.looseObject({
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

export const participantData = z.looseObject({
  "@odata.type": z.literal("#microsoft.graph.participant"),
  id: z.string(),
  info: z.looseObject({ identity: identitySet }),
  mediaStreams: z.array(
    z.looseObject({ mediaType: z.string(), direction: z.string(), sourceId: z.string(), serverMuted: z.boolean() }),
  ),
  isMuted: z.boolean(),
  isInLobby: z.boolean(),
});

export const operationData = z.looseObject({
  "@odata.type": z.string().regex(/^#microsoft\.graph\.\w+Operation$/),
  status: z.enum(["completed", "failed"]),
  resultInfo,
  clientContext: z.string().nullable(),
});

export const sharingData = z
  .array(z.looseObject({ "@odata.type": z.literal("#microsoft.graph.contentSharingSession"), id: z.string() }))
  .min(1);

export const commsNotification = z
  .looseObject({
    "@odata.type": z.literal("#microsoft.graph.commsNotification"),
    changeType: z.enum(["created", "updated", "deleted"]),
    resourceUrl: z
      .string()
      .regex(
        /^\/communications\/calls\/[0-9a-f-]{36}(\/participants|\/operations\/[0-9a-f-]{36}|\/contentsharingsessions(\/[0-9A-F]{64})?)?$/,
      ),
    // Content-sharing notifications on a session's own URL carry no resourceData (answer example).
    resourceData: z.union([callData, z.array(participantData).min(1), operationData, sharingData]).optional(),
  })
  .superRefine((n, ctx) => {
    const kind = n.resourceUrl.endsWith("/participants")
      ? "roster"
      : n.resourceUrl.includes("/operations/")
        ? "op"
        : n.resourceUrl.includes("/contentsharingsessions")
          ? "sharing"
          : "call";
    const data = n.resourceData as unknown;
    if (kind === "sharing") {
      const onSession = !n.resourceUrl.endsWith("/contentsharingsessions");
      if (onSession ? data !== undefined : !sharingData.safeParse(data).success)
        ctx.addIssue({ code: "custom", message: "content sharing: array of sessions, or none on a session URL" });
      return;
    }
    if (data === undefined) ctx.addIssue({ code: "custom", message: "resourceData is required" });
    if (kind === "roster" && !Array.isArray(data))
      ctx.addIssue({ code: "custom", message: "roster needs array resourceData" });
    if (kind === "op" && (n.changeType !== "deleted" || !operationData.safeParse(data).success))
      ctx.addIssue({ code: "custom", message: "operation result must be deleted + *Operation" });
    if (kind === "call" && !callData.safeParse(data).success)
      ctx.addIssue({ code: "custom", message: "call resourceData must be a call" });
  });

export const commsNotifications = z.object({
  "@odata.type": z.literal("#microsoft.graph.commsNotifications"),
  value: z.array(commsNotification).min(1),
});
