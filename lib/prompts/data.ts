// Reads of the prompt texts: the texts in force (the bot, per call, from a short-lived snapshot) and the admin page's view
// of every prompt in both languages. Explicit database client, no session.
import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { PROMPT_KEYS, PROMPT_LOCALES, promptText, type PromptKey, type PromptLocale } from "./texts";

/**
 * The admins' texts as one snapshot of every override, read again once it is older than `freshForMs`. A call
 * plays two to four prompts and each needs the text in force: without the snapshot that is a query per
 * prompt, on every call. An admin's change reaches calls on other instances within `freshForMs`; `forget()`
 * makes it immediate in the process that saved it; with `freshForMs` 0 every read asks the database.
 */
export function cachedPromptTexts(db: PrismaClient, freshForMs = 5_000) {
  let snapshot: { readAt: number; texts: Promise<Map<string, string>> } | null = null;
  const read = async () => {
    const rows = await db.promptText.findMany({ select: { locale: true, key: true, text: true } });
    return new Map(rows.map((row) => [`${row.locale}/${row.key}`, row.text]));
  };
  return {
    async textFor(locale: PromptLocale, key: PromptKey): Promise<string> {
      if (!snapshot || Date.now() - snapshot.readAt >= freshForMs) {
        const texts = read();
        snapshot = { readAt: Date.now(), texts };
        // a failed read is not kept: the next prompt asks the database again
        texts.catch(() => {
          if (snapshot?.texts === texts) snapshot = null;
        });
      }
      return (await snapshot.texts).get(`${locale}/${key}`) ?? promptText(locale, key);
    },
    forget(): void {
      snapshot = null;
    },
  };
}

export interface PromptTextView {
  locale: PromptLocale;
  key: PromptKey;
  text: string;
  defaultText: string;
  /** false = the built-in text is in force */
  overridden: boolean;
  updatedAt: Date | null;
  updatedByName: string | null;
}

export async function promptTextViews(db: PrismaClient): Promise<PromptTextView[]> {
  const rows = await db.promptText.findMany({
    select: { locale: true, key: true, text: true, updatedAt: true, updatedBy: { select: { name: true } } },
  });
  const byId = new Map(rows.map((r) => [`${r.locale}/${r.key}`, r]));
  return PROMPT_KEYS.flatMap((key) =>
    PROMPT_LOCALES.map((locale) => {
      const row = byId.get(`${locale}/${key}`);
      return {
        locale,
        key,
        text: row?.text ?? promptText(locale, key),
        defaultText: promptText(locale, key),
        overridden: Boolean(row),
        updatedAt: row?.updatedAt ?? null,
        updatedByName: row?.updatedBy?.name ?? null,
      };
    }),
  );
}

/**
 * The versions handed out, in the PromptVersion table: a prompt URL made by one instance (or worker) is
 * fetched by Microsoft from whichever instance the load balancer picks, which synthesizes the text found here.
 */
export function promptVersionsIn(db: PrismaClient) {
  return {
    /** One statement for all of them: a call's sentences about its appointment are written together. */
    async remember(versions: { locale: PromptLocale; key: PromptKey; version: string; text: string }[]): Promise<void> {
      if (versions.length > 0) await db.promptVersion.createMany({ data: versions, skipDuplicates: true });
    },
    /** Forgets the versions handed out before `before` (their calls are long over). Returns how many. */
    async forgetBefore(before: Date): Promise<number> {
      const { count } = await db.promptVersion.deleteMany({ where: { createdAt: { lt: before } } });
      return count;
    },
    async recall(locale: PromptLocale, key: PromptKey, version: string): Promise<string | null> {
      const row = await db.promptVersion.findUnique({
        where: { locale_key_version: { locale, key, version } },
        select: { text: true },
      });
      return row?.text ?? null;
    },
  };
}
