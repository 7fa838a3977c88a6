// The clinic line: what happens to a call placed to the clinic's number. An incoming `created` call
// notification (applied by the bot-notification job) is decided by the rules (lib/clinic-line/rules.ts) within
// Graph's 15-second answer window: rejected, redirected, or answered into the IVR (lib/bot/flows/clinic-line.ts),
// whose commands this driver runs against Graph, the appointments and the Speech service.
//
// Contract §8: key presses, the recording (its location, token and audio) and its transcript live in memory
// for as long as one command needs them and are then dropped; none is stored, queued or logged. The Call row
// keeps the business outcome only (confirmed, cancelled, transferred, rejected, redirected, …) and a masked
// number. The caller's full number is held in memory for the call's lifetime (to find their appointment).
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import {
  initialLineState,
  intentOf,
  lineStep,
  type LineCommand,
  type LineEvent,
  type LineState,
} from "@/lib/bot/flows/clinic-line";
import { lifecycleEventOf } from "@/lib/bot/flows/call-events";
import { keyOfTone } from "@/lib/bot/flows/reminder";
import { graphIdForRequest } from "@/lib/bot/meeting-calls";
import {
  maskPhone,
  normaliseGraphId,
  type BotNotification,
  type RecordingEvent,
  type ToneEvent,
} from "@/lib/bot/schema";
import type { AppError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { phoneIdentity, target, userIdentity } from "@/lib/graph/calls";
import type { CallsApi } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { promptUri, type PromptStore } from "@/lib/prompts/store";
import { promptLocaleFor, type PromptLocale } from "@/lib/prompts/texts";
import { decide, normaliseCaller, type ClinicLineRuleInput, type LineDecision } from "./rules";

export interface SpeechConfig {
  /** the short-audio REST endpoint (…/speech/recognition/conversation/cognitiveservices/v1) */
  endpoint: string;
  key: string;
}

export interface ClinicLineDeps {
  db: PrismaClient;
  calls: CallsApi;
  callbackUri: string;
  publicBaseUrl: string;
  prompts: PromptStore;
  tenantId: string;
  receptionUserId: string | null;
  /** IANA zone the rules' time windows are in */
  clinicZone: string;
  speech: SpeechConfig | null;
  enqueueMeetingSync(appointmentId: string): Promise<void>;
  /** downloads the recording and calls Speech (the emulator's TLS in tests) */
  fetch?: typeof fetch;
  now?: () => Date;
}

export const DEFAULT_CLINIC_ZONE = "America/Sao_Paulo";
const LIVE_APPOINTMENT = ["BOOKED", "CONFIRMED"] as const;
const SPEECH_TIMEOUT_MS = 8_000;

interface LineCall {
  callRowId: string;
  state: LineState;
  /** E.164, memory only */
  caller: string | null;
  locale: PromptLocale;
  /** BCP-47 for Speech */
  speechLanguage: string;
}

const statusOf = (error: unknown) => (error as { status?: number } | null)?.status ?? null;

function callerOf(call: unknown): string | null {
  const source = (call as { source?: { identity?: { phone?: { id?: unknown } } } } | null)?.source;
  const id = source?.identity?.phone?.id;
  return typeof id === "string" ? normaliseCaller(id) : null;
}

export function clinicLineService(deps: ClinicLineDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const doFetch = deps.fetch ?? fetch;
  const actor: AuditActor = systemActor("clinic-line");
  const live = new Map<string, LineCall>();
  /** finished recordings by operation id: memory only, removed when read or when the call ends */
  const recordings = new Map<string, { graphCallId: string; recording: RecordingEvent }>();
  const chains = new Map<string, Promise<void>>();

  function serialised(graphCallId: string, work: () => Promise<void>): Promise<void> {
    const previous = chains.get(graphCallId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    chains.set(graphCallId, settled);
    void settled.then(() => {
      if (chains.get(graphCallId) === settled) chains.delete(graphCallId);
    });
    return next;
  }

  function forget(graphCallId: string) {
    live.delete(graphCallId);
    for (const [op, r] of recordings) if (r.graphCallId === graphCallId) recordings.delete(op);
  }

  async function patientFor(caller: string | null) {
    if (!caller) return null;
    const matches = await db.patient.findMany({
      where: { phone: caller },
      select: { id: true, locale: true },
      take: 2,
    });
    // two patients on one number: we cannot tell who is calling, reception can
    return matches.length === 1 ? matches[0]! : null;
  }

  async function rules(): Promise<ClinicLineRuleInput[]> {
    return db.clinicLineRule.findMany({ where: { active: true }, orderBy: [{ priority: "asc" }, { id: "asc" }] });
  }

  /** A `created` notification for a call we do not know: decide, record, act — within the answer window. */
  async function handleIncoming(graphCallId: string): Promise<LineDecision["action"] | "known" | "failed"> {
    if (await db.call.findUnique({ where: { graphCallId }, select: { id: true } })) return "known";
    const callId = graphIdForRequest(graphCallId);
    let caller: string | null = null;
    try {
      caller = callerOf(await deps.calls.get(callId));
    } catch (error) {
      // an unreadable caller is treated as anonymous: the rules for "*" still apply
      logger.warn({ graphCallId, status: statusOf(error) }, "incoming call: caller not readable");
    }
    const decision = decide(await rules(), caller, now(), deps.clinicZone);
    const at = now();
    const terminal = decision.action !== "answer";
    let row;
    try {
      row = await db.call.create({
        data: {
          graphCallId,
          direction: "INCOMING",
          purpose: "CLINIC_LINE",
          state: terminal ? "terminated" : "incoming",
          counterpart: caller ? maskPhone(caller) : "Anonymous",
          outcome: decision.action === "reject" ? "rejected" : decision.action === "redirect" ? "redirected" : null,
          endedAt: terminal ? at : null,
        },
      });
    } catch (error) {
      if ((error as { code?: string }).code === "P2002") return "known"; // a duplicate delivery won the race
      throw error;
    }
    try {
      if (decision.action === "reject") {
        await deps.calls.reject(callId, { reason: "none" });
      } else if (decision.action === "redirect") {
        const identity =
          decision.target.kind === "user"
            ? userIdentity(decision.target.userId, undefined, deps.tenantId)
            : phoneIdentity(decision.target.phone);
        await deps.calls.redirect(callId, { targets: [target(identity)] });
      } else {
        const patient = await patientFor(caller);
        live.set(graphCallId, {
          callRowId: row.id,
          state: initialLineState(),
          caller,
          locale: promptLocaleFor(patient?.locale),
          speechLanguage: patient?.locale?.toLowerCase().startsWith("en") ? "en-US" : "pt-BR",
        });
        await deps.calls.answer(callId, { callbackUri: deps.callbackUri, modalities: ["audio"] });
      }
    } catch (error) {
      forget(graphCallId);
      await db.call.update({ where: { id: row.id }, data: { outcome: "failed" } });
      logger.warn({ callId: row.id, action: decision.action, status: statusOf(error) }, "incoming call not handled");
      return "failed";
    }
    await recordAudit(
      db,
      actor,
      `clinic-line.${decision.action}`,
      { type: "Call", id: row.id },
      {
        ruleId: decision.ruleId,
      },
    );
    logger.info({ callId: row.id, action: decision.action, ruleId: decision.ruleId }, "incoming call");
    return decision.action;
  }

  // --- the IVR driver --------------------------------------------------------------------------------

  async function nextAppointment(caller: string | null) {
    const patient = await patientFor(caller);
    if (!patient) return null;
    return db.appointment.findFirst({
      where: { patientId: patient.id, status: { in: [...LIVE_APPOINTMENT] }, startsAt: { gt: now() } },
      orderBy: { startsAt: "asc" },
      select: { id: true },
    });
  }

  /** Download → Speech → keywords, in memory; the audio and transcript never leave this function. */
  async function understand(line: LineCall, operationId: string): Promise<LineEvent> {
    const held = recordings.get(operationId);
    recordings.delete(operationId);
    const location = held?.recording.location;
    const token = held?.recording.accessToken;
    if (!location || !token || !deps.speech) return { type: "understood", intent: null };
    try {
      const audio = await doFetch(location, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(SPEECH_TIMEOUT_MS),
      });
      if (!audio.ok) {
        logger.warn({ callId: line.callRowId, status: audio.status }, "recording not downloaded");
        return { type: "understood", intent: null };
      }
      const url = new URL(deps.speech.endpoint);
      url.searchParams.set("language", line.speechLanguage);
      url.searchParams.set("format", "simple");
      const recognised = await doFetch(url, {
        method: "POST",
        headers: {
          "ocp-apim-subscription-key": deps.speech.key,
          "content-type": "audio/wav; codecs=audio/pcm; samplerate=16000",
          accept: "application/json",
        },
        body: new Uint8Array(await audio.arrayBuffer()),
        signal: AbortSignal.timeout(SPEECH_TIMEOUT_MS),
      });
      if (!recognised.ok) {
        logger.warn({ callId: line.callRowId, status: recognised.status }, "speech recognition failed");
        return { type: "understood", intent: null };
      }
      const body = (await recognised.json()) as { RecognitionStatus?: unknown; DisplayText?: unknown };
      const intent =
        body.RecognitionStatus === "Success" && typeof body.DisplayText === "string"
          ? intentOf(body.DisplayText)
          : null;
      logger.info({ callId: line.callRowId, intent: intent ?? "unsure" }, "spoken request");
      return { type: "understood", intent };
    } catch (error) {
      logger.warn({ callId: line.callRowId, err: error instanceof Error ? error.name : "error" }, "speech failed");
      return { type: "understood", intent: null };
    }
  }

  async function execute(graphCallId: string, line: LineCall, command: LineCommand): Promise<LineEvent[]> {
    const callId = graphIdForRequest(graphCallId);
    const ctx = { callId: line.callRowId };
    switch (command.type) {
      case "subscribeToTone":
        try {
          await deps.calls.subscribeToTone(callId, { clientContext: `line:${line.callRowId}` });
        } catch (error) {
          logger.warn({ ...ctx, status: statusOf(error) }, "subscribeToTone failed");
        }
        return [];
      case "play":
      case "record": {
        const clientContext = `line:${command.prompt}`;
        try {
          // the text in force now (an admin may have edited it): its hash is in the URL
          const prompt = await promptUri(deps.publicBaseUrl, deps.prompts, line.locale, command.prompt);
          const op =
            command.type === "play"
              ? await deps.calls.playPrompt(callId, { prompts: [prompt], clientContext })
              : await deps.calls.recordResponse(callId, {
                  prompt,
                  bargeInAllowed: true,
                  playBeep: true,
                  initialSilenceTimeoutInSeconds: 5,
                  maxSilenceTimeoutInSeconds: 2,
                  maxRecordDurationInSeconds: 10,
                  stopTones: ["#"],
                  clientContext,
                });
          const operationId = op.id.toLowerCase();
          await db.callOperation.createMany({
            skipDuplicates: true,
            data: {
              callId: line.callRowId,
              graphOperationId: operationId,
              kind: command.type === "play" ? "playPrompt" : "record",
              status: op.status === "completed" ? "COMPLETED" : op.status === "failed" ? "FAILED" : "RUNNING",
              clientContext,
            },
          });
          if (command.type === "record") return [{ type: "recordStarted", operationId }];
          const events: LineEvent[] = [{ type: "playStarted", operationId }];
          if (op.status === "completed" || op.status === "failed")
            events.push({ type: "promptFinished", operationId, ok: op.status === "completed" });
          return events;
        } catch (error) {
          logger.warn({ ...ctx, status: statusOf(error) }, `${command.type} failed`);
          return [{ type: command.type === "play" ? "playFailed" : "recordFailed" }];
        }
      }
      case "understand":
        return [await understand(line, command.operationId)];
      case "confirm":
      case "cancel": {
        const action = command.type;
        const appointment = await nextAppointment(line.caller);
        if (!appointment) return [{ type: "noAppointment", action }];
        try {
          if (action === "confirm") await confirmAppointment(db, actor, appointment.id, now());
          else await cancelAppointment(db, actor, appointment.id, now(), { enforceCutoff: true });
        } catch (error) {
          logger.warn({ ...ctx, code: (error as AppError).code }, `${action} by phone failed`);
          return [{ type: "actionFailed", action }];
        }
        await db.call.update({ where: { id: line.callRowId }, data: { appointmentId: appointment.id } });
        if (action === "cancel") {
          try {
            await deps.enqueueMeetingSync(appointment.id);
          } catch (error) {
            logger.warn({ err: error, appointmentId: appointment.id }, "meeting sync not queued after cancel");
          }
        }
        return [{ type: "actionDone", action }];
      }
      case "transfer":
        if (!deps.receptionUserId) {
          logger.warn(ctx, "no reception user configured (RECEPTION_USER_ID)");
          return [{ type: "transferFailed" }];
        }
        try {
          await deps.calls.transfer(callId, {
            transferTarget: target(userIdentity(deps.receptionUserId, undefined, deps.tenantId)),
            clientContext: `line:${line.callRowId}`,
          });
          return [];
        } catch (error) {
          logger.warn({ ...ctx, status: statusOf(error) }, "transfer failed");
          return [{ type: "transferFailed" }];
        }
      case "hangUp":
        try {
          await deps.calls.hangUp(callId);
        } catch (error) {
          if (statusOf(error) !== 404) logger.warn({ ...ctx, status: statusOf(error) }, "hang up failed");
        }
        return [];
      case "finish": {
        const outcome = command.outcome.toLowerCase();
        // after the bot applied the termination (which wrote the technical outcome): the business one wins
        await db.call.update({ where: { id: line.callRowId }, data: { outcome } });
        await recordAudit(db, actor, "clinic-line.outcome", { type: "Call", id: line.callRowId }, { outcome });
        logger.info({ ...ctx, outcome, reason: command.reason }, "clinic line call finished");
        return [];
      }
    }
  }

  function feed(graphCallId: string, event: LineEvent): Promise<void> {
    return serialised(graphCallId, async () => {
      const line = live.get(graphCallId);
      if (!line) return;
      const pending: LineEvent[] = [event];
      while (pending.length) {
        const transition = lineStep(line.state, pending.shift()!);
        line.state = transition.state;
        for (const command of transition.commands) pending.push(...(await execute(graphCallId, line, command)));
      }
      // done, and no action outstanding that could still decide the outcome
      if (line.state.step === "done" && line.state.outcome) forget(graphCallId);
    });
  }

  /** After the bot applied a delivery (the bot-notification job). */
  async function handleNotifications(notifications: BotNotification[]): Promise<void> {
    for (const n of notifications) {
      if (n.kind === "call" && n.changeType === "created") {
        await handleIncoming(n.graphCallId);
        continue;
      }
      if (!live.has(n.graphCallId)) continue;
      const event = lifecycleEventOf(n);
      if (event) await feed(n.graphCallId, event);
    }
  }

  /** Tones (lib/bot/tones.ts), in memory; the key is never stored or logged. */
  function handleTone(graphCallId: string, tone: ToneEvent): Promise<void> {
    const key = keyOfTone(tone.tone);
    const id = normaliseGraphId(graphCallId);
    if (!key || !live.has(id)) return Promise.resolve();
    return feed(id, { type: "tone", key }).catch((error: unknown) => {
      logger.warn({ graphCallId: id, err: error instanceof Error ? error.name : "error" }, "line tone not handled");
    });
  }

  /** A finished recordResponse, in memory (lib/bot/intake.ts → onRecording); location/token never stored. */
  function handleRecording(graphCallId: string, recording: RecordingEvent): Promise<void> {
    const id = normaliseGraphId(graphCallId);
    if (!live.has(id)) return Promise.resolve();
    const operationId = recording.operationId.toLowerCase();
    if (recording.location) recordings.set(operationId, { graphCallId: id, recording });
    return feed(id, {
      type: "recordFinished",
      operationId,
      ok: recording.ok,
      hasRecording: Boolean(recording.location && recording.accessToken),
    }).catch((error: unknown) => {
      recordings.delete(operationId);
      logger.warn({ graphCallId: id, err: error instanceof Error ? error.name : "error" }, "recording not handled");
    });
  }

  return { handleIncoming, handleNotifications, handleTone, handleRecording, feed };
}

export type ClinicLineService = ReturnType<typeof clinicLineService>;
