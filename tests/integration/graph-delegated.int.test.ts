// Delegated tokens: the Account row (encrypted, as Auth.js stores it) → refresh against the emulator →
// re-encrypted row, and /me meetings with the refreshed token.
//
// The refresh is MSAL's acquireTokenByRefreshToken (msalRefresher), exactly as in production.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { ANA, userSignIn } from "@/emulator/test/helpers";
import { accountTokenStore } from "@/lib/auth/delegated-tokens";
import { decryptToken, encryptToken } from "@/lib/auth/token-crypto";
import { createGraphClient } from "@/lib/graph/client";
import { GraphAuthError } from "@/lib/graph/errors";
import { bindMeetings, createUserGraph } from "@/lib/graph/gateway";
import { DelegatedTokenSource, msalRefresher, type RefreshDelegatedTokens } from "@/lib/graph/tokens";
import { databasePerFile, perFile } from "../helpers/per-file";
import { startGraphTestEnv } from "./graph-helpers";

const env = perFile(startGraphTestEnv);
const { db } = databasePerFile();
// the key the Account row's token columns are encrypted under (AUTH_SECRET in the app)
const authSecret = crypto.randomBytes(32).toString("base64");

async function seedUser(label: string, tokens: { access?: string; refresh?: string; expiresAt?: number } | null) {
  const user = await db.user.create({
    data: { email: `${label}@aurora.example`, name: label, entraObjectId: label === "ana" ? ANA : undefined },
  });
  if (tokens) {
    await db.account.create({
      data: {
        userId: user.id,
        type: "oidc",
        provider: "microsoft-entra-id",
        providerAccountId: `${label}-oid`,
        access_token: tokens.access ? encryptToken(tokens.access, authSecret) : null,
        refresh_token: tokens.refresh ? encryptToken(tokens.refresh, authSecret) : null,
        expires_at: tokens.expiresAt ?? null,
        scope: "openid profile email offline_access User.Read OnlineMeetings.ReadWrite",
      },
    });
  }
  return user;
}

describe("delegated token", () => {
  it("refreshes an expired access token, stores the new tokens encrypted and uses them for /me", async () => {
    const signIn = await userSignIn(env.emu, "ana.ribeiro@aurora.example");
    expect(signIn.refresh_token).toBeTruthy();
    const expiredAt = Math.floor(Date.now() / 1000) - 60;
    const user = await seedUser("ana", {
      access: "expired-access-token",
      refresh: signIn.refresh_token,
      expiresAt: expiredAt,
    });

    const refreshed: string[] = [];
    // the production refresher (MSAL), recording what it was asked to refresh
    const msal = msalRefresher(env.config);
    const refresh: RefreshDelegatedTokens = async (refreshToken) => {
      refreshed.push(refreshToken);
      return msal(refreshToken);
    };
    const tokenSource = new DelegatedTokenSource(user.id, {
      store: accountTokenStore(db, authSecret),
      refresh,
    });
    const client = createGraphClient({ baseUrl: env.config.graphBaseUrl, tokenSource, fetch: env.config.fetch });
    const graph = { meetings: bindMeetings(client, { kind: "me" }) };
    const { meeting, created } = await graph.meetings.createOrGet({
      externalId: "delegated-1",
      subject: "Consulta delegada",
      startDateTime: new Date(Date.UTC(2030, 5, 1, 13, 0)),
      endDateTime: new Date(Date.UTC(2030, 5, 1, 13, 30)),
    });
    expect(created).toBe(true);
    expect((await graph.meetings.get(meeting.id)).id).toBe(meeting.id);

    const row = await db.account.findFirstOrThrow({ where: { userId: user.id } });
    // ciphertext at rest, never the token itself
    expect(row.access_token).toMatch(/^v1\./);
    expect(row.refresh_token).toMatch(/^v1\./);
    const access = decryptToken(row.access_token!, authSecret);
    expect(access).not.toBe("expired-access-token");
    const claims = JSON.parse(Buffer.from(access.split(".")[1]!, "base64url").toString("utf8"));
    expect(claims.oid).toBe(ANA);
    expect(claims.scp).toContain("OnlineMeetings.ReadWrite");
    expect(row.expires_at).toBeGreaterThan(Math.floor(Date.now() / 1000) + 120);
    expect(decryptToken(row.refresh_token!, authSecret)).toBeTruthy();
    expect(refreshed).toEqual([signIn.refresh_token]);

    // the stored token is valid now: the next calls do not refresh again
    await graph.meetings.get(meeting.id);
    await graph.meetings.findByJoinUrl(meeting.joinWebUrl);
    expect(refreshed).toHaveLength(1);
  });

  it("asks for a new sign-in when the user has no linked account", async () => {
    const user = await seedUser("no-account", null);
    const error = await createUserGraph(env.config, accountTokenStore(db, authSecret), user.id)
      .meetings.get("anything")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphAuthError);
    expect(error).toMatchObject({ code: "reauthenticate" });
  });

  it("asks for a new sign-in when the refresh token is refused, and leaves the row alone", async () => {
    const user = await seedUser("revoked", { access: "old", refresh: "not-a-real-refresh-token", expiresAt: 1 });
    const rowBefore = await db.account.findFirstOrThrow({ where: { userId: user.id } });
    const error = await createUserGraph(env.config, accountTokenStore(db, authSecret), user.id)
      .meetings.get("anything")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "GraphAuthError", code: "reauthenticate" });
    const rowAfter = await db.account.findFirstOrThrow({ where: { userId: user.id } });
    expect(rowAfter).toEqual(rowBefore);
  });
});
