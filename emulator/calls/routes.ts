import crypto from "node:crypto";
import { z } from "zod";
import { badRequest, HttpError, sendEmpty, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import { requireAppRole, type Authenticate } from "../identity/graph-auth";
import { checkActionParameters, checkEntityBody, type Binding } from "../graph/actions";
import type { CallEngine } from "./engine";
import type { MediaOp } from "./model";
import { callResource, callUrl, GRAPH_V1, operationResource, participantResource } from "./serialize";

const loose = z.looseObject({});
const identitySetSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }).optional(),
  phone: z.looseObject({ id: z.string().regex(/^\+[1-9]\d{6,14}$/, "phone id must be E.164") }).optional(),
  application: z.looseObject({ id: z.string() }).optional(),
  applicationInstance: z.looseObject({ id: z.string() }).optional(),
  guest: loose.optional(),
});
const invitationSchema = z.looseObject({ identity: identitySetSchema, replacesCallId: z.string().nullish() });
const modalities = z.array(z.enum(["audio", "video", "videoBasedScreenSharing", "data", "unknown"])).min(1);
const mediaConfigSchema = z.looseObject({
  "@odata.type": z.enum(["#microsoft.graph.serviceHostedMediaConfig", "#microsoft.graph.appHostedMediaConfig"]),
  preFetchMedia: z.array(z.looseObject({ uri: z.string().url() })).optional(),
  blob: z.string().optional(),
});
const callbackUri = z
  .string()
  .url()
  .refine((u) => /^https?:/i.test(u), "callbackUri must be an http(s) URL");
const chatInfoSchema = z.looseObject({ threadId: z.string().min(1), messageId: z.string().nullish() });
const meetingInfoSchema = z.union([
  z.looseObject({ "@odata.type": z.literal("#microsoft.graph.organizerMeetingInfo"), organizer: identitySetSchema }),
  z.looseObject({
    "@odata.type": z.literal("#microsoft.graph.joinMeetingIdMeetingInfo"),
    joinMeetingId: z.string().min(1),
    passcode: z.string().nullish(),
  }),
  z.looseObject({ "@odata.type": z.literal("#microsoft.graph.tokenMeetingInfo"), token: z.string() }),
]);
const createCallSchema = z.looseObject({
  callbackUri,
  requestedModalities: modalities,
  mediaConfig: mediaConfigSchema,
  targets: z.array(invitationSchema).optional(),
  source: loose.optional(),
  chatInfo: chatInfoSchema.optional(),
  meetingInfo: meetingInfoSchema.optional(),
  tenantId: z.string().optional(),
  subject: z.string().nullish(),
  callOptions: loose.optional(),
});
const answerSchema = z.looseObject({
  callbackUri: callbackUri.optional(),
  acceptedModalities: modalities,
  mediaConfig: mediaConfigSchema,
  callOptions: loose.optional(),
  participantCapacity: z.number().int().optional(),
});
const rejectSchema = z.looseObject({
  reason: z
    .string()
    .toLowerCase()
    .pipe(z.enum(["none", "busy", "forbidden"]))
    .optional(),
  callbackUri: callbackUri.optional(),
});
const clientContext = z.string().max(256).nullish();
const promptSchema = z.looseObject({
  mediaInfo: z.looseObject({ uri: z.string().url(), resourceId: z.string().optional() }),
});
const seconds = z.number().int().min(1).max(120);

const APP_MEDIA = "#microsoft.graph.appHostedMediaConfig";

function location(ctx: RequestContext, path: string): string {
  return `${ctx.url.origin}/v1.0${path}`;
}

export function registerCallRoutes(router: Router, deps: { engine: CallEngine; authenticate: Authenticate }): void {
  const { engine, authenticate } = deps;
  const limits = engine.deps.limits;
  const base = "/v1.0/communications/calls";

  /** Follow-up actions: any app token (permissions were checked when the call was created). */
  async function appCall(ctx: RequestContext) {
    const principal = await authenticate(ctx);
    if (principal.kind !== "app")
      throw new HttpError(403, "accessDenied", "Calls APIs do not support delegated permissions.");
    return { principal, call: engine.activeCall(ctx.params.callId!) };
  }

  /** A bound action: authenticated, then its body held to the parameters Graph's schema declares for it. */
  async function appAction(ctx: RequestContext, action: string, binding: Binding = "graph.call") {
    const found = await appCall(ctx);
    await checkActionParameters(ctx, binding, action);
    return found;
  }

  function requireServiceMedia(call: { mediaConfig: Record<string, unknown> }, action: string) {
    if (call.mediaConfig["@odata.type"] === APP_MEDIA)
      throw badRequest(`${action} is only supported for calls with service-hosted media.`);
  }

  router.on("POST", base, async (ctx) => {
    const principal = await authenticate(ctx);
    await checkEntityBody(ctx, "call");
    const body = await ctx.parse(createCallSchema);
    const joinsMeeting = !!body.meetingInfo;
    const targets = body.targets ?? [];
    if (joinsMeeting) {
      requireAppRole(principal, ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All"], "Joining a meeting");
      if (body.meetingInfo?.["@odata.type"] === "#microsoft.graph.organizerMeetingInfo" && !body.chatInfo)
        throw badRequest("chatInfo is required with organizerMeetingInfo.");
    } else {
      if (targets.length === 0)
        throw badRequest(
          "targets must contain at least one participant (or use chatInfo + meetingInfo to join a meeting).",
        );
      if (targets.length > limits.maxInvitees)
        throw badRequest(`A group call can have at most ${limits.maxInvitees} targets.`);
      requireAppRole(
        principal,
        targets.length > 1 ? ["Calls.InitiateGroupCall.All"] : ["Calls.Initiate.All", "Calls.InitiateGroupCall.All"],
        "Creating a call",
      );
    }
    if (body.mediaConfig["@odata.type"] === APP_MEDIA)
      requireAppRole(principal, ["Calls.AccessMedia.All"], "App-hosted media");
    if (engine.activeCount(principal.appId) >= limits.maxConcurrentCalls) {
      throw new HttpError(
        429,
        "activityLimitReached",
        `The application reached its limit of ${limits.maxConcurrentCalls} concurrent calls.`,
        { "Retry-After": "5" },
      );
    }

    let call;
    if (joinsMeeting) {
      let chatInfo = body.chatInfo as Record<string, unknown> | undefined;
      let meetingInfo = body.meetingInfo as Record<string, unknown>;
      if (body.meetingInfo?.["@odata.type"] === "#microsoft.graph.joinMeetingIdMeetingInfo") {
        const meeting = engine.deps.meetings.byJoinMeetingId(body.meetingInfo.joinMeetingId as string);
        if (
          meeting?.body.joinMeetingIdSettings?.isPasscodeRequired &&
          meeting.body.joinMeetingIdSettings.passcode !== body.meetingInfo.passcode
        ) {
          throw new HttpError(403, "accessDenied", "The passcode for the meeting is not valid.");
        }
        // The service fills in chatInfo for joinMeetingId joins.
        chatInfo = meeting?.body.chatInfo
          ? { "@odata.type": "#microsoft.graph.chatInfo", ...meeting.body.chatInfo }
          : {
              "@odata.type": "#microsoft.graph.chatInfo",
              threadId: `19:meeting_jmid${body.meetingInfo.joinMeetingId as string}@thread.v2`,
              messageId: "0",
              replyChainMessageId: null,
            };
        meetingInfo = { ...meetingInfo };
      }
      const conf = engine.meetingConference(String(chatInfo?.threadId));
      call = engine.createCall(
        {
          appId: principal.appId,
          kind: "meeting",
          callbackUri: body.callbackUri,
          source: body.source,
          targets,
          requestedModalities: body.requestedModalities,
          mediaConfig: body.mediaConfig,
          chatInfo,
          meetingInfo,
          tenantId: body.tenantId,
          subject: body.subject,
          callOptions: body.callOptions,
        },
        conf,
      );
      engine.startMeetingJoin(call);
    } else {
      const conf = engine.newConference(targets.length > 1 ? "group" : "p2p");
      call = engine.createCall(
        {
          appId: principal.appId,
          kind: targets.length > 1 ? "group" : "p2p",
          callbackUri: body.callbackUri,
          source: body.source,
          targets: targets.map((t) => ({
            "@odata.type": "#microsoft.graph.invitationParticipantInfo",
            endpointType: null,
            replacesCallId: null,
            ...t,
          })),
          requestedModalities: body.requestedModalities,
          mediaConfig: body.mediaConfig,
          tenantId: body.tenantId,
          subject: body.subject,
          callOptions: body.callOptions,
        },
        conf,
      );
      engine.startOutgoing(call);
    }
    sendJson(ctx, 201, callResource(call, "create"), { Location: location(ctx, callUrl(call.id)) });
  });

  router.on("GET", `${base}/:callId`, async (ctx) => {
    const { call } = await appCall(ctx);
    sendJson(ctx, 200, callResource(call, "get"));
  });

  router.on("DELETE", `${base}/:callId`, async (ctx) => {
    const { call } = await appCall(ctx);
    engine.hangUp(call);
    sendEmpty(ctx, 204);
  });

  router.on("POST", `${base}/:callId/answer`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "answer");
    const body = await ctx.parse(answerSchema);
    requireAppRole(principal, ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All"], "Answering a call");
    if (body.mediaConfig["@odata.type"] === APP_MEDIA)
      requireAppRole(principal, ["Calls.AccessMedia.All"], "App-hosted media");
    engine.answer(call, {
      callbackUri: body.callbackUri,
      acceptedModalities: body.acceptedModalities,
      mediaConfig: body.mediaConfig,
      callOptions: body.callOptions,
    });
    sendEmpty(ctx, 202);
  });

  router.on("POST", `${base}/:callId/reject`, async (ctx) => {
    const { call } = await appAction(ctx, "reject");
    const body = await ctx.parse(rejectSchema);
    engine.reject(call, body.reason ?? "none", body.callbackUri);
    sendEmpty(ctx, 202);
  });

  router.on("POST", `${base}/:callId/redirect`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "redirect");
    const body = await ctx.parse(
      z.looseObject({
        targets: z.array(invitationSchema).min(1).max(25),
        timeout: z
          .number()
          .int()
          .min(
            limits.redirectTimeoutMinSeconds,
            `timeout must be between ${limits.redirectTimeoutMinSeconds} and ${limits.redirectTimeoutMaxSeconds}`,
          )
          .max(
            limits.redirectTimeoutMaxSeconds,
            `timeout must be between ${limits.redirectTimeoutMinSeconds} and ${limits.redirectTimeoutMaxSeconds}`,
          )
          .optional(),
        callbackUri: callbackUri.optional(),
      }),
    );
    requireAppRole(principal, ["Calls.Initiate.All"], "Redirecting a call");
    engine.redirect(call, body.targets, {
      // Graph's defaults: 55 s for one target, 60 s when several ring at once.
      timeoutSeconds: body.timeout ?? (body.targets.length > 1 ? 60 : 55),
      callbackUri: body.callbackUri,
    });
    sendEmpty(ctx, 202);
  });

  router.on("POST", `${base}/:callId/transfer`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "transfer");
    const body = await ctx.parse(z.looseObject({ transferTarget: invitationSchema, transferee: loose.optional() }));
    requireAppRole(principal, ["Calls.Initiate.All"], "Transferring a call");
    engine.transfer(call, body.transferTarget, body.transferee);
    sendEmpty(ctx, 202);
  });

  router.on("POST", `${base}/:callId/keepAlive`, async (ctx) => {
    const { call } = await appAction(ctx, "keepAlive");
    engine.keepAlive(call);
    sendEmpty(ctx, 200);
  });

  function mediaOp(
    type: MediaOp["type"],
    odataType: string,
    cc: string | null | undefined,
    prompts: Array<z.infer<typeof promptSchema>>,
  ): MediaOp {
    return {
      id: crypto.randomUUID(),
      type,
      odataType,
      clientContext: cc ?? null,
      status: "running",
      prompts: prompts.map((p) => ({ uri: p.mediaInfo.uri, resourceId: p.mediaInfo.resourceId })),
      abort: new AbortController(),
    };
  }

  router.on("POST", `${base}/:callId/playPrompt`, async (ctx) => {
    const { call } = await appAction(ctx, "playPrompt");
    const body = await ctx.parse(
      z.looseObject({
        prompts: z
          .array(promptSchema)
          .min(1)
          .max(limits.maxPromptsPerPlayPrompt, `at most ${limits.maxPromptsPerPlayPrompt} prompts`),
        clientContext,
      }),
    );
    requireServiceMedia(call, "playPrompt");
    const op = mediaOp("playPrompt", "#microsoft.graph.playPromptOperation", body.clientContext, body.prompts);
    engine.enqueueMedia(call, op);
    sendJson(ctx, 200, operationResource(call.id, { ...op, status: "running" }), {
      Location: location(ctx, `${callUrl(call.id)}/operations/${op.id}`),
    });
  });

  router.on("POST", `${base}/:callId/recordResponse`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "recordResponse");
    const body = await ctx.parse(
      z.looseObject({
        prompts: z
          .array(promptSchema)
          .max(limits.maxPromptsPerRecordResponse, `at most ${limits.maxPromptsPerRecordResponse} prompt`)
          .optional(),
        bargeInAllowed: z.boolean().optional(),
        initialSilenceTimeoutInSeconds: seconds.optional(),
        maxSilenceTimeoutInSeconds: seconds.optional(),
        maxRecordDurationInSeconds: seconds.optional(),
        playBeep: z.boolean().optional(),
        stopTones: z.array(z.string().regex(/^[0-9*#A-D]$/)).optional(),
        clientContext,
      }),
    );
    requireAppRole(principal, ["Calls.AccessMedia.All"], "recordResponse");
    requireServiceMedia(call, "recordResponse");
    const op = mediaOp("recordResponse", "#microsoft.graph.recordOperation", body.clientContext, body.prompts ?? []);
    op.record = {
      bargeInAllowed: body.bargeInAllowed ?? false,
      initialSilenceMs: (body.initialSilenceTimeoutInSeconds ?? 5) * 1000,
      maxSilenceMs: (body.maxSilenceTimeoutInSeconds ?? 5) * 1000,
      maxDurationMs: (body.maxRecordDurationInSeconds ?? 5) * 1000,
      playBeep: body.playBeep ?? true,
      stopTones: body.stopTones ?? [],
    };
    engine.enqueueMedia(call, op);
    sendJson(
      ctx,
      200,
      operationResource(
        call.id,
        { ...op, status: "running" },
        {
          recordingLocation: null,
          recordingAccessToken: null,
          ...(call.variant.completionReason && { completionReason: null }),
        },
      ),
      {
        Location: location(ctx, `${callUrl(call.id)}/operations/${op.id}`),
      },
    );
  });

  router.on("POST", `${base}/:callId/subscribeToTone`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "subscribeToTone");
    const body = await ctx.parse(z.looseObject({ clientContext }));
    requireAppRole(principal, ["Calls.AccessMedia.All"], "subscribeToTone");
    requireServiceMedia(call, "subscribeToTone");
    call.toneSubscribed = true;
    const id = crypto.randomUUID();
    sendJson(
      ctx,
      200,
      operationResource(call.id, {
        id,
        odataType: "#microsoft.graph.subscribeToToneOperation",
        status: "completed",
        clientContext: body.clientContext ?? null,
      }),
      {
        Location: location(ctx, `${callUrl(call.id)}/operations/${id}`),
      },
    );
  });

  router.on("POST", `${base}/:callId/cancelMediaProcessing`, async (ctx) => {
    const { call } = await appAction(ctx, "cancelMediaProcessing");
    const body = await ctx.parse(z.looseObject({ clientContext }));
    engine.cancelMedia(call);
    const id = crypto.randomUUID();
    sendJson(
      ctx,
      200,
      operationResource(call.id, {
        id,
        odataType: "#microsoft.graph.cancelMediaProcessingOperation",
        status: "completed",
        clientContext: body.clientContext ?? null,
      }),
      {
        Location: location(ctx, `${callUrl(call.id)}/operations/${id}`),
      },
    );
  });

  router.on("GET", `${base}/:callId/participants`, async (ctx) => {
    const { call } = await appCall(ctx);
    sendJson(ctx, 200, {
      "@odata.context": `${GRAPH_V1}/$metadata#communications/calls('${call.id}')/participants`,
      value: engine.roster(call).map(participantResource),
    });
  });

  router.on("GET", `${base}/:callId/participants/:participantId`, async (ctx) => {
    const { call } = await appCall(ctx);
    sendJson(ctx, 200, {
      "@odata.context": `${GRAPH_V1}/$metadata#communications/calls('${call.id}')/participants/$entity`,
      ...participantResource(engine.member(call, ctx.params.participantId!)),
    });
  });

  router.on("POST", `${base}/:callId/participants/invite`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "invite", "Collection(graph.participant)");
    const body = await ctx.parse(
      z.looseObject({
        participants: z
          .array(invitationSchema)
          .min(1)
          .max(limits.maxInvitees, `at most ${limits.maxInvitees} participants`),
        clientContext,
      }),
    );
    requireAppRole(principal, ["Calls.InitiateGroupCall.All"], "Inviting participants");
    if (call.state !== "established")
      throw badRequest(`The call is ${call.state}; participants can only be invited into an established call.`);
    // A phone number is dialled from the call's source, which must then be an application instance (a
    // resource account with a number): calls the app joined as itself have no number to call from.
    const applicationInstance = (call.source.identity as { applicationInstance?: { id?: unknown } } | undefined)
      ?.applicationInstance?.id;
    // With replacesCallId only the first participant is read (participant-invite example 3) and nobody is
    // dialled: the person is moved from the bot's peer-to-peer call, so no number to call from is needed.
    const replacing = body.participants[0]?.replacesCallId ? body.participants[0] : undefined;
    const participants = replacing ? [replacing] : body.participants;
    const replaced = replacing ? engine.replacedCall(call, replacing) : undefined;
    if (!replacing && participants.some((p) => p.identity.phone) && !applicationInstance)
      throw badRequest(
        "Inviting a phone number needs the call to be placed with an application instance (a resource account with a phone number) as its source.",
      );
    const op = { id: crypto.randomUUID(), clientContext: body.clientContext ?? null };
    engine.invite(call, op, participants, replaced);
    sendJson(
      ctx,
      200,
      {
        ...operationResource(call.id, {
          ...op,
          odataType: "#microsoft.graph.inviteParticipantsOperation",
          status: "running",
        }),
        participants: participants.map((p) => ({ endpointType: null, replacesCallId: null, ...p })),
      },
      { Location: location(ctx, `${callUrl(call.id)}/operations/${op.id}`) },
    );
  });

  router.on("POST", `${base}/:callId/participants/:participantId/mute`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "mute", "graph.participant");
    const body = await ctx.parse(z.looseObject({ clientContext }));
    requireAppRole(principal, ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All"], "Muting a participant");
    engine.mute(call, ctx.params.participantId!);
    const id = crypto.randomUUID();
    sendJson(
      ctx,
      200,
      {
        "@odata.context": `${GRAPH_V1}/$metadata#microsoft.graph.muteParticipantOperation`,
        ...operationResource(call.id, {
          id,
          odataType: "#microsoft.graph.muteParticipantOperation",
          status: "completed",
          clientContext: body.clientContext ?? null,
        }),
      },
      { Location: location(ctx, `${callUrl(call.id)}/operations/${id}`) },
    );
  });

  router.on("DELETE", `${base}/:callId/participants/:participantId`, async (ctx) => {
    const { principal, call } = await appCall(ctx);
    requireAppRole(principal, ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All"], "Removing a participant");
    engine.removeParticipant(call, ctx.params.participantId!);
    sendEmpty(ctx, 204);
  });
}
