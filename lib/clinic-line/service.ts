// The clinic line: what happens to a call placed to the clinic's number. The webhook records the incoming call
// (`created`) and its Call row; the call runtime (lib/bot/runtime) holds it and steps the IVR
// (lib/bot/flows/clinic-line.ts) — this file gives the runtime the flow and its domain actions: the screening
// by the rules (lib/clinic-line/rules.ts) within Graph's 15-second answer window (rejected, redirected, or
// answered into the IVR), the caller's appointment confirmed or cancelled, a spoken request understood, and
// the outcome written with its audit row. Prompts, recordings, tones, transfers and hang-ups are the
// runtime's Graph commands.
//
// emulator/CONTRACT.md#media-persistence: key presses, the recording (its location, token and audio) and its
// transcript live in memory for as long as one command needs them and are then dropped; none is stored, queued
// or logged. The flow's document (Call.flow) names steps, operation ids, the languages and the patient resolved
// at answer time — not the caller's number. The Call row keeps the business outcome only (confirmed, cancelled,
// transferred, rejected, redirected, …) and a masked number.
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import type { AppointmentChange } from "@/lib/appointments/jobs";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import { lineStep } from "@/lib/bot/flows/clinic-line";
import { intentOf } from "@/lib/bot/flows/clinic-line-speech";
import {
  lineStateSchema,
  screeningLineState,
  type LineCommand,
  type LineEvent,
  type JoinableVisit,
  type LineState,
} from "@/lib/bot/flows/clinic-line-state";
import { auditInTransaction } from "@/lib/bot/runtime/audit";
import { defineFlow, type FlowCall, type Held } from "@/lib/bot/runtime/flow";
import { maskPhone } from "@/lib/bot/schema";
import type { AppError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { phoneIdentity, target, userIdentity } from "@/lib/graph/call-identities";
import type { CallsApi } from "@/lib/graph/gateway";
import { graphIdForRequest } from "@/lib/graph/ids";
import { logger } from "@/lib/logger";
import { promptLocaleFor } from "@/lib/prompts/texts";
import { inviteIntoMeeting } from "@/lib/rescue/meeting-service";
import { TARGET_SAMPLE_RATE, toSpeechWav } from "@/lib/prompts/wav";
import { decide, normaliseCaller, type ClinicLineRuleInput } from "./rules";
import { LIVE_APPOINTMENT_STATUSES } from "@/lib/constants";

interface SpeechConfig {
  /** the short-audio REST endpoint (…/speech/recognition/conversation/cognitiveservices/v1) */
  endpoint: string;
  key: string;
}

export interface ClinicLineDeps {
  db: PrismaClient;
  calls: Pick<CallsApi, "get" | "answer" | "reject" | "redirect" | "invite">;
  callbackUri: string;
  tenantId: string;
  /** IANA zone the rules' time windows are in */
  clinicZone: string;
  speech: SpeechConfig | null;
  /** the caller cancelled an appointment: its meeting and messages follow (lib/appointments/jobs.ts) */
  announceChange(change: AppointmentChange): Promise<void>;
  /** downloads the recording and calls Speech (the emulator's TLS in tests) */
  fetch?: typeof fetch;
  now?: () => Date;
}

const SPEECH_TIMEOUT_MS = 8_000;
/** a visit starting within this long (or under way) can be joined from the clinic line */
const JOIN_WINDOW_MS = 15 * 60_000;
/** a flow that has not moved for this long has lost its driver (no IVR step waits that long): it is ended */
export const STALLED_AFTER_MS = 10 * 60_000;

const statusOf = (error: unknown) => (error as { status?: number } | null)?.status ?? null;

function callerOf(call: unknown): string | null {
  const source = (call as { source?: { identity?: { phone?: { id?: unknown } } } } | null)?.source;
  const id = source?.identity?.phone?.id;
  return typeof id === "string" ? normaliseCaller(id) : null;
}

type Event = Extract<
  LineEvent,
  {
    type:
      | "screened"
      | "understood"
      | "actionDone"
      | "noAppointment"
      | "found"
      | "actionFailed"
      | "joinStarted"
      | "joinFailed";
  }
>;
type Command = Extract<
  LineCommand,
  { type: "screen" | "understand" | "lookUp" | "confirm" | "cancel" | "finish" | "joinVisit" }
>;

export function clinicLineService(deps: ClinicLineDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const doFetch = deps.fetch ?? fetch;
  const actor: AuditActor = systemActor("clinic-line");

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

  /** A new incoming call: the rules decide, within the answer window, and the decision is carried out. */
  async function screen(call: FlowCall): Promise<Event> {
    const callId = graphIdForRequest(call.graphCallId);
    let caller: string | null = null;
    try {
      caller = callerOf(await deps.calls.get(callId));
    } catch (error) {
      // an unreadable caller is treated as anonymous: the rules for "*" still apply
      logger.warn({ callId: call.id, status: statusOf(error) }, "incoming call: caller not readable");
    }
    const decision = decide(await rules(), caller, now(), deps.clinicZone);
    const counterpart = caller ? maskPhone(caller) : "Anonymous";
    const patient = decision.action === "answer" ? await patientFor(caller) : null;
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
        await deps.calls.answer(callId, { callbackUri: deps.callbackUri, modalities: ["audio"] });
      }
    } catch (error) {
      await db.call.update({ where: { id: call.id }, data: { counterpart, outcome: "failed" } });
      logger.warn({ callId: call.id, action: decision.action, status: statusOf(error) }, "incoming call not handled");
      return { type: "screened", action: "failed" };
    }
    // rejected and redirected calls are over for the bot: later notifications do not change them
    const terminal = decision.action !== "answer";
    await db.call.update({
      where: { id: call.id },
      data: {
        counterpart,
        ...(terminal && {
          state: "terminated",
          outcome: decision.action === "reject" ? "rejected" : "redirected",
          endedAt: now(),
        }),
      },
    });
    await recordAudit(
      db,
      actor,
      `clinic-line.${decision.action}`,
      { type: "Call", id: call.id },
      {
        ruleId: decision.ruleId,
      },
    );
    logger.info({ callId: call.id, action: decision.action, ruleId: decision.ruleId }, "incoming call");
    if (decision.action !== "answer") return { type: "screened", action: decision.action };
    return {
      type: "screened",
      action: "answer",
      locale: promptLocaleFor(patient?.locale),
      speechLanguage: patient?.locale?.toLowerCase().startsWith("en") ? "en-US" : "pt-BR",
      patientId: patient?.id ?? null,
      visit: patient ? await joinableVisit(patient.id) : null,
    };
  }

  /**
   * The caller's visit starting within 15 minutes, or under way, whose meeting the bot is in (it is the bot's
   * meeting call that takes the caller in): what "press 2 to join your visit now" offers.
   */
  async function joinableVisit(patientId: string): Promise<JoinableVisit | null> {
    const at = now();
    const visit = await db.appointment.findFirst({
      where: {
        patientId,
        status: { in: LIVE_APPOINTMENT_STATUSES },
        startsAt: { lte: new Date(at.getTime() + JOIN_WINDOW_MS) },
        endsAt: { gt: at },
        calls: { some: { purpose: "MEETING_JOIN", state: "established" } },
      },
      orderBy: { startsAt: "asc" },
      select: {
        id: true,
        startsAt: true,
        clinician: { select: { name: true } },
        patient: { select: { timeZone: true } },
      },
    });
    if (!visit) return null;
    return {
      appointmentId: visit.id,
      about: {
        startsAt: visit.startsAt.toISOString(),
        zone: visit.patient.timeZone,
        clinicianName: visit.clinician.name,
      },
    };
  }

  /** 2 when a visit can be joined: the call moves into its meeting (the patient's number is the caller's). */
  async function joinVisit(call: FlowCall, line: LineState): Promise<Event> {
    const visit = line.visit;
    const patient = line.patientId
      ? await db.patient.findUnique({ where: { id: line.patientId }, select: { phone: true } })
      : null;
    if (!visit || !patient?.phone) return { type: "joinFailed" };
    await db.call.update({ where: { id: call.id }, data: { appointmentId: visit.appointmentId } });
    const operationId = await inviteIntoMeeting(deps, {
      appointmentId: visit.appointmentId,
      phone: patient.phone,
      replacesGraphCallId: call.graphCallId,
      clientContext: `line:${call.id}`,
    });
    logger.info({ callId: call.id, appointmentId: visit.appointmentId, joined: operationId !== null }, "joining visit");
    return operationId ? { type: "joinStarted", operationId } : { type: "joinFailed" };
  }

  async function nextAppointment(patientId: string | null) {
    if (!patientId) return null;
    return db.appointment.findFirst({
      where: { patientId, status: { in: LIVE_APPOINTMENT_STATUSES }, startsAt: { gt: now() } },
      orderBy: { startsAt: "asc" },
      select: {
        id: true,
        startsAt: true,
        clinician: { select: { name: true } },
        patient: { select: { timeZone: true } },
      },
    });
  }

  /** Download → Speech → keywords, in memory; the audio and transcript never leave this function. */
  async function understand(call: FlowCall, line: LineState, operationId: string, held: Held): Promise<Event> {
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
        logger.warn({ callId: call.id, status: audio.status }, "recording not downloaded");
        return { type: "understood", intent: null };
      }
      // the recording's own rate (phone media is often 8 kHz), converted to the 16 kHz mono the API takes
      let wav: Buffer;
      try {
        wav = toSpeechWav(new Uint8Array(await audio.arrayBuffer()));
      } catch {
        logger.warn({ callId: call.id }, "recording is not a 16-bit PCM WAV");
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
        logger.warn({ callId: call.id, status: recognised.status }, "speech recognition failed");
        return { type: "understood", intent: null };
      }
      const body = (await recognised.json()) as { RecognitionStatus?: unknown; DisplayText?: unknown };
      const intent =
        body.RecognitionStatus === "Success" && typeof body.DisplayText === "string"
          ? intentOf(body.DisplayText)
          : null;
      logger.info({ callId: call.id, intent: intent ?? "unsure" }, "spoken request");
      return { type: "understood", intent };
    } catch (error) {
      logger.warn({ callId: call.id, err: error instanceof Error ? error.name : "error" }, "speech failed");
      return { type: "understood", intent: null };
    }
  }

  /** What the closing and checking prompts say about an appointment: its day and time in the patient's zone, the clinician. */
  const spoken = (appointment: NonNullable<Awaited<ReturnType<typeof nextAppointment>>>) => ({
    startsAt: appointment.startsAt.toISOString(),
    zone: appointment.patient.timeZone,
    clinicianName: appointment.clinician.name,
  });

  /** 2: the appointment "cancel?" names (the caller's next live one), or none. */
  async function lookUp(line: LineState): Promise<Event> {
    const appointment = await nextAppointment(line.patientId);
    if (!appointment) return { type: "noAppointment", action: "cancel" };
    return { type: "found", about: spoken(appointment) };
  }

  /** 1, 2 or a spoken request: the caller's next live appointment, confirmed or cancelled. */
  async function act(call: FlowCall, line: LineState, action: "confirm" | "cancel"): Promise<Event> {
    const appointment = await nextAppointment(line.patientId);
    if (!appointment) return { type: "noAppointment", action };
    let cancelled = false;
    try {
      if (action === "confirm") await confirmAppointment(db, actor, appointment.id, now());
      else ({ cancelled } = await cancelAppointment(db, actor, appointment.id, now(), { enforceCutoff: true }));
    } catch (error) {
      logger.warn({ callId: call.id, code: (error as AppError).code }, `${action} by phone failed`);
      return { type: "actionFailed", action };
    }
    await db.call.update({ where: { id: call.id }, data: { appointmentId: appointment.id } });
    if (action === "cancel")
      await deps.announceChange({ appointmentId: appointment.id, kind: "cancelled", replayed: !cancelled });
    // the closing prompt says which appointment: its day and time in the patient's zone, and the clinician
    return { type: "actionDone", action, about: spoken(appointment) };
  }

  /** The call runtime's definition of the clinic line (Call.purpose CLINIC_LINE). */
  const flow = defineFlow<LineState, Event, Command | Exclude<LineCommand, Command>>({
    schema: lineStateSchema,
    // a call the webhook has just recorded; an older one that never had a flow stays without
    initial: (call) => (call.state === "incoming" ? screeningLineState() : null),
    step(line, event) {
      const { state, commands } = lineStep(line, event as LineEvent);
      return { document: state, commands };
    },
    locale: (line) => line.locale,
    context: "line",
    commits: new Set(["finish"]),
    // The outcome and its audit row commit with the flow's end: a process that dies right after leaves no
    // flow behind for the sweep to finish (and audit) a second time.
    async commit(sql, call, _line, command, context) {
      if (command.type !== "finish") return [];
      const outcome = command.outcome.toLowerCase();
      // after the bot applied the termination (which gave the technical outcome): the business one wins
      context.setCallOutcome(outcome);
      // the audit keeps the flow's code (CONFIRMED, KEPT…), the one its sentence words
      await auditInTransaction(
        sql,
        actor,
        "clinic-line.outcome",
        { type: "Call", id: call.id },
        { outcome: command.outcome },
      );
      logger.info({ callId: call.id, outcome, reason: command.reason }, "clinic line call finished");
      return [];
    },
    async act(call, line, command, held) {
      switch (command.type) {
        case "screen":
          return [await screen(call)];
        case "understand":
          return [await understand(call, line, command.operationId, held)];
        case "lookUp":
          return [await lookUp(line)];
        case "confirm":
        case "cancel":
          return [await act(call, line, command.type)];
        case "joinVisit":
          return [await joinVisit(call, line)];
        default:
          return [];
      }
    },
    finished: (line) => line.step === "done" && line.outcome !== null,
    stallAfterMs: STALLED_AFTER_MS,
  });

  return { flow };
}

export type ClinicLineService = ReturnType<typeof clinicLineService>;
