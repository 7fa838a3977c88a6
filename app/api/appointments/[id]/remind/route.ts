// POST: staff call the patient now with the reminder (confirm / cancel / reception by keypad).
import { z } from "zod";
import { appOrigins, requireStaff } from "@/lib/bot/actions";
import { AppError } from "@/lib/errors";
import { jsonRoute } from "@/lib/http/route";
import { remindNow } from "@/lib/reminders";

export async function POST(request: Request, context: { params: Promise<{ id: string }> }) {
  return jsonRoute(request, { appOrigins: appOrigins() }, async () => {
    const { id } = await context.params;
    if (!z.uuid().safeParse(id).success) throw new AppError("NOT_FOUND", "Appointment not found.");
    const actor = await requireStaff();
    const reminder = await remindNow(id, actor);
    return {
      status: 202,
      body: { reminder: { id: reminder.id, status: reminder.status, dueAt: reminder.dueAt.toISOString() } },
    };
  });
}
