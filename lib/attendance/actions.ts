"use server";
// Staff correct how a visit ended (COMPLETED ↔ NO_SHOW). Staff and admins only; audited by the mutation.
import "server-only";
import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import type { SimpleFormState } from "@/lib/appointments/actions";
import { auditActorOf } from "@/lib/audit/mutations";
import { requireViewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { formArgument } from "@/lib/http/form-data";
import { logger } from "@/lib/logger";
import { correctAttendance } from "./mutations";

const correctionInput = z.object({
  appointmentId: z.uuid(),
  from: z.enum(["BOOKED", "CONFIRMED", "COMPLETED", "NO_SHOW"]),
  to: z.enum(["COMPLETED", "NO_SHOW"]),
});

export async function correctAttendanceAction(
  _previous: SimpleFormState,
  formData: FormData,
): Promise<SimpleFormState> {
  formData = formArgument(formData);
  const t = await getTranslations("attendance");
  try {
    const viewer = await requireViewer(["STAFF", "ADMIN"]);
    const parsed = correctionInput.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return { status: "error", message: t("errors.invalid") };
    await correctAttendance(getDb(), auditActorOf(viewer), parsed.data, new Date());
    revalidatePath(`/appointments/${parsed.data.appointmentId}`);
    return { status: "done", message: t("corrected") };
  } catch (error) {
    if (isAppError(error)) {
      const reason = error.details?.reason;
      if (typeof reason === "string" && t.has(`errors.${reason}`))
        return { status: "error", message: t(`errors.${reason}`) };
      if (error.code === "FORBIDDEN") return { status: "error", message: t("errors.forbidden") };
      return { status: "error", message: error.message };
    }
    logger.error({ err: error, action: "correct-attendance" }, "attendance correction failed");
    return { status: "error", message: t("errors.unexpected") };
  }
}
