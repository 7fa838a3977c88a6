import { z } from "zod";
import type { CallEngine } from "../calls/engine";
import type { CallRecord, Conference, Member } from "../calls/model";
import { findUser } from "../directory";
import { behaviourSchema, endpointKeyFrom } from "../farend/behaviour";
import { badRequest, notFound, sendJson, type RequestContext } from "../http/context";
import { faultRuleSchema, type FaultInjector } from "../http/faults";
import type { Router } from "../http/router";
import type { MeetingStore } from "../graph/meetings";
import type { Notifier } from "../notifications/notifier";
import { variantSettingsSchema, type VariantPicker } from "../variants";
import type { EmulatorClock } from "../clock";

export interface ControlDeps {
  engine: CallEngine;
  meetings: MeetingStore;
  notifier: Notifier;
  faults: FaultInjector;
  settings: { botCallbackUrl: string; accessPolicyAllowAll: boolean; accessPolicyUsers: Set<string> };
  variants: VariantPicker;
  clock: EmulatorClock;
  resetAll: () => void;
  info: () => Record<string, unknown>;
}

function memberView(m: Member) {
  return {
    participantId: m.id,
    kind: m.kind,
    endpoint: m.endpointKey,
    displayName: m.displayName,
    state: m.calling ? "calling" : m.state,
    muted: m.muted,
    endReason: m.endReason ?? null,
    handedOff: m.handedOff ?? null,
  };
}

function callView(engine: CallEngine, call: CallRecord) {
  const conf = engine.conferences.get(call.conferenceId);
  return {
    id: call.id,
    kind: call.kind,
    state: call.state,
    direction: call.direction,
    variant: call.variant,
    callbackUri: call.callbackUri,
    createdAt: call.createdAt,
    endedAt: call.endedAt ?? null,
    resultInfo: call.resultInfo,
    toneSubscribed: call.toneSubscribed,
    mediaState: call.mediaState,
    /** prompts and recordings started before the audio was active, which the far end did not hear */
    promptsBeforeAudio: call.promptsBeforeAudio,
    /** the words of each prompt the far end heard, in order (audio from the text-to-speech stand-in says them) */
    heard: call.heard ?? [],
    keepAlive: engine.keepAliveView(call),
    threadId: conf?.threadId ?? null,
    redirectedTo: call.redirectedTo ?? null,
    redirect: call.redirectedTo
      ? {
          targets: call.redirectedTo,
          outcome: call.redirectOutcome ?? "ringing",
          answeredBy: call.redirectAnsweredBy ?? null,
        }
      : null,
    transfer: call.transfer
      ? {
          target: call.transfer.target,
          consultative: call.transfer.consultative,
          outcome: call.transfer.outcome,
          answeredBy: call.transfer.answeredBy ?? null,
          resultInfo: call.transfer.result ?? null,
          ringResult: call.transfer.ringResult ?? null,
          // the transferee and the target, talking without the bot
          legs: [...(engine.conferences.get(call.transfer.conferenceId ?? "")?.members.values() ?? [])].map(memberView),
        }
      : null,
    legs: [...(conf?.members.values() ?? [])].map(memberView),
  };
}

export function registerControlRoutes(router: Router, deps: ControlDeps): void {
  const { engine, meetings, notifier, faults, settings } = deps;
  const directory = engine.deps.directory;
  const keyOf = (raw: string) => {
    const key = endpointKeyFrom(raw, (v) => findUser(directory, v)?.id);
    if (!key) throw notFound(`Unknown endpoint '${raw}': use a directory user id/UPN or an E.164 phone number.`);
    return key;
  };

  /** Member currently on a call for an endpoint (ringing, calling or connected). */
  function liveMember(key: string): { member: Member; call?: CallRecord } | undefined {
    for (const call of [...engine.calls.values()].reverse()) {
      if (call.state === "terminated") continue;
      const conf = engine.conferences.get(call.conferenceId);
      const member = [...(conf?.members.values() ?? [])].find((m) => m.endpointKey === key && m.state !== "left");
      if (member) return { member, call };
    }
    // Conversations the bot handed on (an answered redirect or transfer) have no bot call of their own.
    for (const conf of engine.conferences.values()) {
      const member = [...conf.members.values()].find((m) => m.endpointKey === key && m.state !== "left");
      if (member) return { member };
    }
    return undefined;
  }

  function memberById(id: string): Member {
    for (const conf of engine.conferences.values()) {
      const m = conf.members.get(id);
      if (m && m.kind !== "bot") return m;
    }
    throw notFound(`Leg '${id}' was not found.`);
  }

  function meetingConf(id: string): Conference {
    const meeting = meetings.meetings.get(id);
    if (meeting?.body.chatInfo?.threadId) return engine.meetingConference(meeting.body.chatInfo.threadId);
    const byThread = [...engine.conferences.values()].find(
      (c) => c.kind === "meeting" && (c.threadId === id || c.id === id),
    );
    if (byThread) return byThread;
    throw notFound(`Meeting '${id}' was not found.`);
  }

  const legAction = z.discriminatedUnion("action", [
    z.object({ action: z.literal("answer") }),
    z.object({ action: z.literal("decline") }),
    z.object({ action: z.literal("busy") }),
    z.object({
      action: z.literal("press"),
      keys: z.string().regex(/^[0-9*#A-D]+$/, "keys must be 0-9, *, #"),
      intervalMs: z.number().int().min(0).max(5000).optional(),
    }),
    z.object({ action: z.literal("say"), text: z.string().min(1).max(2000) }),
    z.object({ action: z.literal("hangup") }),
    z.object({ action: z.literal("startSharing") }),
    z.object({ action: z.literal("stopSharing") }),
  ]);

  async function applyLegAction(ctx: RequestContext, member: Member): Promise<void> {
    const body = await ctx.parse(legAction);
    switch (body.action) {
      case "answer":
      case "decline":
      case "busy":
        if (!engine.resolveRing(member.id, body.action))
          throw badRequest(`Leg is ${member.state}; only a ringing leg can ${body.action}.`);
        break;
      case "press":
        if (member.state !== "connected")
          throw badRequest(`Leg is ${member.state}; keys can only be pressed on a connected leg.`);
        await engine.pressKeys(member, body.keys, body.intervalMs ?? 50);
        break;
      case "say":
        if (member.state !== "connected") throw badRequest(`Leg is ${member.state}; only a connected leg can speak.`);
        engine.say(member, body.text);
        break;
      case "hangup":
        engine.memberHangUp(member);
        break;
      case "startSharing":
        engine.startSharing(member);
        break;
      case "stopSharing":
        engine.stopSharing(member);
        break;
    }
    sendJson(ctx, 200, memberView(member));
  }

  router.on("GET", "/_emulator/health", (ctx) => sendJson(ctx, 200, { status: "ok", ...deps.info() }));
  router.on("POST", "/_emulator/reset", (ctx) => {
    deps.resetAll();
    sendJson(ctx, 200, { status: "reset" });
  });

  router.on("GET", "/_emulator/directory", (ctx) => sendJson(ctx, 200, directory));

  // The clock of the keepAlive timeout: a test lets 45 minutes pass at once
  router.on("GET", "/_emulator/clock", (ctx) => sendJson(ctx, 200, deps.clock.view()));
  router.on("POST", "/_emulator/clock/advance", async (ctx) => {
    const body = await ctx.parse(
      z.object({
        ms: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 3_600_000),
      }),
    );
    deps.clock.advance(body.ms);
    sendJson(ctx, 200, deps.clock.view());
  });

  // Which documented forms new calls get (emulator/variants.ts)
  router.on("GET", "/_emulator/variants", (ctx) => sendJson(ctx, 200, deps.variants.view()));
  router.on("PUT", "/_emulator/variants", async (ctx) => {
    deps.variants.configure(await ctx.parse(variantSettingsSchema));
    sendJson(ctx, 200, deps.variants.view());
  });

  router.on("GET", "/_emulator/bot-callback", (ctx) => sendJson(ctx, 200, { url: settings.botCallbackUrl }));
  router.on("PUT", "/_emulator/bot-callback", async (ctx) => {
    const body = await ctx.parse(z.object({ url: z.string().url() }));
    settings.botCallbackUrl = body.url;
    sendJson(ctx, 200, { url: settings.botCallbackUrl });
  });

  router.on("PUT", "/_emulator/access-policy", async (ctx) => {
    const body = await ctx.parse(
      z.object({ allowAll: z.boolean().optional(), userIds: z.array(z.string()).optional() }),
    );
    if (body.allowAll !== undefined) settings.accessPolicyAllowAll = body.allowAll;
    if (body.userIds) {
      settings.accessPolicyUsers.clear();
      for (const u of body.userIds) {
        const user = findUser(directory, u);
        if (!user) throw notFound(`User '${u}' is not in the directory.`);
        settings.accessPolicyUsers.add(user.id);
      }
    }
    sendJson(ctx, 200, { allowAll: settings.accessPolicyAllowAll, userIds: [...settings.accessPolicyUsers] });
  });

  // Far-end endpoints
  router.on("GET", "/_emulator/endpoints", (ctx) =>
    sendJson(ctx, 200, {
      value: [...engine.behaviours.entries()].map(([endpoint, behaviour]) => ({ endpoint, behaviour })),
    }),
  );
  router.on("PUT", "/_emulator/endpoints/:endpoint", async (ctx) => {
    const key = keyOf(ctx.params.endpoint!);
    const behaviour = await ctx.parse(behaviourSchema);
    engine.behaviours.set(key, behaviour);
    sendJson(ctx, 200, { endpoint: key, behaviour });
  });
  router.on("GET", "/_emulator/endpoints/:endpoint", (ctx) => {
    const key = keyOf(ctx.params.endpoint!);
    const live = liveMember(key);
    sendJson(ctx, 200, {
      endpoint: key,
      behaviour: engine.behaviourFor(key),
      leg: live
        ? { ...memberView(live.member), callId: live.call?.id ?? null, callState: live.call?.state ?? null }
        : null,
    });
  });
  router.on("POST", "/_emulator/endpoints/:endpoint/actions", async (ctx) => {
    const key = keyOf(ctx.params.endpoint!);
    const live = liveMember(key);
    if (!live) throw notFound(`Endpoint '${key}' has no live call.`);
    await applyLegAction(ctx, live.member);
  });

  // Incoming calls to the clinic
  router.on("POST", "/_emulator/incoming-calls", async (ctx) => {
    const body = await ctx.parse(
      z.object({
        from: z.string().min(1),
        displayName: z.string().max(200).optional(),
        /** The bot is invited as a policy-based (compliance) recorder instead of being called. */
        policyRecording: z.boolean().optional(),
      }),
    );
    const call = engine.placeIncomingCall(keyOf(body.from), body.displayName, {
      policyRecording: body.policyRecording,
    });
    sendJson(ctx, 201, callView(engine, call));
  });

  // Calls and legs
  router.on("GET", "/_emulator/calls", (ctx) => {
    const state = ctx.url.searchParams.get("state");
    const calls = [...engine.calls.values()].filter(
      (c) => !state || (state === "active" ? c.state !== "terminated" : c.state === state),
    );
    sendJson(ctx, 200, { value: calls.map((c) => callView(engine, c)) });
  });
  router.on("GET", "/_emulator/calls/:callId", (ctx) => {
    const call = engine.calls.get(ctx.params.callId!.toLowerCase());
    if (!call) throw notFound(`Call '${ctx.params.callId}' was not found.`);
    sendJson(ctx, 200, callView(engine, call));
  });
  router.on("POST", "/_emulator/legs/:legId/actions", async (ctx) =>
    applyLegAction(ctx, memberById(ctx.params.legId!)),
  );

  // Meetings and guests
  router.on("GET", "/_emulator/meetings", (ctx) =>
    sendJson(ctx, 200, {
      value: [...meetings.meetings.values()].map((m) => {
        const conf = [...engine.conferences.values()].find(
          (c) => c.kind === "meeting" && c.threadId === m.body.chatInfo?.threadId,
        );
        return {
          id: m.body.id,
          subject: m.body.subject,
          joinWebUrl: m.body.joinWebUrl,
          organizerId: m.organizerId,
          externalId: m.externalId ?? null,
          participants: [...(conf?.members.values() ?? [])].map(memberView),
        };
      }),
    }),
  );
  router.on("POST", "/_emulator/meetings/:meetingId/guests", async (ctx) => {
    const body = await ctx.parse(
      z.object({ name: z.string().trim().min(1).max(100), bypassLobby: z.boolean().optional() }),
    );
    const conf = meetingConf(ctx.params.meetingId!);
    const meeting = conf.meetingId ? meetings.meetings.get(conf.meetingId) : undefined;
    // Anonymous guests only skip the lobby when the meeting lets everyone in.
    const bypass = body.bypassLobby ?? meeting?.body.lobbyBypassSettings?.scope === "everyone";
    const member = engine.guestJoin(conf, body.name, bypass);
    sendJson(ctx, 201, memberView(member));
  });
  router.on("GET", "/_emulator/meetings/:meetingId/guests/:guestId", (ctx) => {
    const m = meetingConf(ctx.params.meetingId!).members.get(ctx.params.guestId!);
    if (!m) throw notFound(`Guest '${ctx.params.guestId}' was not found.`);
    sendJson(ctx, 200, memberView(m));
  });
  router.on("POST", "/_emulator/meetings/:meetingId/guests/:guestId/admit", (ctx) =>
    sendJson(ctx, 200, memberView(engine.admit(meetingConf(ctx.params.meetingId!), ctx.params.guestId!))),
  );
  router.on("POST", "/_emulator/meetings/:meetingId/guests/:guestId/leave", (ctx) => {
    const conf = meetingConf(ctx.params.meetingId!);
    engine.leave(conf, ctx.params.guestId!);
    sendJson(ctx, 200, memberView(conf.members.get(ctx.params.guestId!)!));
  });

  // Notifications and faults
  router.on("GET", "/_emulator/notifications", (ctx) => {
    const callId = ctx.url.searchParams.get("callId") ?? undefined;
    sendJson(ctx, 200, { value: notifier.deliveries({ callId }) });
  });
  router.on("GET", "/_emulator/faults", (ctx) =>
    sendJson(ctx, 200, { value: faults.list().map(({ matcher: _m, ...r }) => r) }),
  );
  router.on("POST", "/_emulator/faults", async (ctx) => {
    const rule = faults.add(await ctx.parse(faultRuleSchema));
    const { matcher: _m, ...view } = rule;
    sendJson(ctx, 201, view);
  });
  router.on("DELETE", "/_emulator/faults", (ctx) => {
    faults.clear();
    sendJson(ctx, 200, { value: [] });
  });
}
