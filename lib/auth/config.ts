// The Auth.js configuration, apart from NextAuth itself (index.ts) so tests can build it over their own
// database and run it through @auth/core.
import "server-only";
import { PrismaAdapter } from "@auth/prisma-adapter";
import type { NextAuthConfig } from "next-auth";
import MicrosoftEntraID from "next-auth/providers/microsoft-entra-id";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/generated/prisma/enums";
import { envVariables } from "@/lib/env";
import { logger } from "@/lib/logger";
import { roleFromClaims } from "./roles";
import { hashedSessionMethods } from "./session-store";
import { encryptOptional } from "./token-crypto";

const delegatedScopes = "openid profile email offline_access User.Read OnlineMeetings.ReadWrite";

interface EntraProfile {
  oid?: string;
  sub: string;
  name?: string;
  email?: string;
  preferred_username?: string;
  roles?: unknown;
}

/** Where a refused sign-in lands: the landing page explains each of these (messages: landing.errors). */
export const SIGN_IN_REFUSED_INACTIVE = "/?error=AccountDisabled";

/** The Auth.js configuration over this database (exported for tests, which pass their own). */
export function authConfig(db: PrismaClient): NextAuthConfig {
  // not serverEnv(): tests build this configuration with only a database and a secret
  const secret = envVariables(["AUTH_SECRET"]).AUTH_SECRET ?? "";
  // read at each sign-in
  const bootstrapAdmins = () => envVariables(["BOOTSTRAP_ADMIN_EMAILS"]).BOOTSTRAP_ADMIN_EMAILS;
  const base = PrismaAdapter(db);

  // Consulta identifies people by their Entra object id, not by e-mail: a seeded or earlier user with
  // the same oid is reused, and e-mail matching (which could link the wrong person) is switched off.
  const adapter: NextAuthConfig["adapter"] = {
    ...base,
    // sessions are stored as hashes and read in one statement (see session-store.ts)
    ...hashedSessionMethods(db, base),
    getUserByEmail: async () => null,
    createUser: async (user) => {
      const data = user as typeof user & { entraObjectId: string; role: Role };
      const saved = await db.user.upsert({
        where: { entraObjectId: data.entraObjectId },
        update: { name: data.name ?? undefined, email: data.email, role: data.role },
        create: {
          entraObjectId: data.entraObjectId,
          name: data.name ?? data.email,
          email: data.email,
          role: data.role,
        },
      });
      return { ...saved, emailVerified: saved.emailVerified };
    },
    linkAccount: async (account) => {
      await db.account.create({
        data: {
          userId: account.userId,
          type: account.type,
          provider: account.provider,
          providerAccountId: account.providerAccountId,
          access_token: encryptOptional(account.access_token, secret),
          refresh_token: encryptOptional(account.refresh_token, secret),
          id_token: encryptOptional(account.id_token, secret),
          expires_at: account.expires_at ?? null,
          token_type: account.token_type ?? null,
          scope: account.scope ?? null,
        },
      });
    },
  };

  return {
    adapter,
    session: { strategy: "database", maxAge: 8 * 60 * 60 },
    trustHost: true,
    pages: { signIn: "/", error: "/" },
    // Auth.js's own logger prints stacks (and, for a failed session read, the database error's) to the
    // console; one structured line without either is enough to follow a failure
    logger: {
      error(error) {
        const cause = (error.cause as { err?: { name?: string; code?: string } } | undefined)?.err;
        logger.error(
          {
            authError: (error as { type?: string }).type ?? error.name,
            cause: cause && { name: cause.name, code: cause.code },
          },
          "auth error",
        );
      },
      warn(code) {
        logger.warn({ authWarning: code }, "auth warning");
      },
    },
    providers: [
      MicrosoftEntraID({
        authorization: { params: { scope: delegatedScopes } },
        // the default profile() fetches the user's photo from graph.microsoft.com; we need none of it
        profile(profile: EntraProfile) {
          const email = profile.email ?? profile.preferred_username ?? "";
          return {
            id: profile.oid ?? profile.sub,
            entraObjectId: profile.oid ?? profile.sub,
            name: profile.name ?? email,
            email,
            image: null,
            role: roleFromClaims(profile.roles, email, bootstrapAdmins()),
          };
        },
      }),
    ],
    callbacks: {
      async signIn({ user, profile }) {
        // people in the tenant without a Consulta app role get the landing page with an error
        if (!(user as { role?: Role | null }).role) return false;
        // a deactivated person may not sign in again: `user` is their row once their account is linked,
        // else what Entra says, so their row is also looked up by object id (seeded, never signed in)
        if ((user as { active?: boolean }).active === false) return SIGN_IN_REFUSED_INACTIVE;
        const oid = (profile as EntraProfile | undefined)?.oid ?? (profile as EntraProfile | undefined)?.sub;
        if (oid) {
          const row = await db.user.findUnique({ where: { entraObjectId: oid }, select: { active: true } });
          if (row && !row.active) return SIGN_IN_REFUSED_INACTIVE;
        }
        return true;
      },
      session({ session, user }) {
        const row = user as typeof user & { role: Role; timeZone: string; locale: string };
        session.user.id = row.id;
        session.user.role = row.role;
        session.user.timeZone = row.timeZone;
        session.user.locale = row.locale;
        return session;
      },
    },
    events: {
      // Auth.js stores tokens only when an account is first linked; refresh them (and the role, which
      // an admin may have changed in Entra) on every sign-in.
      async signIn({ user, account, profile }) {
        if (!account || !user.id) return;
        const role = roleFromClaims(profile?.roles, user.email, bootstrapAdmins());
        if (role) await db.user.update({ where: { id: user.id }, data: { role } });
        await db.account.updateMany({
          where: { provider: account.provider, providerAccountId: account.providerAccountId },
          data: {
            access_token: encryptOptional(account.access_token, secret),
            refresh_token: encryptOptional(account.refresh_token, secret) ?? undefined,
            id_token: encryptOptional(account.id_token, secret),
            expires_at: account.expires_at ?? null,
            scope: account.scope ?? null,
          },
        });
        logger.info({ userId: user.id, role }, "signed in");
      },
    },
  };
}
