import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import type { Role } from "@/lib/generated/prisma/enums";
import { AppError } from "@/lib/errors";
import { clientAddressFrom } from "@/lib/http/client-address";
import { auth } from "./index";
import { readSessionStrictly } from "./session-store";

export interface Viewer {
  id: string;
  role: Role;
  name: string;
  timeZone: string;
  locale: string;
  /** client address, for the audit log */
  ip: string | null;
}

async function clientIp(): Promise<string | null> {
  const h = await headers();
  return clientAddressFrom(h.get("x-forwarded-for"));
}

/**
 * The signed-in person, or null. Every page, action and route handler starts here. While sessions
 * cannot be read (the database is away) this throws ServiceUnavailableError — 503 with Retry-After for
 * handlers, the "briefly unavailable" page for pages — rather than taking everyone for signed out.
 */
async function currentViewer(): Promise<Viewer | null> {
  const session = await readSessionStrictly(() => auth());
  if (!session?.user?.id || !session.user.role) return null;
  return {
    id: session.user.id,
    role: session.user.role,
    name: session.user.name ?? "",
    timeZone: session.user.timeZone,
    locale: session.user.locale,
    ip: await clientIp(),
  };
}

/** For pages: send anonymous visitors to the sign-in page; a wrong role gets a 404, not a hint. */
export async function requireViewerPage(roles?: readonly Role[]): Promise<Viewer> {
  const viewer = await currentViewer();
  if (!viewer) redirect("/");
  if (roles && !roles.includes(viewer.role)) notFound();
  return viewer;
}

/** For actions and route handlers: typed errors that map to 401 / 403. */
export async function requireViewer(roles?: readonly Role[]): Promise<Viewer> {
  const viewer = await currentViewer();
  if (!viewer) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
  if (roles && !roles.includes(viewer.role)) throw new AppError("FORBIDDEN", "You do not have access to this.");
  return viewer;
}

export const STAFF_ROLES = ["STAFF", "ADMIN"] as const satisfies readonly Role[];
export const ALL_ROLES = ["CLINICIAN", "STAFF", "ADMIN"] as const satisfies readonly Role[];
