import crypto from "node:crypto";
import { z } from "zod";
import { badRequest, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import { requireAppRole } from "../identity/graph-auth";
import type { MediaOp } from "./model";
import { APP_MEDIA, CALLS_BASE, clientContext, location, type CallRouteContext } from "./route-context";
import { callUrl, operationResource } from "./serialize";

// The service-hosted media actions on a call: playPrompt, recordResponse, subscribeToTone and
// cancelMediaProcessing. Each answers with its operation and a Location naming it.

const promptSchema = z.looseObject({
  mediaInfo: z.looseObject({ uri: z.string().url(), resourceId: z.string().optional() }),
});
const seconds = z.number().int().min(1).max(120);

function requireServiceMedia(call: { mediaConfig: Record<string, unknown> }, action: string) {
  if (call.mediaConfig["@odata.type"] === APP_MEDIA)
    throw badRequest(`${action} is only supported for calls with service-hosted media.`);
}

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

/** An action Graph completes at once (subscribeToTone, cancelMediaProcessing): 200 with its operation, completed. */
function sendCompletedOperation(
  ctx: RequestContext,
  callId: string,
  odataType: string,
  context: string | null | undefined,
): void {
  const id = crypto.randomUUID();
  sendJson(
    ctx,
    200,
    operationResource(callId, { id, odataType, status: "completed", clientContext: context ?? null }),
    { Location: location(ctx, `${callUrl(callId)}/operations/${id}`) },
  );
}

export function registerMediaRoutes(router: Router, routes: CallRouteContext): void {
  const { engine, limits, appAction } = routes;

  router.on("POST", `${CALLS_BASE}/:callId/playPrompt`, async (ctx) => {
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

  router.on("POST", `${CALLS_BASE}/:callId/recordResponse`, async (ctx) => {
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

  router.on("POST", `${CALLS_BASE}/:callId/subscribeToTone`, async (ctx) => {
    const { principal, call } = await appAction(ctx, "subscribeToTone");
    const body = await ctx.parse(z.looseObject({ clientContext }));
    requireAppRole(principal, ["Calls.AccessMedia.All"], "subscribeToTone");
    requireServiceMedia(call, "subscribeToTone");
    call.toneSubscribed = true;
    sendCompletedOperation(ctx, call.id, "#microsoft.graph.subscribeToToneOperation", body.clientContext);
  });

  router.on("POST", `${CALLS_BASE}/:callId/cancelMediaProcessing`, async (ctx) => {
    const { call } = await appAction(ctx, "cancelMediaProcessing");
    const body = await ctx.parse(z.looseObject({ clientContext }));
    engine.cancelMedia(call);
    sendCompletedOperation(ctx, call.id, "#microsoft.graph.cancelMediaProcessingOperation", body.clientContext);
  });
}
