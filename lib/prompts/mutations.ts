// Admins' prompt texts: save an override or go back to the built-in text, each with its audit row in the same
// transaction. An edit carries the version it started from and is refused when someone saved in between.
// Nothing else to invalidate: the audio is keyed by the text's hash (store.ts), so the next call's URL is new.
import "server-only";
import { recordAudit, type AuditActor } from "@/lib/audit/mutations";
import { getDb } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError, invalidFields } from "@/lib/errors";
import {
  promptErrorOf,
  promptResetSchema,
  promptSaveSchema,
  type PromptResetInput,
  type PromptSaveInput,
} from "./schema";
import { forgetPromptTexts, promptVersion } from "./store";
import { promptText } from "./texts";

const ENTITY = "PromptText";

export interface SavedPrompt {
  text: string;
  version: string;
  /** null = the built-in text is in force */
  updatedAt: Date | null;
}

const invalid = (key: string) => invalidFields("The prompt text is not valid.", { text: key });
const conflict = () => new AppError("CONFLICT", "Someone changed this prompt in the meantime.");

export async function savePromptText(actor: AuditActor, input: PromptSaveInput): Promise<SavedPrompt> {
  const parsed = promptSaveSchema.safeParse(input);
  if (!parsed.success) throw invalid(promptErrorOf(parsed.error));
  const { locale, key, text, expectedUpdatedAt } = parsed.data;
  const version = promptVersion(locale, text);
  try {
    return await getDb().$transaction(async (tx) => {
      let updatedAt: Date;
      if (expectedUpdatedAt === "") {
        // the editor saw the default: a row written meanwhile makes this insert fail (unique key)
        ({ updatedAt } = await tx.promptText.create({
          data: { locale, key, text, updatedById: actor.id },
          select: { updatedAt: true },
        }));
      } else {
        const { count } = await tx.promptText.updateMany({
          where: { locale, key, updatedAt: new Date(expectedUpdatedAt) },
          data: { text, updatedById: actor.id },
        });
        if (count === 0) throw conflict();
        ({ updatedAt } = await tx.promptText.findUniqueOrThrow({
          where: { locale_key: { locale, key } },
          select: { updatedAt: true },
        }));
      }
      await recordAudit(tx, actor, "prompt.update", { type: ENTITY, id: `${locale}/${key}` }, { version });
      return { text, version, updatedAt };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  } finally {
    forgetPromptTexts();
  }
}

/** Back to the built-in text (lib/prompts/texts.ts): the override row goes. */
export async function resetPromptText(actor: AuditActor, input: PromptResetInput): Promise<SavedPrompt> {
  const parsed = promptResetSchema.safeParse(input);
  if (!parsed.success) throw invalid(promptErrorOf(parsed.error));
  const { locale, key, expectedUpdatedAt } = parsed.data;
  return getDb()
    .$transaction(async (tx) => {
      if (expectedUpdatedAt !== "") {
        const { count } = await tx.promptText.deleteMany({
          where: { locale, key, updatedAt: new Date(expectedUpdatedAt) },
        });
        if (count === 0) throw conflict();
        await recordAudit(tx, actor, "prompt.reset", { type: ENTITY, id: `${locale}/${key}` });
      } else if (await tx.promptText.findUnique({ where: { locale_key: { locale, key } }, select: { key: true } })) {
        throw conflict();
      }
      const text = promptText(locale, key);
      return { text, version: promptVersion(locale, text), updatedAt: null };
    })
    .finally(forgetPromptTexts);
}
