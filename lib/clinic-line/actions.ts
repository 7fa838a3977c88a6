"use server";
// Server actions behind /admin/clinic-line: create and edit a rule (the form), and the list's row buttons
// (move up/down, enable/disable, delete). Admins only; expected failures come back as translated messages.
import "server-only";
import { formArgument } from "@/lib/http/form-data";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { requireViewer } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { auditActorOf } from "@/lib/audit/mutations";
import { createRule, deleteRule, moveRule, setRuleActive, updateRule } from "./mutations";
import type { RuleErrorKey, RuleField, RuleFormInput } from "./schema";
import type { RuleFormState, RuleFormValues, RuleRowState } from "./types";
import { extraRedirectUserIds } from "./views";

const ADMIN = ["ADMIN"] as const;
const LIST = "/admin/clinic-line";

const text = (formData: FormData, name: string) => {
  const value = formData.get(name);
  return typeof value === "string" ? value.slice(0, 1_000) : "";
};

function formValues(formData: FormData): RuleFormValues {
  return {
    label: text(formData, "label"),
    kind: text(formData, "kind"),
    caller: text(formData, "caller"),
    weekdays: formData
      .getAll("weekdays")
      .filter((v): v is string => typeof v === "string")
      .slice(0, 7),
    start: text(formData, "start"),
    end: text(formData, "end"),
    targetKind: text(formData, "targetKind"),
    targetUser: text(formData, "targetUser"),
    targetPhone: text(formData, "targetPhone"),
    priority: text(formData, "priority"),
    active: formData.get("active") === "on",
    confirmRejectAll: formData.get("confirmRejectAll") === "on",
  };
}

const input = (values: RuleFormValues): RuleFormInput => ({ ...values });

type Translator = Awaited<ReturnType<typeof getTranslations<"lineAdmin">>>;

function errorMessage(t: Translator, error: unknown, context: string): string {
  if (isAppError(error)) {
    switch (error.code) {
      case "UNAUTHENTICATED":
        return t("errors.signedOut");
      case "FORBIDDEN":
        return t("errors.forbidden");
      case "NOT_FOUND":
        return t("errors.notFound");
      case "CONFLICT":
        return t("errors.conflict");
      case "BAD_REQUEST":
        return t("errors.fixFields");
    }
  }
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  logger.error({ action: context, error: { name, code } }, "clinic-line rule action failed");
  return t("errors.unexpected");
}

function formFailure(t: Translator, values: RuleFormValues, error: unknown, context: string): RuleFormState {
  const keys = (isAppError(error) && error.code === "BAD_REQUEST" ? error.details?.fieldErrors : undefined) as
    Partial<Record<RuleField, RuleErrorKey>> | undefined;
  const fieldErrors = Object.fromEntries(Object.entries(keys ?? {}).map(([field, key]) => [field, t(`errors.${key}`)]));
  return { status: "error", message: errorMessage(t, error, context), fieldErrors, values };
}

/** New rule; on success back to the list (works without JavaScript too). */
export async function createRuleAction(_previous: RuleFormState, formData: FormData): Promise<RuleFormState> {
  formData = formArgument(formData);
  const t = await getTranslations("lineAdmin");
  const values = formValues(formData);
  try {
    const viewer = await requireViewer(ADMIN);
    await createRule(auditActorOf(viewer), input(values), { extraUserIds: extraRedirectUserIds() });
  } catch (error) {
    return formFailure(t, values, error, "clinic-line.rule.create");
  }
  revalidatePath(LIST);
  redirect(`${LIST}?saved=1`);
}

/** Edit form: hidden `id` and `updatedAt` (the version shown) guard against overwriting someone's change. */
export async function updateRuleAction(_previous: RuleFormState, formData: FormData): Promise<RuleFormState> {
  formData = formArgument(formData);
  const t = await getTranslations("lineAdmin");
  const values = formValues(formData);
  try {
    const viewer = await requireViewer(ADMIN);
    const saved = await updateRule(
      auditActorOf(viewer),
      { id: text(formData, "id"), expectedUpdatedAt: text(formData, "updatedAt"), form: input(values) },
      { extraUserIds: extraRedirectUserIds() },
    );
    revalidatePath(LIST);
    return { status: "ok", message: t("saved"), values, updatedAt: saved.updatedAt.toISOString() };
  } catch (error) {
    return formFailure(t, values, error, "clinic-line.rule.update");
  }
}

/** The list's buttons: `intent` = up | down | enable | disable | delete (with `confirm` = yes), `id` = the rule. */
export async function ruleRowAction(_previous: RuleRowState, formData: FormData): Promise<RuleRowState> {
  formData = formArgument(formData);
  const t = await getTranslations("lineAdmin");
  const intent = text(formData, "intent");
  const id = text(formData, "id");
  try {
    const viewer = await requireViewer(ADMIN);
    const actor = auditActorOf(viewer);
    switch (intent) {
      case "up":
      case "down":
        await moveRule(actor, { id, direction: intent });
        break;
      case "enable":
      case "disable":
        await setRuleActive(actor, { id, active: intent === "enable" });
        break;
      case "delete":
        // the list asks "Delete …?" first; a delete without that answer is not carried out
        if (text(formData, "confirm") !== "yes") return { status: "error", message: t("errors.deleteUnconfirmed") };
        await deleteRule(actor, { id });
        break;
      default:
        return { status: "error", message: t("errors.fixFields") };
    }
    revalidatePath(LIST);
    return { status: "ok", message: t(`done.${intent}`) };
  } catch (error) {
    return { status: "error", message: errorMessage(t, error, `clinic-line.rule.${intent || "row"}`) };
  }
}
