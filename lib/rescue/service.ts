// No-show rescue calls: the sweep that decides (lib/rescue/decision.ts) and places them, and staff's "call the
// patient now": the claim under the appointment's row lock, then the call placed from the clinic line's number
// with the flow's document on its row. The call's flow as the runtime runs it (joining the meeting, flagging
// the visit for rescheduling, the outcome) is lib/rescue/flow-service.ts; moving a phone into the meeting,
// lib/rescue/meeting-service.ts. Logs carry ids and outcomes, never a number.
import "server-only";
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import { clinicLineInstance } from "@/lib/bot/meeting-calls";
import { LIVE_APPOINTMENT_STATUSES, LIVE_CALL_STATES, isLiveAppointment, maskPhone } from "@/lib/constants";
import { wakeCall } from "@/lib/bot/runtime/wake";
import { normaliseGraphId } from "@/lib/bot/schema";
import { AppError } from "@/lib/errors";
import type { PrismaClient, Rescue } from "@/lib/generated/prisma/client";
import type { CallsApi } from "@/lib/graph/gateway";
import { logger } from "@/lib/logger";
import { promptLocaleFor } from "@/lib/prompts/texts";
import { decideRescue, type RescueCandidate, type RescueSettings } from "./decision";
import { initialRescueState } from "./flow";
import { rescueCallFlow } from "./flow-service";
import type { RescueAbout, RescueCallFlow } from "./schema";

export interface RescueDeps {
  db: PrismaClient;
  calls: Pick<CallsApi, "create" | "invite">;
  /** PUBLIC_BASE_URL + /api/calls/notifications */
  callbackUri: string;
  tenantId: string;
  /** CLINIC_LINE_APPLICATION_INSTANCE_ID: the number the patient is called from */
  clinicLineInstanceId?: string;
  settings: RescueSettings;
  now?: () => Date;
}

/** a claim with no call after this long was cut off while placing it (Graph and the write take seconds) */
const INTERRUPTED_AFTER_MS = 5 * 60_000;

export function rescueService(deps: RescueDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const actor: AuditActor = systemActor("rescue-call");

  type Claimed = { rescue: Rescue; phone: string; locale: string; about: RescueAbout };

  /**
   * Under the appointment's row lock: re-checks what must still hold and writes the Rescue row (CALLING) and
   * its audit row. Automatic: never when any rescue exists (the partial unique index holds that too);
   * by hand: not while one is calling. Refusals are AppErrors the route shows.
   */
  async function claim(appointmentId: string, by: AuditActor, trigger: "AUTOMATIC" | "MANUAL"): Promise<Claimed> {
    return db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Appointment" WHERE id = ${appointmentId}::uuid FOR UPDATE`;
      if (locked.length === 0) throw new AppError("NOT_FOUND", "Appointment not found.");
      const a = await tx.appointment.findUniqueOrThrow({
        where: { id: appointmentId },
        select: {
          status: true,
          version: true,
          startsAt: true,
          endsAt: true,
          clinician: { select: { name: true } },
          patient: { select: { phone: true, locale: true, timeZone: true, callsDeclinedAt: true } },
          rescues: { select: { status: true } },
        },
      });
      if (!isLiveAppointment(a.status) || a.endsAt <= now())
        throw new AppError("UNPROCESSABLE", "Only a visit that has not ended can get a rescue call.");
      if (!a.patient.phone) throw new AppError("UNPROCESSABLE", "The patient has no phone number to call.");
      if (a.patient.callsDeclinedAt) throw new AppError("UNPROCESSABLE", "The patient asked not to be called.");
      if (trigger === "AUTOMATIC" && a.rescues.length > 0)
        throw new AppError("CONFLICT", "This visit already had a rescue call.");
      if (a.rescues.some((r) => r.status === "CALLING"))
        throw new AppError("CONFLICT", "A rescue call is already in progress.");
      const inMeeting = await tx.call.count({
        where: { appointmentId, purpose: "MEETING_JOIN", state: "established" },
      });
      if (inMeeting === 0)
        throw new AppError(
          "CONFLICT",
          "The bot is not in the visit's meeting: the patient could not be moved into it.",
        );
      const rescue = await tx.rescue.create({
        data: {
          appointmentId,
          appointmentVersion: a.version,
          trigger,
          requestedById: by.id,
        },
      });
      await recordAudit(
        tx,
        by,
        "rescue.start",
        { type: "Appointment", id: appointmentId },
        {
          rescueId: rescue.id,
          trigger: trigger.toLowerCase(),
        },
      );
      return {
        rescue,
        phone: a.patient.phone,
        locale: a.patient.locale,
        about: { startsAt: a.startsAt.toISOString(), zone: a.patient.timeZone, clinicianName: a.clinician.name },
      };
    });
  }

  async function close(rescueId: string, outcome: "FAILED", detail: string) {
    await db.rescue.updateMany({
      where: { id: rescueId, status: "CALLING" },
      data: { status: "DONE", outcome, detail, finishedAt: now() },
    });
  }

  /** Claims and dials. The call's row carries the flow's document; the runtime is woken for it. */
  async function start(appointmentId: string, by: AuditActor, trigger: "AUTOMATIC" | "MANUAL"): Promise<Rescue> {
    const instance = clinicLineInstance(deps);
    if (!instance)
      throw new AppError(
        "UNPROCESSABLE",
        "Rescue calls need the clinic line: set CLINIC_LINE_APPLICATION_INSTANCE_ID.",
      );
    const claimed = await claim(appointmentId, by, trigger);
    const { rescue } = claimed;
    let remote;
    try {
      remote = await deps.calls.create({
        kind: "phone",
        phone: claimed.phone,
        applicationInstanceId: instance,
        callbackUri: deps.callbackUri,
        tenantId: deps.tenantId,
      });
    } catch (error) {
      const status = (error as { status?: number }).status ?? null;
      // a rescue is worth minutes, not a queue's retries: it ends here and staff can start another
      await close(rescue.id, "FAILED", `placing the call failed (${status})`);
      logger.warn({ rescueId: rescue.id, status }, "rescue call not placed");
      throw new AppError("UPSTREAM_UNAVAILABLE", "Microsoft Teams did not place the call.");
    }
    const graphCallId = normaliseGraphId(remote.id);
    const flow: RescueCallFlow = {
      state: initialRescueState(),
      rescueId: rescue.id,
      locale: promptLocaleFor(claimed.locale),
      about: claimed.about,
    };
    const updated = await db.$transaction(async (tx) => {
      const call = await tx.call.upsert({
        where: { graphCallId },
        update: {},
        create: {
          graphCallId,
          direction: "OUTGOING",
          purpose: "RESCUE",
          peerToPeer: true,
          state: remote.state ?? "establishing",
          appointmentId,
          initiatedById: by.id,
          counterpart: maskPhone(claimed.phone),
          flow: flow as object,
          flowAt: new Date(),
        },
      });
      // its first notifications may have come before Graph's answer: the runtime applies them now
      await wakeCall(tx, graphCallId);
      return tx.rescue.update({ where: { id: rescue.id }, data: { callId: call.id } });
    });
    logger.info({ rescueId: rescue.id, appointmentId, trigger }, "rescue call placed");
    return updated;
  }

  /** Staff (or the visit's clinician) call the patient now, whatever the clock says; audited as the person. */
  async function startByHand(appointmentId: string, by: AuditActor): Promise<Rescue> {
    return start(appointmentId, by, "MANUAL");
  }

  /**
   * Every minute: visits under way whose meeting the bot is in and that never had a rescue, each decided by
   * decideRescue over the bot's roster; the ones it says to call are called.
   */
  async function sweep(): Promise<{ considered: number; called: number; interrupted: number }> {
    const at = now();
    // claimed, never linked to a call: the process died while placing it. Whether the phone rang is unknown,
    // so it is not dialled again; the rescue ends, and staff may start another by hand.
    const interrupted = await db.rescue.updateMany({
      where: { status: "CALLING", callId: null, createdAt: { lt: new Date(at.getTime() - INTERRUPTED_AFTER_MS) } },
      data: { status: "DONE", outcome: "FAILED", detail: "interrupted while placing the call", finishedAt: at },
    });
    const visits = await db.appointment.findMany({
      where: {
        status: { in: LIVE_APPOINTMENT_STATUSES },
        startsAt: { lte: at },
        endsAt: { gt: at },
        rescues: { none: {} },
        calls: { some: { purpose: "MEETING_JOIN", state: { in: LIVE_CALL_STATES } } },
      },
      select: {
        id: true,
        status: true,
        startsAt: true,
        endsAt: true,
        appointmentType: { select: { rescueAfterMinutes: true } },
        clinician: { select: { entraObjectId: true } },
        patient: { select: { phone: true, teamsUserId: true, callsDeclinedAt: true } },
        calls: {
          where: { purpose: "MEETING_JOIN", state: "established" },
          orderBy: { createdAt: "desc" },
          take: 1,
          select: {
            participants: {
              where: { leftAt: null, identityKind: { not: "application" } },
              select: { identityKind: true, identityId: true, displayName: true, isInLobby: true },
            },
          },
        },
      },
      orderBy: { startsAt: "asc" },
      take: 200,
    });
    let called = 0;
    for (const v of visits) {
      const candidate: RescueCandidate = {
        status: v.status,
        startsAt: v.startsAt,
        endsAt: v.endsAt,
        typeAfterMinutes: v.appointmentType.rescueAfterMinutes,
        clinicianEntraId: v.clinician.entraObjectId,
        patient: {
          phone: v.patient.phone,
          teamsUserId: v.patient.teamsUserId,
          callsDeclined: v.patient.callsDeclinedAt !== null,
        },
        roster: v.calls[0]?.participants ?? null,
        earlierRescues: 0,
      };
      const decision = decideRescue(candidate, deps.settings, at);
      if (!decision.call) continue;
      try {
        await start(v.id, actor, "AUTOMATIC");
        called++;
      } catch (error) {
        // another sweep got there first (the unique index), or the call was refused: logged, not retried
        logger.warn({ appointmentId: v.id, code: (error as AppError).code ?? null }, "rescue not started");
      }
    }
    return { considered: visits.length, called, interrupted: interrupted.count };
  }

  return { sweep, start, startByHand, flow: rescueCallFlow(deps, actor) };
}

export type RescueService = ReturnType<typeof rescueService>;
