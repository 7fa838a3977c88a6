// The bot's webhook (callbackUri of every call): verify, parse, record, acknowledge; lib/bot does it all.
import { handleNotificationRequest } from "@/lib/bot/intake";
import { intakeDeps } from "@/lib/bot/wiring";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return handleNotificationRequest(request, intakeDeps());
}
