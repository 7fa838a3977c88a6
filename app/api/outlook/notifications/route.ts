// Graph's change and lifecycle notifications for the clinicians' Outlook events: the validation handshake,
// then clientState checked, the clinician's sync queued, 202 (lib/outlook/intake.ts does it all).
import { handleOutlookNotification } from "@/lib/outlook/intake";
import { outlookIntakeDeps } from "@/lib/outlook/jobs";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return handleOutlookNotification(request, outlookIntakeDeps());
}
