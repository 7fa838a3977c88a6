// The clinic line: what happens to a call placed to the clinic's number. An incoming `created` call
// notification (applied by the bot-notification job) is decided by the rules (lib/clinic-line/rules.ts) within
// Graph's 15-second answer window: rejected, redirected, or answered into the IVR (lib/bot/flows/clinic-line.ts),
// whose commands this driver runs against Graph, the appointments and the Speech service.
//
// Where an answered call is in the IVR lives in the database (ClinicLineFlow), not in a process: the call's
// notifications are applied in a worker, its key presses and recordings arrive in whichever web process
// received the webhook, and either may restart mid-call. Each event is handled by the process it reaches:
// it takes the flow's lease (a conditional update, so one process steps a call at a time), loads the state,
// steps, runs the commands, saves, and lets go. The row is deleted when the flow is done.
//
// emulator/CONTRACT.md#media-persistence: key presses, the recording (its location, token and audio) and its
// transcript live in memory for as long as one command needs them and are then dropped; none is stored, queued
// or logged. The stored flow state names steps, operation ids, the prompt locale and the patient resolved at
// answer time — not the caller's number. The Call row keeps the business outcome only (confirmed, cancelled,
// transferred, rejected, redirected, …) and a masked number.
import { randomUUID } from "node:crypto";
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
import type { ClinicLineFlow, Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { phoneIdentity, target, userIdentity } from "@/lib/graph/calls";
import type { CallsApi } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { promptUri, type PromptStore } from "@/lib/prompts/store";
import { promptLocaleFor, type PromptLocale } from "@/lib/prompts/texts";
import { TARGET_SAMPLE_RATE, toSpeechWav } from "@/lib/prompts/wav";
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
/**
 * How long a process may step one call before another may take over (it died): renewed before every
 * command, so it only needs to outlast the slowest one (Graph's retries, download + Speech).
 */
const LEASE_MS = 30_000;
/** an event waits this long for the lease at most: past it the holder is dead (lease expired) */
const LEASE_WAIT_MS = LEASE_MS + 5_000;
/** a flow that has not moved for this long has lost its driver: the sweep ends the call */
export const STALLED_AFTER_MS = 10 * 60_000;

/** An answered call's flow as loaded from its ClinicLineFlow row. */
interface LineCall {
  callRowId: string;
  graphCallId: string;
  state: LineState;
  /** the caller, if their number matched one patient when the call was answered */
  patientId: string | null;
  locale: PromptLocale;
  /** BCP-47 for Speech */
  speechLanguage: string;
}

/** What only the process handling the event holds: the finished recording it received (memory only). */
interface Held {
  recording?: RecordingEvent;
}

/** Another process took the flow over (this one was too slow and its lease ran out): stop stepping. */
class LeaseLost extends Error {
  constructor() {
    super("clinic line flow taken over");
    this.name = "LeaseLost";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lineOf(row: ClinicLineFlow): LineCall {
  return {
    callRowId: row.callId,
    graphCallId: row.graphCallId,
    state: row.state as unknown as LineState,
    patientId: row.patientId,
    locale: promptLocaleFor(row.locale),
    speechLanguage: row.speechLanguage,
  };
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
  const chains = new Map<string, Promise<unknown>>();

  /** Events of one call reaching this process queue here; the lease orders them across processes. */
  function serialised<T>(graphCallId: string, work: () => Promise<T>): Promise<T> {
    const previous = chains.get(graphCallId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    chains.set(graphCallId, settled);
    void settled.then(() => {
      if (chains.get(graphCallId) === settled) chains.delete(graphCallId);
    });
    return next;
  }

  // --- the flow's lease: one process steps a call at a time ---------------------------------------
  // Lease times are the machine's clock (how long a process may hold on), not `now` (business time).

  /** Takes the lease of the call's flow, waiting while another process holds it; false = no flow. */
  async function acquire(graphCallId: string, holder: string): Promise<boolean> {
    if (!(await db.clinicLineFlow.findUnique({ where: { graphCallId }, select: { callId: true } }))) return false;
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const at = new Date();
      const taken = await db.clinicLineFlow.updateMany({
        where: { graphCallId, OR: [{ leaseUntil: null }, { leaseUntil: { lt: at } }] },
        data: { leaseHolder: holder, leaseUntil: new Date(at.getTime() + LEASE_MS) },
      });
      if (taken.count === 1) return true;
      if (!(await db.clinicLineFlow.findUnique({ where: { graphCallId }, select: { callId: true } }))) return false;
      if (Date.now() + delay > deadline) throw new Error("clinic line flow busy");
      await sleep(delay);
    }
  }

  /** Renews the lease, saving the state with it; throws LeaseLost when another process has taken over. */
  async function keep(line: LineCall, holder: string, saveState: boolean): Promise<void> {
    const kept = await db.clinicLineFlow.updateMany({
      where: { callId: line.callRowId, leaseHolder: holder },
      data: {
        leaseUntil: new Date(Date.now() + LEASE_MS),
        ...(saveState && { state: line.state as unknown as Prisma.InputJsonValue }),
      },
    });
    if (kept.count !== 1) throw new LeaseLost();
  }

  async function release(graphCallId: string, holder: string): Promise<void> {
    await db.clinicLineFlow.updateMany({
      where: { graphCallId, leaseHolder: holder },
      data: { leaseHolder: null, leaseUntil: null },
    });
  }

  /** The flow is over: only the Call row (business outcome) remains. */
  async function drop(line: LineCall, holder: string): Promise<void> {
    await db.clinicLineFlow.deleteMany({ where: { callId: line.callRowId, leaseHolder: holder } });
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
          peerToPeer: true,
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
        // the flow exists before the call is answered, so its first notification finds it in any process
        const patient = await patientFor(caller);
        await db.clinicLineFlow.create({
          data: {
            callId: row.id,
            graphCallId,
            state: initialLineState() as unknown as Prisma.InputJsonValue,
            locale: promptLocaleFor(patient?.locale),
            speechLanguage: patient?.locale?.toLowerCase().startsWith("en") ? "en-US" : "pt-BR",
            patientId: patient?.id ?? null,
          },
        });
        await deps.calls.answer(callId, { callbackUri: deps.callbackUri, modalities: ["audio"] });
      }
    } catch (error) {
      await db.clinicLineFlow.deleteMany({ where: { callId: row.id } });
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

  async function nextAppointment(patientId: string | null) {
    if (!patientId) return null;
    return db.appointment.findFirst({
      where: { patientId, status: { in: [...LIVE_APPOINTMENT] }, startsAt: { gt: now() } },
      orderBy: { startsAt: "asc" },
      select: { id: true },
    });
  }

  /** Download → Speech → keywords, in memory; the audio and transcript never leave this function. */
  async function understand(line: LineCall, operationId: string, held: Held): Promise<LineEvent> {
    // the recording is here only in the process that received it, for the event that brought it
    const recording = held.recording?.operationId === operationId ? held.recording : undefined;
    const location = recording?.location;
    const token = recording?.accessToken;
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
      // the recording's own rate (phone media is often 8 kHz), converted to the 16 kHz mono the API takes
      let wav: Buffer;
      try {
        wav = toSpeechWav(new Uint8Array(await audio.arrayBuffer()));
      } catch {
        logger.warn({ callId: line.callRowId }, "recording is not a 16-bit PCM WAV");
        return { type: "understood", intent: null };
      }
      const url = new URL(deps.speech.endpoint);
      url.searchParams.set("language", line.speechLanguage);
      url.searchParams.set("format", "simple");
      const recognised = await doFetch(url, {
        method: "POST",
        headers: {
          "ocp-apim-subscription-key": deps.speech.key,
          "content-type": `audio/wav; codecs=audio/pcm; samplerate=${TARGET_SAMPLE_RATE}`,
          accept: "application/json",
        },
        body: new Uint8Array(wav),
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

  async function execute(line: LineCall, command: LineCommand, held: Held, holder: string): Promise<LineEvent[]> {
    const callId = graphIdForRequest(line.graphCallId);
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
          const operationId = op.id;
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
        return [await understand(line, command.operationId, held)];
      case "confirm":
      case "cancel": {
        const action = command.type;
        const appointment = await nextAppointment(line.patientId);
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
        // The outcome, its audit row and the end of the flow commit together: a process that dies right
        // after leaves no flow behind for the sweep to finish (and audit) a second time.
        const ended = await db.$transaction(async (tx) => {
          const flow = await tx.clinicLineFlow.deleteMany({ where: { callId: line.callRowId, leaseHolder: holder } });
          if (flow.count !== 1) return false;
          // after the bot applied the termination (which wrote the technical outcome): the business one wins
          await tx.call.update({ where: { id: line.callRowId }, data: { outcome } });
          await recordAudit(tx, actor, "clinic-line.outcome", { type: "Call", id: line.callRowId }, { outcome });
          return true;
        });
        if (!ended) throw new LeaseLost();
        logger.info({ ...ctx, outcome, reason: command.reason }, "clinic line call finished");
        return [];
      }
    }
  }

  /**
   * Feeds one event to the flow of the call `graphCallId` (no-op for calls without one): takes the lease,
   * loads the state, steps, saves it before each command (so a process that dies mid-command leaves the
   * position it had reached) and lets go. The state is deleted once the flow is done.
   */
  function feed(graphCallId: string, event: LineEvent, held: Held = {}): Promise<void> {
    return serialised(graphCallId, async () => {
      const holder = randomUUID();
      if (!(await acquire(graphCallId, holder))) return;
      try {
        const row = await db.clinicLineFlow.findUnique({ where: { graphCallId } });
        if (!row || row.leaseHolder !== holder) return;
        const line = lineOf(row);
        const pending: LineEvent[] = [event];
        let dirty = false;
        while (pending.length) {
          const transition = lineStep(line.state, pending.shift()!);
          if (transition.state !== line.state) dirty = true;
          line.state = transition.state;
          for (const command of transition.commands) {
            await keep(line, holder, dirty);
            dirty = false;
            pending.push(...(await execute(line, command, held, holder)));
          }
        }
        // done, and no action outstanding that could still decide the outcome
        if (line.state.step === "done" && line.state.outcome) await drop(line, holder);
        else if (dirty) await keep(line, holder, true);
      } catch (error) {
        if (!(error instanceof LeaseLost)) throw error;
        logger.warn({ graphCallId }, "clinic line flow taken over by another process");
      } finally {
        await release(graphCallId, holder).catch(() => undefined);
      }
    });
  }

  /** After the bot applied a delivery (the bot-notification job). */
  async function handleNotifications(notifications: BotNotification[]): Promise<void> {
    for (const n of notifications) {
      if (n.kind === "call" && n.changeType === "created") {
        await handleIncoming(n.graphCallId);
        continue;
      }
      const event = lifecycleEventOf(n);
      if (!event) continue;
      try {
        await feed(n.graphCallId, event);
      } catch (error) {
        // one call's trouble does not hold up the others in the delivery; the sweep ends a flow left behind
        logger.warn(
          { graphCallId: n.graphCallId, err: error instanceof Error ? error.name : "error" },
          "line event not handled",
        );
      }
    }
  }

  /** Tones (lib/bot/tones.ts), in memory; the key is never stored or logged. */
  function handleTone(graphCallId: string, tone: ToneEvent): Promise<void> {
    const key = keyOfTone(tone.tone);
    const id = normaliseGraphId(graphCallId);
    if (!key) return Promise.resolve();
    return feed(id, { type: "tone", key }).catch((error: unknown) => {
      logger.warn({ graphCallId: id, err: error instanceof Error ? error.name : "error" }, "line tone not handled");
    });
  }

  /**
   * A finished recordResponse, in memory (lib/bot/intake.ts → onRecording). This process runs the flow step
   * itself, so the recording's location and token stay here: never stored, queued or logged.
   */
  function handleRecording(graphCallId: string, recording: RecordingEvent): Promise<void> {
    const id = normaliseGraphId(graphCallId);
    const event: LineEvent = {
      type: "recordFinished",
      operationId: recording.operationId,
      ok: recording.ok,
      hasRecording: Boolean(recording.location && recording.accessToken),
    };
    return feed(id, event, { recording }).catch((error: unknown) => {
      logger.warn({ graphCallId: id, err: error instanceof Error ? error.name : "error" }, "recording not handled");
    });
  }

  /**
   * A flow whose driver is gone (its process died mid-step, or an event was lost) would keep the caller on
   * an answered call that nobody drives. Flows that have not moved for STALLED_AFTER_MS are ended: a call
   * still up is hung up (its termination then finishes the flow as usual; the outcome is FAILED unless one
   * was decided); a call already gone is finished here.
   */
  async function sweep(): Promise<{ stalled: number }> {
    const stalledBefore = new Date(now().getTime() - STALLED_AFTER_MS);
    const rows = await db.clinicLineFlow.findMany({
      where: { updatedAt: { lt: stalledBefore } },
      select: { graphCallId: true },
      orderBy: { updatedAt: "asc" },
      take: 100,
    });
    let stalled = 0;
    for (const { graphCallId } of rows) if (await endStalled(graphCallId, stalledBefore)) stalled++;
    return { stalled };
  }

  function endStalled(graphCallId: string, stalledBefore: Date): Promise<boolean> {
    return serialised(graphCallId, async () => {
      const holder = randomUUID();
      const at = new Date();
      // still stalled and nobody stepping it (an event may have arrived since the query)
      const taken = await db.clinicLineFlow.updateMany({
        where: {
          graphCallId,
          updatedAt: { lt: stalledBefore },
          OR: [{ leaseUntil: null }, { leaseUntil: { lt: at } }],
        },
        data: { leaseHolder: holder, leaseUntil: new Date(at.getTime() + LEASE_MS) },
      });
      if (taken.count !== 1) return false;
      try {
        const row = await db.clinicLineFlow.findUnique({ where: { graphCallId } });
        if (!row || row.leaseHolder !== holder) return false;
        const line = lineOf(row);
        const step = line.state.step;
        if (step !== "done") {
          try {
            await deps.calls.hangUp(graphIdForRequest(graphCallId));
            line.state = { ...line.state, step: "ending", waitingFor: null, outcome: line.state.outcome ?? "FAILED" };
            await keep(line, holder, true);
            logger.warn({ callId: line.callRowId, step }, "stalled clinic line call hung up");
            return true;
          } catch (error) {
            if (statusOf(error) !== 404) {
              logger.warn({ callId: line.callRowId, status: statusOf(error) }, "stalled clinic line call not hung up");
              return false;
            }
          }
        }
        // the call is gone and nothing more will come: keep the outcome reached (else FAILED), drop the flow
        await execute(line, { type: "finish", outcome: line.state.outcome ?? "FAILED", reason: "stalled" }, {}, holder);
        return true;
      } finally {
        await release(graphCallId, holder).catch(() => undefined);
      }
    });
  }

  /** Resolves when the flow work under way in this process has finished (graceful shutdown). */
  async function settled(): Promise<void> {
    while (chains.size) await Promise.allSettled([...chains.values()]);
  }

  return { handleIncoming, handleNotifications, handleTone, handleRecording, feed, sweep, settled };
}

export type ClinicLineService = ReturnType<typeof clinicLineService>;
