// Which of a clinician's visits the alert is about. Pure: the caller gives the visits (lib/waiting-room/data.ts).
import "server-only";
import type { VisitPresence, WaitingAlert } from "./types";

/** The clinician's next visit with someone in its lobby (the earliest by start), or null. Pure. */
export function waitingAlertFor(visits: VisitPresence[], clinicianId: string): WaitingAlert | null {
  const visit = visits.find((v) => v.clinicianId === clinicianId && v.lobby.length > 0);
  if (!visit) return null;
  return {
    appointmentId: visit.appointmentId,
    patientName: visit.patientName,
    startsAt: visit.startsAt,
    waitingSince: visit.lobby.map((p) => p.since).sort()[0]!,
    waiting: visit.lobby.map((p) => p.name ?? "").filter(Boolean),
    joinWebUrl: visit.joinWebUrl,
  };
}
