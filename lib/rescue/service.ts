// No-show rescue calls: the sweep that decides (lib/rescue/decision.ts) and places them, staff's "call the
// patient now", and the call's flow (lib/rescue/flow.ts) as the call runtime runs it: the runtime holds the
// call and runs the Graph commands; this file gives it the domain actions — moving the patient's phone into
// the meeting (invite with replacesCallId on the bot's meeting call), flagging the appointment for
// rescheduling — and writes the outcome with the flow's end. Logs carry ids and outcomes, never a number.
import { recordAudit, systemActor, type AuditActor } from "@/lib/audit/mutations";
import { clinicLineInstance } from "@/lib/bot/meeting-calls";
import { LIVE_APPOINTMENT_STATUSES, LIVE_CALL_STATES, isLiveAppointment } from "@/lib/constants";
import { auditInTransaction } from "@/lib/bot/runtime/audit";
import { defineFlow, type CommitContext, type FlowCall } from "@/lib/bot/runtime/flow";
import type { Sql } from "@/lib/bot/runtime/sql";
import { wakeCall } from "@/lib/bot/runtime/wake";
import { maskPhone, normaliseGraphId } from "@/lib/bot/schema";
import { AppError } from "@/lib/errors";
import type { PrismaClient, Rescue } from "@/lib/generated/prisma/client";
import { phoneIdentity, target } from "@/lib/graph/calls";
import type { CallsApi } from "@/lib/graph/gateway";
import { graphIdForRequest } from "@/lib/graph/ids";
import { logger } from "@/lib/logger";
import { promptLocaleFor } from "@/lib/prompts/texts";
import { decideRescue, type RescueCandidate, type RescueSettings } from "./decision";
import { initialRescueState, rescueStep, type RescueCommand, type RescueEvent, type RescueOutcomeValue } from "./flow";
import { rescueCallFlowSchema, type RescueAbout, type RescueCallFlow } from "./schema";

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

/** A rescue's outcome as the call log says it (calls.log.outcome.* in messages/*.json). */
const CALL_LOG_OUTCOME: Record<RescueOutcomeValue, string> = {
  JOINED: "joinedVisit",
  RECEPTION: "transferred",
  RESCHEDULE: "rescheduleAsked",
  NO_ANSWER: "no-answer",
  BUSY: "busy",
  DECLINED: "declined",
  NO_RESPONSE: "noChoice",
  FAILED: "failed",
};

/** a claim with no call after this long was cut off while placing it (Graph and the write take seconds) */
const INTERRUPTED_AFTER_MS = 5 * 60_000;

/** A rescue call whose flow has not moved for this long has lost its driver (no step waits that long). */
const STALLED_AFTER_MS = 5 * 60_000;

/** The bot's live call in an appointment's meeting (the newest), if it is in it. */
async function meetingCallOf(db: PrismaClient, appointmentId: string) {
  return db.call.findFirst({
    where: { appointmentId, purpose: "MEETING_JOIN", state: "established" },
    orderBy: { createdAt: "desc" },
    select: { id: true, graphCallId: true },
  });
}

/**
 * Moves the bot's peer-to-peer call with `phone` into the appointment's meeting: an invitation on the bot's
 * meeting call that names the phone and replaces the peer-to-peer call (emulator/CONTRACT.md#participants).
 * The invite operation is recorded on the meeting call, so the panel and the roster show how it went.
 * Returns its operation id, or null when the bot is not in the meeting or Graph refused.
 */
export async function inviteIntoMeeting(
  deps: { db: PrismaClient; calls: Pick<CallsApi, "invite"> },
  input: { appointmentId: string; phone: string; replacesGraphCallId: string; clientContext: string },
): Promise<string | null> {
  const meeting = await meetingCallOf(deps.db, input.appointmentId);
  if (!meeting) return null;
  try {
    const op = await deps.calls.invite(graphIdForRequest(meeting.graphCallId), {
      participants: [
        {
          ...target(phoneIdentity(input.phone)),
          replacesCallId: graphIdForRequest(input.replacesGraphCallId),
        },
      ],
      clientContext: input.clientContext,
    });
    await deps.db.callOperation.createMany({
      skipDuplicates: true,
      data: {
        callId: meeting.id,
        graphOperationId: op.id,
        kind: "invite",
        status: op.status === "failed" ? "FAILED" : op.status === "completed" ? "COMPLETED" : "RUNNING",
        // shown in the meeting's invitations: a masked number only
        clientContext: `phone:${maskPhone(input.phone)}`,
      },
    });
    return op.id;
  } catch (error) {
    logger.warn(
      { appointmentId: input.appointmentId, status: (error as { status?: number }).status ?? null },
      "moving a phone call into the meeting failed",
    );
    return null;
  }
}

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

  // --- the call's flow ------------------------------------------------------------------------------

  /** 1: the patient's phone joins the meeting, replacing this call. */
  async function join(call: FlowCall, flow: RescueCallFlow): Promise<RescueEvent[]> {
    const appointment = call.appointmentId
      ? await db.appointment.findUnique({
          where: { id: call.appointmentId },
          select: { patient: { select: { phone: true } } },
        })
      : null;
    const phone = appointment?.patient.phone;
    if (!call.appointmentId || !phone) return [{ type: "joinFailed" }];
    const operationId = await inviteIntoMeeting(deps, {
      appointmentId: call.appointmentId,
      phone,
      replacesGraphCallId: call.graphCallId,
      clientContext: `rescue:${flow.rescueId}`,
    });
    return [operationId ? { type: "joinStarted", operationId } : { type: "joinFailed" }];
  }

  /** 3: the appointment is flagged for rescheduling (staff see it on its page), with its audit row. */
  async function markReschedule(sql: Sql, call: FlowCall, flow: RescueCallFlow): Promise<RescueEvent[]> {
    await sql.query(`UPDATE "Rescue" SET "rescheduleRequestedAt" = now(), "updatedAt" = now() WHERE id = $1::uuid`, [
      flow.rescueId,
    ]);
    await auditInTransaction(
      sql,
      actor,
      "rescue.reschedule-requested",
      { type: "Appointment", id: call.appointmentId },
      { rescueId: flow.rescueId },
    );
    return [{ type: "rescheduleMarked" }];
  }

  /** The call is over: the rescue's outcome and its audit row, with the flow's end (never twice). */
  async function finish(
    sql: Sql,
    call: FlowCall,
    flow: RescueCallFlow,
    command: Extract<RescueCommand, { type: "finish" }>,
    context: CommitContext,
  ): Promise<RescueEvent[]> {
    let { outcome, reason } = command;
    if (outcome === "JOINED" && flow.state.joinOperation) {
      // the call ended while the invitation ran: joined, unless Graph reported the invitation failed
      const [op] = await sql.query<{ status: string }>(
        `SELECT status::text AS status FROM "CallOperation" WHERE "graphOperationId" = $1`,
        [flow.state.joinOperation],
      );
      if (op?.status === "FAILED") {
        outcome = "FAILED";
        reason = "invite-failed";
      }
    }
    const [done] = await sql.query<{ id: string }>(
      `UPDATE "Rescue" SET status = 'DONE', outcome = $2::"RescueOutcome", detail = $3, "finishedAt" = now(),
         "updatedAt" = now()
       WHERE id = $1::uuid AND status = 'CALLING' RETURNING id::text AS id`,
      [flow.rescueId, outcome, reason],
    );
    if (done)
      await auditInTransaction(
        sql,
        actor,
        "rescue.outcome",
        { type: "Appointment", id: call.appointmentId },
        { rescueId: flow.rescueId, outcome },
      );
    context.setCallOutcome(CALL_LOG_OUTCOME[outcome]);
    logger.info({ rescueId: flow.rescueId, outcome, reason }, "rescue call finished");
    return [];
  }

  type Domain = Extract<RescueCommand, { type: "join" | "markReschedule" | "finish" }>;

  /** The call runtime's definition of a rescue call (Call.purpose RESCUE). */
  const flow = defineFlow<RescueCallFlow, RescueEvent, Domain | Exclude<RescueCommand, Domain>>({
    schema: rescueCallFlowSchema,
    // the document is written when the call is placed
    initial: () => null,
    step(document, event) {
      const { state, commands } = rescueStep(document.state, event as RescueEvent);
      // every prompt speaks of this visit: its {appointment} names the day, the time and who is waiting
      const spoken = commands.map((c) => (c.type === "play" ? { ...c, about: document.about } : c));
      return { document: state === document.state ? document : { ...document, state }, commands: spoken };
    },
    locale: (document) => document.locale,
    context: "rescue",
    commits: new Set(["markReschedule", "finish"]),
    commit(sql, call, document, command, context) {
      if (command.type === "markReschedule") return markReschedule(sql, call, document);
      if (command.type === "finish") return finish(sql, call, document, command, context);
      return Promise.resolve([]);
    },
    act: (call, document, command) => (command.type === "join" ? join(call, document) : Promise.resolve([])),
    finished: (document) => document.state.step === "done" && document.state.outcome !== null,
    stallAfterMs: STALLED_AFTER_MS,
  });

  return { sweep, start, startByHand, flow };
}

export type RescueService = ReturnType<typeof rescueService>;
