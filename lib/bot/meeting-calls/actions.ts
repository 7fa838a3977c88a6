// What every audited Graph action on a call shares: the failure audited and turned into an AppError, the
// success audited with what Graph answered, the live call looked up, an operation Graph started recorded.
import "server-only";
import type { AuditActor } from "@/lib/audit/mutations";
import { recordAudit } from "@/lib/audit/mutations";
import { AppError } from "@/lib/errors";
import type { Call } from "@/lib/generated/prisma/client";
import { toAppError } from "@/lib/graph/errors";
import { logger } from "@/lib/logger";
import { isLiveCallState } from "@/lib/constants";
import { operationStatusFrom } from "../state";
import type { CallControlDeps } from "./types";

export function callActions(deps: CallControlDeps) {
  const { db } = deps;

  /** Runs one Graph action; a failure is audited and becomes an AppError the routes can show. */
  async function graphAction<T>(
    actor: AuditActor,
    action: string,
    entity: { type: string; id?: string | null },
    details: Record<string, string | number | null>,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const status = (error as { status?: number }).status ?? null;
      await recordAudit(db, actor, action, entity, { ...details, outcome: "failed", status });
      logger.warn({ action, entityId: entity.id, status }, "graph call action failed");
      throw toAppError(error) ?? new AppError("UPSTREAM_UNAVAILABLE", "Microsoft Teams refused the request.");
    }
  }

  /**
   * One Graph action on a call, audited as `action` either way: failed (graphAction) or done, with `details`
   * and what `after` adds from the result (an operation id, say).
   */
  async function auditedCallAction<T, A extends Record<string, string | number | null> = Record<never, never>>(
    actor: AuditActor,
    action: string,
    call: Call,
    details: Record<string, string | number | null>,
    run: () => Promise<T>,
    // without `after`, A is the empty record
    after: (result: T) => Promise<A> = async () => ({}) as A,
  ): Promise<A> {
    const entity = { type: "Call", id: call.id };
    const result = await graphAction(actor, action, entity, details, run);
    const added = await after(result);
    await recordAudit(db, actor, action, entity, { ...details, ...added });
    return added;
  }

  async function liveCall(callId: string): Promise<Call> {
    const call = await db.call.findUnique({ where: { id: callId } });
    if (!call) throw new AppError("NOT_FOUND", "This call was not found.");
    if (!isLiveCallState(call.state)) throw new AppError("CONFLICT", "This call has ended.");
    return call;
  }

  async function recordOperation(
    call: Call,
    kind: string,
    op: { id: string; status: string | null; clientContext?: string | null },
  ) {
    // already normalised where the response was read (lib/graph/call-requests.ts), as notifications' ids are
    const graphOperationId = op.id;
    const status = operationStatusFrom(op.status) ?? "RUNNING";
    const finished = status === "COMPLETED" || status === "FAILED";
    // the result notification may have overtaken this response and created the row already: keep it
    await db.callOperation.createMany({
      skipDuplicates: true,
      data: {
        callId: call.id,
        graphOperationId,
        kind,
        status,
        clientContext: op.clientContext ?? null,
        completedAt: finished ? new Date() : null,
      },
    });
    return graphOperationId;
  }

  return { graphAction, auditedCallAction, liveCall, recordOperation };
}

export type CallActions = ReturnType<typeof callActions>;
