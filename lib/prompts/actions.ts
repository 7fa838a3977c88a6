"use server";
// Server actions behind /admin/prompts: one form per prompt and language, with "save" and "reset to default"
// buttons (`intent`). Admins only; expected failures come back as a translated message next to the field.
import "server-only";
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { requireViewer } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { auditActorOf } from "@/lib/audit/mutations";
import { resetPromptText, savePromptText } from "./mutations";
import type { PromptErrorKey } from "./schema";
import { promptStore } from "./store";
import { isPromptKey, isPromptLocale } from "./texts";
import type { PromptFormState } from "./types";

const field = (formData: FormData, name: string) => {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
};

export async function promptFormAction(_previous: PromptFormState, formData: FormData): Promise<PromptFormState> {
  formData = formArgument(formData);
  const t = await getTranslations("promptAdmin");
  const locale = field(formData, "locale");
  const key = field(formData, "key");
  const text = field(formData, "text");
  const expectedUpdatedAt = field(formData, "updatedAt");
  const reset = field(formData, "intent") === "reset";
  const failed = (message: string, invalid = false): PromptFormState => ({
    status: "error",
    message,
    text: text.slice(0, 5_000),
    version: null,
    updatedAt: expectedUpdatedAt,
    invalid,
  });
  try {
    const viewer = await requireViewer(["ADMIN"]);
    const actor = auditActorOf(viewer);
    const saved = reset
      ? await resetPromptText(actor, { locale, key, expectedUpdatedAt })
      : await savePromptText(actor, { locale, key, text, expectedUpdatedAt });
    // synthesize the new audio now, so the first caller does not wait for it (a failure is retried on demand)
    if (isPromptLocale(locale) && isPromptKey(key))
      void promptStore()
        .audio(locale, key, saved.version)
        .catch(() => undefined);
    revalidatePath("/admin/prompts");
    return {
      status: "ok",
      message: reset ? t("resetDone") : t("saved"),
      text: saved.text,
      version: saved.version,
      updatedAt: saved.updatedAt?.toISOString() ?? "",
      invalid: false,
    };
  } catch (error) {
    if (isAppError(error)) {
      switch (error.code) {
        case "UNAUTHENTICATED":
          return failed(t("errors.signedOut"));
        case "FORBIDDEN":
          return failed(t("errors.forbidden"));
        case "CONFLICT":
          return failed(t("errors.conflict"));
        case "BAD_REQUEST": {
          const issue = (error.details?.fieldErrors as { text?: PromptErrorKey } | undefined)?.text ?? "required";
          return failed(t(`errors.${issue}`), true);
        }
      }
    }
    const { name, code } = (error ?? {}) as { name?: string; code?: string };
    logger.error({ action: "prompt.update", error: { name, code } }, "prompt action failed");
    return failed(t("errors.unexpected"));
  }
}
