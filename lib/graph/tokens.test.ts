import { ConfidentialClientApplication, type AuthenticationResult } from "@azure/msal-node";
import { describe, expect, it, vi } from "vitest";
import { GraphAuthError } from "./errors";
import {
  AppTokenSource,
  DelegatedTokenSource,
  isTokenUsable,
  msalConfiguration,
  type DelegatedTokenStore,
  type RefreshedTokens,
  type StoredDelegatedTokens,
} from "./tokens";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const seconds = (ms: number) => Math.floor(ms / 1000);

function memoryStore(initial: StoredDelegatedTokens | null) {
  let row = initial;
  const saves: RefreshedTokens[] = [];
  const store: DelegatedTokenStore = {
    load: async () => (row ? { ...row } : null),
    save: async (_userId, tokens) => {
      saves.push(tokens);
      row = { ...tokens, refreshToken: tokens.refreshToken ?? null };
    },
  };
  return { store, saves, current: () => row };
}

function refresher(result: Partial<RefreshedTokens> | Error, delayMs = 0) {
  const seen: string[] = [];
  const refresh = async (refreshToken: string) => {
    seen.push(refreshToken);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (result instanceof Error) throw result;
    return { accessToken: "new-at", expiresAt: seconds(NOW) + 3600, scope: "User.Read", ...result };
  };
  return { refresh, seen };
}

describe("isTokenUsable", () => {
  it("needs a token with more than two minutes left", () => {
    expect(isTokenUsable({ accessToken: "a", expiresAt: seconds(NOW) + 121 }, NOW)).toBe(true);
    expect(isTokenUsable({ accessToken: "a", expiresAt: seconds(NOW) + 120 }, NOW)).toBe(false);
    expect(isTokenUsable({ accessToken: "a", expiresAt: seconds(NOW) - 5 }, NOW)).toBe(false);
    expect(isTokenUsable({ accessToken: null, expiresAt: seconds(NOW) + 3600 }, NOW)).toBe(false);
    expect(isTokenUsable({ accessToken: "a", expiresAt: null }, NOW)).toBe(false);
  });
});

describe("DelegatedTokenSource", () => {
  const valid: StoredDelegatedTokens = {
    accessToken: "old-at",
    refreshToken: "old-rt",
    expiresAt: seconds(NOW) + 600,
    scope: "User.Read",
  };

  it("returns the stored token while it is valid, without refreshing", async () => {
    const db = memoryStore(valid);
    const r = refresher({});
    const source = new DelegatedTokenSource("u1", { store: db.store, refresh: r.refresh, now: () => NOW });
    expect(await source.getToken()).toBe("old-at");
    expect(r.seen).toEqual([]);
    expect(db.saves).toEqual([]);
  });

  it("refreshes a token about to expire and stores the rotated tokens", async () => {
    const db = memoryStore({ ...valid, expiresAt: seconds(NOW) + 90 });
    const r = refresher({ refreshToken: "new-rt" });
    const source = new DelegatedTokenSource("u1", { store: db.store, refresh: r.refresh, now: () => NOW });
    expect(await source.getToken()).toBe("new-at");
    expect(r.seen).toEqual(["old-rt"]);
    expect(db.current()).toEqual({
      accessToken: "new-at",
      refreshToken: "new-rt",
      expiresAt: seconds(NOW) + 3600,
      scope: "User.Read",
    });
  });

  it("keeps the old refresh token when the provider does not rotate it", async () => {
    const db = memoryStore({ ...valid, expiresAt: seconds(NOW) - 10 });
    const source = new DelegatedTokenSource("u1", { store: db.store, refresh: refresher({}).refresh, now: () => NOW });
    await source.getToken();
    expect(db.saves[0]?.refreshToken).toBe("old-rt");
  });

  it("the same clock decides: a token valid now is refreshed once time has moved on", async () => {
    let now = NOW;
    const db = memoryStore(valid);
    const r = refresher({ accessToken: "later-at" });
    const source = new DelegatedTokenSource("u1", { store: db.store, refresh: r.refresh, now: () => now });
    expect(await source.getToken()).toBe("old-at");
    now += 9 * 60_000; // 1 minute left
    expect(await source.getToken()).toBe("later-at");
    expect(r.seen).toHaveLength(1);
  });

  it("runs one refresh for concurrent callers of the same user", async () => {
    const db = memoryStore({ ...valid, expiresAt: seconds(NOW) });
    const r = refresher({}, 20);
    const make = () =>
      new DelegatedTokenSource("u-concurrent", { store: db.store, refresh: r.refresh, now: () => NOW });
    const tokens = await Promise.all([make().getToken(), make().getToken(), make().getToken()]);
    expect(tokens).toEqual(["new-at", "new-at", "new-at"]);
    expect(r.seen).toHaveLength(1);
  });

  it.each([
    ["no account", null, refresher({})],
    ["no refresh token", { ...valid, expiresAt: seconds(NOW), refreshToken: null }, refresher({})],
    ["refresh rejected", { ...valid, expiresAt: seconds(NOW) }, refresher(new Error("invalid_grant"))],
  ] as const)("asks the user to sign in again when there is %s", async (_label, row, r) => {
    const db = memoryStore(row);
    const source = new DelegatedTokenSource("u1", { store: db.store, refresh: r.refresh, now: () => NOW });
    const error = await source.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphAuthError);
    expect((error as GraphAuthError).code).toBe("reauthenticate");
    expect(db.saves).toEqual([]);
  });

  it("treats unreadable stored tokens as needing a new sign-in", async () => {
    const store: DelegatedTokenStore = {
      load: async () => {
        throw new Error("Unsupported state or unable to authenticate data");
      },
      save: async () => undefined,
    };
    const source = new DelegatedTokenSource("u1", { store, refresh: refresher({}).refresh, now: () => NOW });
    await expect(source.getToken()).rejects.toMatchObject({ code: "reauthenticate" });
  });
});

describe("msalConfiguration", () => {
  it("names the authority host as known unless it is Microsoft's", () => {
    const emu = msalConfiguration({ authority: "https://localhost:4443/tenant", clientId: "c", clientSecret: "s" });
    expect(emu.auth.knownAuthorities).toEqual(["localhost:4443"]);
    const real = msalConfiguration({
      authority: "https://login.microsoftonline.com/tenant",
      clientId: "c",
      clientSecret: "s",
    });
    expect(real.auth.knownAuthorities).toEqual([]);
  });
});

describe("AppTokenSource", () => {
  const credentials = { authority: "https://login.example.test/tenant", clientId: "app", clientSecret: "secret" };

  it("asks MSAL once while its token is far from expiry, and again within the renewal window", async () => {
    const asked: number[] = [];
    let expiresOn = new Date(Date.now() + 60 * 60_000);
    const acquire = vi
      .spyOn(ConfidentialClientApplication.prototype, "acquireTokenByClientCredential")
      .mockImplementation(async () => {
        asked.push(asked.length + 1);
        return { accessToken: `token-${asked.length}`, expiresOn } as AuthenticationResult;
      });
    try {
      const source = new AppTokenSource(credentials);
      expect(await source.getToken()).toBe("token-1");
      expect(await source.getToken()).toBe("token-1");
      expect(asked).toHaveLength(1);
      // a token four minutes from expiry is renewed by MSAL: the source asks again
      expiresOn = new Date(Date.now() + 4 * 60_000);
      const renewing = new AppTokenSource(credentials);
      await renewing.getToken();
      await renewing.getToken();
      expect(asked).toHaveLength(3);
    } finally {
      acquire.mockRestore();
    }
  });
});
