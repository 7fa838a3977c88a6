// Admins' changes to the clinic line's rules, each with its audit row in the same transaction (ids and kinds
// only: a blocklisted number is not written into the audit log). Edits carry the version they started from.
// The line reads the rules for every incoming call (service.ts), so a change applies to the next call.
import "server-only";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { AppError, invalidFields } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import {
  ruleFieldErrors,
  ruleFormSchema,
  ruleIdSchema,
  ruleVersionSchema,
  type RuleData,
  type RuleFormInput,
} from "./schema";

const ENTITY = "ClinicLineRule";
/** priorities are renumbered in steps, leaving room to put a rule in between by hand */
const STEP = 10;

export interface RuleWriteOptions {
  /** Entra object ids a rule may redirect to besides Consulta's users (the reception) */
  extraUserIds?: readonly string[];
}

const notFound = () => new AppError("NOT_FOUND", "This rule does not exist.");
const conflict = () => new AppError("CONFLICT", "Someone changed this rule in the meantime.");

async function parse(tx: Prisma.TransactionClient, form: RuleFormInput, options: RuleWriteOptions): Promise<RuleData> {
  const parsed = ruleFormSchema.safeParse(form);
  if (!parsed.success) throw invalidFields("Some rule fields are not valid.", ruleFieldErrors(parsed.error));
  const data = parsed.data;
  // a Teams user target must be someone we know (picked from the list), not any id typed into the form
  if (data.kind === "REDIRECT" && data.redirectTarget && !data.redirectTarget.startsWith("+")) {
    const known =
      options.extraUserIds?.some((id) => id.toLowerCase() === data.redirectTarget) ||
      (await tx.user.count({ where: { entraObjectId: { equals: data.redirectTarget, mode: "insensitive" } } })) > 0;
    if (!known) throw invalidFields("Some rule fields are not valid.", { targetUser: "targetUserInvalid" });
  }
  return data;
}

function ruleId(id: string): string {
  const parsed = ruleIdSchema.safeParse(id);
  if (!parsed.success) throw notFound();
  return parsed.data;
}

export async function createRule(actor: AuditActor, form: RuleFormInput, options: RuleWriteOptions = {}) {
  return getDb().$transaction(async (tx) => {
    const data = await parse(tx, form, options);
    const rule = await tx.clinicLineRule.create({ data, select: { id: true } });
    await recordAudit(tx, actor, "clinic-line.rule.create", { type: ENTITY, id: rule.id }, { kind: data.kind });
    return rule;
  });
}

export async function updateRule(
  actor: AuditActor,
  input: { id: string; expectedUpdatedAt: string; form: RuleFormInput },
  options: RuleWriteOptions = {},
) {
  const id = ruleId(input.id);
  const version = ruleVersionSchema.safeParse(input.expectedUpdatedAt);
  if (!version.success) throw conflict();
  return getDb().$transaction(async (tx) => {
    const data = await parse(tx, input.form, options);
    const { count } = await tx.clinicLineRule.updateMany({ where: { id, updatedAt: new Date(version.data) }, data });
    if (count === 0) {
      if (await tx.clinicLineRule.findUnique({ where: { id }, select: { id: true } })) throw conflict();
      throw notFound();
    }
    await recordAudit(tx, actor, "clinic-line.rule.update", { type: ENTITY, id }, { kind: data.kind });
    return tx.clinicLineRule.findUniqueOrThrow({ where: { id }, select: { id: true, updatedAt: true } });
  });
}

export async function deleteRule(actor: AuditActor, input: { id: string }) {
  const id = ruleId(input.id);
  await getDb().$transaction(async (tx) => {
    const { count } = await tx.clinicLineRule.deleteMany({ where: { id } });
    if (count === 0) throw notFound();
    await recordAudit(tx, actor, "clinic-line.rule.delete", { type: ENTITY, id });
  });
}

export async function setRuleActive(actor: AuditActor, input: { id: string; active: boolean }) {
  const id = ruleId(input.id);
  await getDb().$transaction(async (tx) => {
    const { count } = await tx.clinicLineRule.updateMany({ where: { id }, data: { active: input.active } });
    if (count === 0) throw notFound();
    await recordAudit(tx, actor, `clinic-line.rule.${input.active ? "enable" : "disable"}`, { type: ENTITY, id });
  });
}

/** One place earlier or later in the decision order; the priorities are renumbered 10, 20, 30, … */
export async function moveRule(actor: AuditActor, input: { id: string; direction: "up" | "down" }) {
  const id = ruleId(input.id);
  await getDb().$transaction(async (tx) => {
    // one reorder at a time: two admins moving rules at once would otherwise interleave their renumbering
    await tx.$executeRaw`LOCK TABLE "ClinicLineRule" IN SHARE ROW EXCLUSIVE MODE`;
    const rules = await tx.clinicLineRule.findMany({
      select: { id: true, priority: true },
      orderBy: [{ priority: "asc" }, { id: "asc" }],
    });
    const index = rules.findIndex((r) => r.id === id);
    if (index < 0) throw notFound();
    const other = input.direction === "up" ? index - 1 : index + 1;
    if (other < 0 || other >= rules.length) return; // already first or last
    [rules[index], rules[other]] = [rules[other]!, rules[index]!];
    for (const [position, rule] of rules.entries()) {
      const priority = (position + 1) * STEP;
      if (rule.priority !== priority) await tx.clinicLineRule.update({ where: { id: rule.id }, data: { priority } });
    }
    await recordAudit(tx, actor, "clinic-line.rule.move", { type: ENTITY, id }, { direction: input.direction });
  });
}
