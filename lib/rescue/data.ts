// Reads for the appointment page: the visit's latest rescue call and how far it has got, and whether the
// patient asked (by pressing 3) to move the visit. Explicit ids: lib/bot/actions.ts decides who may read.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/logger";
import { parseStoredJson } from "@/lib/stored-json";
import type { RescueStep } from "./flow";
import { rescueCallFlowSchema } from "./schema";

export interface RescueView {
  id: string;
  trigger: "AUTOMATIC" | "MANUAL";
  status: "CALLING" | "DONE";
  outcome: string | null;
  detail: string | null;
  /**
   * Where the call is, for staff watching it: ringing (placed, not answered), offering (the patient hears the
   * offer), joining (their phone is being moved into the meeting), transferring, closing, ended.
   */
  progress: "ringing" | "offering" | "joining" | "transferring" | "closing" | "ended";
  /** the patient pressed 3 and the visit has not been moved or closed since */
  rescheduleRequested: boolean;
  startedAt: string;
  finishedAt: string | null;
}

const PROGRESS: Record<RescueStep, RescueView["progress"]> = {
  dialing: "ringing",
  offering: "offering",
  announcing: "joining",
  joining: "joining",
  acting: "closing",
  "handing-over": "transferring",
  transferring: "transferring",
  closing: "closing",
  ending: "closing",
  done: "ended",
};

/**
 * Where the rescue call's flow stands (Call.flow): none before the call's first turn. A document that does not
 * parse is logged (what did not match, never its values) and shown as still ringing, rather than failing the
 * appointment page.
 */
function flowStep(callId: string, flow: unknown): RescueStep | null {
  if (flow === null) return null;
  try {
    return parseStoredJson(rescueCallFlowSchema, flow, { column: "Call.flow", row: callId }).state.step;
  } catch (error) {
    logger.warn({ err: error, callId }, "rescue call's flow could not be read");
    return null;
  }
}

/** The appointment's latest rescue, or null; and whether any of its rescues left a request to reschedule. */
export async function rescueForAppointment(
  db: PrismaClient,
  appointmentId: string,
): Promise<{ latest: RescueView | null; rescheduleRequested: boolean }> {
  const appointment = await db.appointment.findUnique({
    where: { id: appointmentId },
    select: {
      version: true,
      status: true,
      rescues: {
        orderBy: { createdAt: "desc" },
        take: 5,
        select: {
          id: true,
          trigger: true,
          status: true,
          outcome: true,
          detail: true,
          callId: true,
          appointmentVersion: true,
          rescheduleRequestedAt: true,
          createdAt: true,
          finishedAt: true,
        },
      },
    },
  });
  if (!appointment) return { latest: null, rescheduleRequested: false };
  const live = appointment.status === "BOOKED" || appointment.status === "CONFIRMED";
  const rescheduleRequested =
    live &&
    appointment.rescues.some((r) => r.rescheduleRequestedAt !== null && r.appointmentVersion === appointment.version);
  const r = appointment.rescues[0];
  if (!r) return { latest: null, rescheduleRequested };
  const call = r.callId
    ? await db.call.findUnique({ where: { id: r.callId }, select: { flow: true, state: true } })
    : null;
  const step = call && r.callId ? flowStep(r.callId, call.flow) : null;
  const progress: RescueView["progress"] =
    r.status === "DONE" || call?.state === "terminated" ? "ended" : step ? PROGRESS[step] : "ringing";
  return {
    latest: {
      id: r.id,
      trigger: r.trigger,
      status: r.status,
      outcome: r.outcome,
      detail: r.detail,
      progress,
      rescheduleRequested: r.rescheduleRequestedAt !== null,
      startedAt: r.createdAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    },
    rescheduleRequested,
  };
}
