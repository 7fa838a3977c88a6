// The signed-in user's Microsoft tokens as Auth.js keeps them: the Entra provider's Account row, token
// columns encrypted with AES-256-GCM under AUTH_SECRET. lib/graph refreshes delegated tokens but keeps no
// rows itself: it is handed this store (graphForUser), so the database stays on this side of the gateway.
import "server-only";
import { getDb } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { GraphAuthError } from "@/lib/graph";
import { ENTRA_PROVIDER, type DelegatedTokenStore } from "@/lib/graph/tokens";
import { decryptToken, encryptToken } from "./token-crypto";

/** The store over a given database and key (tests pass their own). */
export function accountTokenStore(db: PrismaClient, authSecret: string): DelegatedTokenStore {
  const find = (userId: string) =>
    db.account.findFirst({ where: { userId, provider: ENTRA_PROVIDER }, orderBy: { id: "asc" } });
  return {
    async load(userId) {
      const row = await find(userId);
      if (!row) return null;
      return {
        accessToken: row.access_token ? decryptToken(row.access_token, authSecret) : null,
        refreshToken: row.refresh_token ? decryptToken(row.refresh_token, authSecret) : null,
        expiresAt: row.expires_at,
        scope: row.scope,
      };
    },
    async save(userId, tokens) {
      const row = await find(userId);
      if (!row) throw new GraphAuthError("reauthenticate", "The Microsoft account was unlinked during a refresh");
      await db.account.update({
        where: { id: row.id },
        data: {
          access_token: encryptToken(tokens.accessToken, authSecret),
          ...(tokens.refreshToken ? { refresh_token: encryptToken(tokens.refreshToken, authSecret) } : {}),
          expires_at: tokens.expiresAt,
          scope: tokens.scope,
        },
      });
    },
  };
}

/** The app's store: this process's database and AUTH_SECRET. */
export function delegatedTokenStore(): DelegatedTokenStore {
  return accountTokenStore(getDb(), serverEnv().AUTH_SECRET);
}
