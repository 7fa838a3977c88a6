// The attendance sweep wired to the application: Graph with the application's token (OnlineMeetingArtifact.Read.All
// and the meeting access policy), the database. Logs ids and outcomes only.
import "server-only";
import { getDb } from "@/lib/db";
import { graphForApp } from "@/lib/graph";
import { logger } from "@/lib/logger";
import { checkDueAttendance, type AttendanceDeps } from "./service";

const graphAttendance: AttendanceDeps = {
  reports: (organizerObjectId, meetingId) => graphForApp().meetingsFor(organizerObjectId).attendance(meetingId),
};

export async function handleAttendanceSweep(): Promise<void> {
  const results = await checkDueAttendance(getDb(), graphAttendance, new Date());
  for (const { appointmentId, outcome } of results)
    if (outcome.kind !== "waiting") logger.info({ appointmentId, outcome: outcome.kind }, "attendance check");
}
