// Event Grid's webhook for ACS SMS: delivery reports and patients' replies (STOP/START); lib/patient-messages does it all.
import { eventsDeps, handleEventsRequest } from "@/lib/patient-messages/intake";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return handleEventsRequest(request, eventsDeps());
}
