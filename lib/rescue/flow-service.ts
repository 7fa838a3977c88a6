// A rescue call's flow (lib/rescue/flow.ts) as the call runtime runs it (lib/bot/runtime): the runtime holds the
// call and runs the Graph commands; this file gives it the domain actions — moving the patient's phone into the
// meeting, flagging the appointment for rescheduling — and writes the outcome with the flow's end. Logs carry
// ids and outcomes, never a number.
import "server-only";
import type { AuditActor } from "@/lib/audit/mutations";
import { auditInTransaction } from "@/lib/bot/runtime/audit";
import { defineFlow, type CommitContext, type FlowCall } from "@/lib/bot/runtime/flow";
import type { Sql } from "@/lib/bot/runtime/sql";
import { logger } from "@/lib/logger";
import { rescueStep, type RescueCommand, type RescueEvent, type RescueOutcomeValue } from "./flow";
import { inviteIntoMeeting } from "./meeting-service";
import { rescueCallFlowSchema, type RescueCallFlow } from "./schema";
import type { RescueDeps } from "./service";

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

/** A rescue call whose flow has not moved for this long has lost its driver (no step waits that long). */
const STALLED_AFTER_MS = 5 * 60_000;

/** The call runtime's definition of a rescue call (Call.purpose RESCUE); `actor` names its audit rows. */
export function rescueCallFlow(deps: RescueDeps, actor: AuditActor) {
  const { db } = deps;

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

  return defineFlow<RescueCallFlow, RescueEvent, Domain | Exclude<RescueCommand, Domain>>({
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
}
