import crypto from "node:crypto";
import { z } from "zod";
import { badRequest, sendEmpty, sendJson } from "../http/context";
import type { Router } from "../http/router";
import { requireAppRole } from "../identity/graph-auth";
import { CALLS_BASE, clientContext, invitationSchema, location, type CallRouteContext } from "./route-context";
import { callUrl, GRAPH_V1, operationResource, participantResource } from "./serialize";

// A call's participants: list, get, invite (replacesCallId included), mute and remove.

export function registerParticipantRoutes(router: Router, routes: CallRouteContext): void {
  const { engine, limits, appCall, appAction } = routes;

  router.on("GET", `${CALLS_BASE}/:callId/participants`, async (ctx) => {
    const { call } = await appCall(ctx);
    sendJson(ctx, 200, {
      "@odata.context": `${GRAPH_V1}/$metadata#communications/calls('${call.id}')/participants`,
      value: engine.roster(call).map(participantResource),
    });
  });

  router.on("GET", `${CALLS_BASE}/:callId/participants/:participantId`, async (ctx) => {
    const { call } = await appCall(ctx);
    sendJson(ctx, 200, {
      "@odata.context": `${GRAPH_V1}/$metadata#communications/calls('${call.id}')/participants/$entity`,
      ...participantResource(engine.member(call, ctx.params.participantId!)),
    });
  });

  router.on("POST", `${CALLS_BASE}/:callId/participants/invite`, async (ctx) => {
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

  router.on("POST", `${CALLS_BASE}/:callId/participants/:participantId/mute`, async (ctx) => {
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

  router.on("DELETE", `${CALLS_BASE}/:callId/participants/:participantId`, async (ctx) => {
    const { principal, call } = await appCall(ctx);
    requireAppRole(principal, ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All"], "Removing a participant");
    engine.removeParticipant(call, ctx.params.participantId!);
    sendEmpty(ctx, 204);
  });
}
