// Request-facing reads for the admin's rule pages: the database and the configured reception bound in.
import "server-only";
import { getDb } from "@/lib/db";
import { ruleView, ruleViews, teamsUserOptions, type RuleView, type TeamsUserOption } from "./data";
import { receptionUser } from "./reception";

async function userOptions(receptionLabel: string): Promise<TeamsUserOption[]> {
  const reception = receptionUser();
  return teamsUserOptions(
    getDb(),
    reception ? { id: reception.id.toLowerCase(), name: reception.name ?? receptionLabel } : null,
  );
}

export async function rulesPageData(receptionLabel: string): Promise<{ rules: RuleView[]; users: TeamsUserOption[] }> {
  const users = await userOptions(receptionLabel);
  return { rules: await ruleViews(getDb(), users), users };
}

export async function ruleEditData(
  id: string,
  receptionLabel: string,
): Promise<{ rule: RuleView | null; users: TeamsUserOption[] }> {
  const users = await userOptions(receptionLabel);
  return { rule: await ruleView(getDb(), id, users), users };
}

/** Entra object ids a rule may redirect to besides Consulta's users. */
export function extraRedirectUserIds(): string[] {
  const reception = receptionUser();
  return reception ? [reception.id] : [];
}
