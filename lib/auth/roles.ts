import "server-only";
import type { Role } from "@/lib/generated/prisma/enums";

// Entra app roles as defined in the app registration (docs/ENTRA-SETUP.md), strongest first.
const appRoleToRole: ReadonlyArray<readonly [string, Role]> = [
  ["Admin", "ADMIN"],
  ["Staff", "STAFF"],
  ["Clinician", "CLINICIAN"],
];

/**
 * The Consulta role for a signed-in person: the strongest app role in the token, or ADMIN when the
 * address is listed in BOOTSTRAP_ADMIN_EMAILS (so a new tenant has someone who can assign roles).
 * null = no access.
 */
export function roleFromClaims(
  appRoles: unknown,
  email: string | null | undefined,
  bootstrapAdmins: string,
): Role | null {
  const admins = bootstrapAdmins
    .split(",")
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean);
  if (email && admins.includes(email.toLowerCase())) return "ADMIN";
  const granted = Array.isArray(appRoles) ? appRoles.filter((r): r is string => typeof r === "string") : [];
  for (const [appRole, role] of appRoleToRole) {
    if (granted.includes(appRole)) return role;
  }
  return null;
}

export const canSeeAllAppointments = (role: Role) => role === "STAFF" || role === "ADMIN";

/**
 * Whether the viewer may see and act on an appointment (and its calls and messages): staff and admins on any,
 * a clinician on their own only. Callers answer "not found" otherwise, never a hint that it exists.
 */
export function mayManageAppointment(
  viewer: { id: string; role: Role },
  appointment: { clinicianId: string },
): boolean {
  return canSeeAllAppointments(viewer.role) || appointment.clinicianId === viewer.id;
}
