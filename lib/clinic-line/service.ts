// The clinic line: what happens to a call placed to the clinic's number. The webhook records the incoming call
// (`created`) and its Call row; the call runtime (lib/bot/runtime) holds it and steps the IVR
// (lib/bot/flows/clinic-line.ts) — this file gives the runtime the flow and its domain actions: the screening
// (screening-service.ts: the rules within Graph's 15-second answer window), the caller's appointment confirmed or
// cancelled, a spoken request understood (speech-service.ts), the visit joined by phone, and the outcome written
// with its audit row. Prompts, recordings, tones, transfers and hang-ups are the runtime's Graph commands.
//
// emulator/CONTRACT.md#media-persistence: key presses, the recording (its location, token and audio) and its
// transcript live in memory for as long as one command needs them and are then dropped; none is stored, queued
// or logged. The flow's document (Call.flow) names steps, operation ids, the languages and the patient resolved
// at answer time — not the caller's number. The Call row keeps the business outcome only (confirmed, cancelled,
// transferred, rejected, redirected, …) and a masked number.
import "server-only";
import { systemActor, type AuditActor } from "@/lib/audit/mutations";
import type { AppointmentChange } from "@/lib/appointments/jobs";
import { cancelAppointment, confirmAppointment } from "@/lib/appointments/mutations";
import { lineStep } from "@/lib/bot/flows/clinic-line";
import {
  lineStateSchema,
  screeningLineState,
  type LineCommand,
  type LineEvent,
  type LineState,
} from "@/lib/bot/flows/clinic-line-state";
import { auditInTransaction } from "@/lib/bot/runtime/audit";
import { defineFlow, type FlowCall } from "@/lib/bot/runtime/flow";
import type { AppError } from "@/lib/errors";
import type { CallsApi } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { inviteIntoMeeting } from "@/lib/rescue/meeting-service";
import { nextLiveAppointment } from "./caller-data";
import { screenIncomingCall, type ScreeningDeps } from "./screening-service";
import { understandRecording, type SpeechConfig } from "./speech-service";

export interface ClinicLineDeps extends ScreeningDeps {
  calls: Pick<CallsApi, "get" | "answer" | "reject" | "redirect" | "invite">;
  speech: SpeechConfig | null;
  /** the caller cancelled an appointment: its meeting and messages follow (lib/appointments/jobs.ts) */
  announceChange(change: AppointmentChange): Promise<void>;
  /** downloads the recording and calls Speech (the emulator's TLS in tests) */
  fetch?: typeof fetch;
  now?: () => Date;
}

/** a flow that has not moved for this long has lost its driver (no IVR step waits that long): it is ended */
export const STALLED_AFTER_MS = 10 * 60_000;

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
  const actor: AuditActor = systemActor("clinic-line");

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

  /** 2: the appointment "cancel?" names (the caller's next live one), or none. */
  async function lookUp(line: LineState): Promise<Event> {
    const appointment = await nextLiveAppointment(db, line.patientId, now());
    if (!appointment) return { type: "noAppointment", action: "cancel" };
    return { type: "found", about: appointment.about };
  }

  /** 1, 2 or a spoken request: the caller's next live appointment, confirmed or cancelled. */
  async function act(call: FlowCall, line: LineState, action: "confirm" | "cancel"): Promise<Event> {
    const appointment = await nextLiveAppointment(db, line.patientId, now());
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
    return { type: "actionDone", action, about: appointment.about };
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
          return [await screenIncomingCall(deps, call, { now, actor })];
        case "understand":
          return [await understandRecording(deps, call, line, command.operationId, held)];
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
