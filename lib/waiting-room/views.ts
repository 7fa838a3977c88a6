// The waiting room for the signed-in person: staff see every visit's meeting, a clinician their own, and
// only a clinician gets the alert (their patient is waiting). Request-facing: resolves the viewer.
import "server-only";
import { canSeeAllAppointments } from "@/lib/auth/roles";
import { ALL_ROLES, requireViewer } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { waitingAlertFor } from "./alert";
import { visitsWithPresence } from "./data";
import type { WaitingRoom } from "./types";

export async function waitingRoomForViewer(now: Date): Promise<WaitingRoom> {
  const viewer = await requireViewer(ALL_ROLES);
  const all = canSeeAllAppointments(viewer.role);
  const visits = await visitsWithPresence(getDb(), { clinicianId: all ? null : viewer.id, now });
  return { visits, alert: viewer.role === "CLINICIAN" ? waitingAlertFor(visits, viewer.id) : null };
}
