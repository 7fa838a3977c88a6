import { z } from "zod";
import { badRequest, HttpError, sendEmpty, sendJson } from "../http/context";
import type { Router } from "../http/router";
import { requireAppRole, type Authenticate } from "../identity/graph-auth";
import { checkEntityBody } from "../graph/actions";
import type { CallEngine } from "./engine";
import { registerMediaRoutes } from "./media-routes";
import { registerParticipantRoutes } from "./participant-routes";
import {
  APP_MEDIA,
  callbackUri,
  CALLS_BASE,
  callRouteContext,
  identitySetSchema,
  invitationSchema,
  location,
  loose,
} from "./route-context";
import { callResource, callUrl } from "./serialize";

// Graph's calls (the Graph surface in emulator/README.md): creating a call and what is done to the call as a whole
// (get, hang up, answer, reject, redirect, transfer, keepAlive); its media and participants have route files
// of their own.

const modalities = z.array(z.enum(["audio", "video", "videoBasedScreenSharing", "data", "unknown"])).min(1);
const mediaConfigSchema = z.looseObject({
  "@odata.type": z.enum(["#microsoft.graph.serviceHostedMediaConfig", "#microsoft.graph.appHostedMediaConfig"]),
  preFetchMedia: z.array(z.looseObject({ uri: z.string().url() })).optional(),
  blob: z.string().optional(),
});
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

export function registerCallRoutes(router: Router, deps: { engine: CallEngine; authenticate: Authenticate }): void {
  const { authenticate } = deps;
  const routes = callRouteContext(deps);
  const { engine, limits, appCall, appAction } = routes;

  router.on("POST", CALLS_BASE, async (ctx) => {
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

  router.on("GET", `${CALLS_BASE}/:callId`, async (ctx) => {
    const { call } = await appCall(ctx);
    sendJson(ctx, 200, callResource(call, "get"));
  });

  router.on("DELETE", `${CALLS_BASE}/:callId`, async (ctx) => {
    const { call } = await appCall(ctx);
    engine.hangUp(call);
    sendEmpty(ctx, 204);
  });

  router.on("POST", `${CALLS_BASE}/:callId/answer`, async (ctx) => {
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

  router.on("POST", `${CALLS_BASE}/:callId/reject`, async (ctx) => {
    const { call } = await appAction(ctx, "reject");
    const body = await ctx.parse(rejectSchema);
    engine.reject(call, body.reason ?? "none", body.callbackUri);
    sendEmpty(ctx, 202);
  });

  router.on("POST", `${CALLS_BASE}/:callId/redirect`, async (ctx) => {
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

  router.on("POST", `${CALLS_BASE}/:callId/transfer`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "transfer");
    const body = await ctx.parse(z.looseObject({ transferTarget: invitationSchema, transferee: loose.optional() }));
    requireAppRole(principal, ["Calls.Initiate.All"], "Transferring a call");
    engine.transfer(call, body.transferTarget, body.transferee);
    sendEmpty(ctx, 202);
  });

  router.on("POST", `${CALLS_BASE}/:callId/keepAlive`, async (ctx) => {
    const { call } = await appAction(ctx, "keepAlive");
    engine.keepAlive(call);
    sendEmpty(ctx, 200);
  });

  // after the call's own routes, so the router tries them in the order they always had
  registerMediaRoutes(router, routes);
  registerParticipantRoutes(router, routes);
}
