// The clinic line's first step: a new incoming call screened by the rules (./rules.ts) within Graph's 15-second
// answer window, then rejected, redirected or answered into the IVR, with the Call row and the audit row that say
// which. An answered caller who is one patient brings their language and the visit they may join.
import "server-only";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import type { LineEvent } from "@/lib/bot/flows/clinic-line-state";
import type { FlowCall } from "@/lib/bot/runtime/flow";
import { maskPhone } from "@/lib/constants";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { phoneIdentity, target, userIdentity } from "@/lib/graph/call-identities";
import type { CallsApi } from "@/lib/graph/gateway";
import { graphIdForRequest } from "@/lib/graph/ids";
import { logger } from "@/lib/logger";
import { promptLocaleFor } from "@/lib/prompts/texts";
import { joinableVisit, patientCalling } from "./caller-data";
import { decide, normaliseCaller, type ClinicLineRuleInput } from "./rules";

export interface ScreeningDeps {
  db: PrismaClient;
  calls: Pick<CallsApi, "get" | "answer" | "reject" | "redirect">;
  callbackUri: string;
  tenantId: string;
  /** IANA zone the rules' time windows are in */
  clinicZone: string;
}

type Screened = Extract<LineEvent, { type: "screened" }>;

const statusOf = (error: unknown) => (error as { status?: number } | null)?.status ?? null;

function callerOf(call: unknown): string | null {
  const source = (call as { source?: { identity?: { phone?: { id?: unknown } } } } | null)?.source;
  const id = source?.identity?.phone?.id;
  return typeof id === "string" ? normaliseCaller(id) : null;
}

async function activeRules(db: PrismaClient): Promise<ClinicLineRuleInput[]> {
  return db.clinicLineRule.findMany({ where: { active: true }, orderBy: [{ priority: "asc" }, { id: "asc" }] });
}

/** A new incoming call: the rules decide, within the answer window, and the decision is carried out. */
export async function screenIncomingCall(
  deps: ScreeningDeps,
  call: FlowCall,
  context: { now: () => Date; actor: AuditActor },
): Promise<Screened> {
  const { db } = deps;
  const { now, actor } = context;
  const callId = graphIdForRequest(call.graphCallId);
  let caller: string | null = null;
  try {
    caller = callerOf(await deps.calls.get(callId));
  } catch (error) {
    // an unreadable caller is treated as anonymous: the rules for "*" still apply
    logger.warn({ callId: call.id, status: statusOf(error) }, "incoming call: caller not readable");
  }
  const decision = decide(await activeRules(db), caller, now(), deps.clinicZone);
  const counterpart = caller ? maskPhone(caller) : "Anonymous";
  const patient = decision.action === "answer" ? await patientCalling(db, caller) : null;
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
    visit: patient ? await joinableVisit(db, patient.id, now()) : null,
  };
}
