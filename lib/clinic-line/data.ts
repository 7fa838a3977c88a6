// Reads for the admin's rule pages: the rules in decision order and the Teams users a rule may redirect to.
// Explicit database client, no session.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export interface RuleView {
  id: string;
  label: string | null;
  kind: "BLOCK" | "REDIRECT";
  callerPattern: string;
  weekdays: number[];
  startMinute: number | null;
  endMinute: number | null;
  redirectTarget: string | null;
  /** the Teams user's name when the target is a known user */
  targetName: string | null;
  priority: number;
  active: boolean;
  updatedAt: Date;
}

export interface TeamsUserOption {
  /** Entra object id */
  id: string;
  name: string;
}

/** Consulta's people with a Teams identity, and the reception user (who need not use Consulta). */
export async function teamsUserOptions(
  db: PrismaClient,
  reception: TeamsUserOption | null,
): Promise<TeamsUserOption[]> {
  const users = await db.user.findMany({
    where: { active: true, entraObjectId: { not: null } },
    select: { entraObjectId: true, name: true },
    orderBy: { name: "asc" },
  });
  const options = users.map((u) => ({ id: u.entraObjectId!.toLowerCase(), name: u.name }));
  if (reception && !options.some((o) => o.id === reception.id)) options.unshift(reception);
  return options;
}

const ruleSelect = {
  id: true,
  label: true,
  kind: true,
  callerPattern: true,
  weekdays: true,
  startMinute: true,
  endMinute: true,
  redirectTarget: true,
  priority: true,
  active: true,
  updatedAt: true,
} as const;

/** Every rule, in the order the line applies them (priority, then id: as rules.ts decides). */
export async function ruleViews(db: PrismaClient, users: readonly TeamsUserOption[]): Promise<RuleView[]> {
  const rows = await db.clinicLineRule.findMany({ select: ruleSelect, orderBy: [{ priority: "asc" }, { id: "asc" }] });
  const names = new Map(users.map((u) => [u.id, u.name]));
  return rows.map((r) => ({
    ...r,
    targetName: r.redirectTarget ? (names.get(r.redirectTarget.toLowerCase()) ?? null) : null,
  }));
}

export async function ruleView(
  db: PrismaClient,
  id: string,
  users: readonly TeamsUserOption[],
): Promise<RuleView | null> {
  const row = await db.clinicLineRule.findUnique({ where: { id }, select: ruleSelect });
  if (!row) return null;
  const name = row.redirectTarget ? users.find((u) => u.id === row.redirectTarget!.toLowerCase())?.name : null;
  return { ...row, targetName: name ?? null };
}
