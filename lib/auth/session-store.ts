// Auth.js's database sessions, as Consulta stores them. Three things differ from the Prisma adapter:
// 1. Only the SHA-256 of a session token is stored (`Session.sessionToken`); the cookie keeps the token.
//    A copy of the database therefore holds no working session, as it holds no working patient link.
// 2. The read behind every signed-in request is ONE statement (the adapter makes two queries through
//    Prisma's query compiler, on the app's one thread), and it finds no session for a deactivated user.
// 3. Auth.js answers "no session" when the store throws (it logs the error and carries on), which would
//    sign everyone out while the database is away. The session methods note a failure in the request's
//    `readSessionStrictly` scope, so the caller can answer 503 and keep the cookie instead.
// Auth.js still decides everything else: an expired session is deleted and refused by Auth.js itself,
// a deleted (signed-out or deactivated) session is simply not found, and nothing is cached.
import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Adapter, AdapterSession, AdapterUser } from "next-auth/adapters";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/generated/prisma/enums";
import { ServiceUnavailableError } from "@/lib/errors";
import { sha256Hex } from "@/lib/hash";

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

/** What `Session.sessionToken` holds for the token a cookie carries. */
export function hashSessionToken(sessionToken: string): string {
  return sha256Hex(sessionToken);
}

/**
 * The session with this (cookie) token and its user — the adapter's `getSessionAndUser` — or null,
 * also when the user has been deactivated. The session comes back with the token it was asked for.
 */
export async function sessionAndUser(
  db: Pick<PrismaClient, "$queryRaw">,
  sessionToken: string,
): Promise<{ session: AdapterSession & { id: string }; user: SessionUser } | null> {
  const [row] = await db.$queryRaw<Row[]>`
    SELECT s.id AS "sessionId", s."userId", s.expires,
      u."entraObjectId", u.email, u."emailVerified", u.name, u.image, u.role::text AS role, u."timeZone",
      u.locale, u.active, u."createdAt", u."updatedAt"
    FROM "Session" s JOIN "User" u ON u.id = s."userId"
    WHERE s."sessionToken" = ${hashSessionToken(sessionToken)} AND u.active`;
  if (!row) return null;
  return {
    session: { id: row.sessionId, sessionToken, userId: row.userId, expires: date(row.expires) },
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

type SessionMethods = Required<
  Pick<Adapter, "createSession" | "getSessionAndUser" | "updateSession" | "deleteSession">
>;

/** Auth.js's session methods over the Prisma adapter's, storing and looking up the token's hash only. */
export function hashedSessionMethods(db: PrismaClient, base: Adapter): SessionMethods {
  const { createSession, updateSession } = base;
  if (!createSession || !updateSession) throw new Error("the adapter has no session methods");
  return {
    createSession: noted(async (session) => {
      const saved = await createSession({ ...session, sessionToken: hashSessionToken(session.sessionToken) });
      // Auth.js puts the returned token in the cookie: the token, never its hash
      return { ...saved, sessionToken: session.sessionToken };
    }),
    getSessionAndUser: noted((sessionToken) => sessionAndUser(db, sessionToken)),
    updateSession: noted(async (session) => {
      const saved = await updateSession({ ...session, sessionToken: hashSessionToken(session.sessionToken) });
      return saved && { ...saved, sessionToken: session.sessionToken };
    }),
    // deleteMany: a session already gone (deactivation deletes them; two tabs sign out) is no error
    deleteSession: noted(async (sessionToken) => {
      await db.session.deleteMany({ where: { sessionToken: hashSessionToken(sessionToken) } });
    }),
  };
}

// --- telling "no session" from "cannot read sessions" ------------------------------------------------

const strictReads = new AsyncLocalStorage<{ failed: boolean }>();

/** Runs a session method; if it throws inside a `readSessionStrictly` scope, the scope hears of it. */
function noted<A extends unknown[], R>(method: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await method(...args);
    } catch (error) {
      const scope = strictReads.getStore();
      if (scope) scope.failed = true;
      throw error;
    }
  };
}

/** How long a caller is asked to wait before trying again while sessions cannot be read. */
const SESSION_STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Runs a session read (Auth.js's `auth()`) and throws ServiceUnavailableError if the session store
 * failed underneath it, instead of letting the failure pass for "signed out". The cookie is left as it
 * is (Auth.js clears it only for a session that does not exist), so the next request, once the
 * database is back, finds the session again.
 */
export async function readSessionStrictly<T>(read: () => Promise<T>): Promise<T> {
  const scope = { failed: false };
  const result = await strictReads.run(scope, read);
  if (scope.failed) {
    throw new ServiceUnavailableError(
      "Consulta is briefly unavailable. Please try again in a moment.",
      SESSION_STORE_RETRY_AFTER_SECONDS,
    );
  }
  return result;
}
