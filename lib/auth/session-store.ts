// The database-session read behind every signed-in request. Auth.js's Prisma adapter reads the
// session and then its user (two queries through Prisma's query compiler, on the app's one thread);
// this is the same read as ONE statement. Auth.js still decides everything else: an expired session
// is deleted and refused by Auth.js itself, a deleted (signed-out) session is simply not found, and
// nothing is cached between requests.
import type { AdapterSession, AdapterUser } from "next-auth/adapters";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/generated/prisma/enums";

export interface SessionUser extends AdapterUser {
  entraObjectId: string | null;
  role: Role;
  timeZone: string;
  locale: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  sessionId: string;
  sessionToken: string;
  userId: string;
  expires: Date | string;
  entraObjectId: string | null;
  email: string;
  emailVerified: Date | string | null;
  name: string;
  image: string | null;
  role: Role;
  timeZone: string;
  locale: string;
  active: boolean;
  createdAt: Date | string;
  updatedAt: Date | string;
}

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** The session with this token and its user — the adapter's `getSessionAndUser` — or null. */
export async function sessionAndUser(
  db: Pick<PrismaClient, "$queryRaw">,
  sessionToken: string,
): Promise<{ session: AdapterSession & { id: string }; user: SessionUser } | null> {
  const [row] = await db.$queryRaw<Row[]>`
    SELECT s.id AS "sessionId", s."sessionToken", s."userId", s.expires,
      u."entraObjectId", u.email, u."emailVerified", u.name, u.image, u.role::text AS role, u."timeZone",
      u.locale, u.active, u."createdAt", u."updatedAt"
    FROM "Session" s JOIN "User" u ON u.id = s."userId"
    WHERE s."sessionToken" = ${sessionToken}`;
  if (!row) return null;
  return {
    session: { id: row.sessionId, sessionToken: row.sessionToken, userId: row.userId, expires: date(row.expires) },
    user: {
      id: row.userId,
      entraObjectId: row.entraObjectId,
      email: row.email,
      emailVerified: row.emailVerified === null ? null : date(row.emailVerified),
      name: row.name,
      image: row.image,
      role: row.role,
      timeZone: row.timeZone,
      locale: row.locale,
      active: row.active,
      createdAt: date(row.createdAt),
      updatedAt: date(row.updatedAt),
    },
  };
}
