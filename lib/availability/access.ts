// Who may edit a clinician's availability; the viewer's role and id decide, no record is read.
import "server-only";

/**
 * Clinicians edit their own availability, admins anyone's. Staff book against availability but do
 * not set it (and, like the nav, the editor does not show it to them).
 */
export function canEditAvailability(viewer: { id: string; role: string }, clinicianId: string): boolean {
  if (viewer.role === "ADMIN") return true;
  return viewer.role === "CLINICIAN" && viewer.id === clinicianId;
}
