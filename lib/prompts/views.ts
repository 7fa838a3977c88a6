// Request-facing read for /admin/prompts: every prompt in both languages with the version its audio has.
import "server-only";
import { getDb } from "@/lib/db";
import { promptTextViews, type PromptTextView } from "./data";
import { promptVersion } from "./store";

export async function promptAdminView(): Promise<(PromptTextView & { version: string })[]> {
  const views = await promptTextViews(getDb());
  return views.map((v) => ({ ...v, version: promptVersion(v.locale, v.text) }));
}
