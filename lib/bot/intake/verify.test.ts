import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createNotificationVerifier, type NotificationVerifier } from "./verify";

const AUDIENCE = "11111111-2222-4333-8444-555555555555";
const TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const T0 = Date.UTC(2030, 0, 1, 12);

let keys: { kid: string; privateKey: CryptoKey; jwks: unknown };
let clock = T0;
let verify: NotificationVerifier;

async function sign(claims: JWTPayload, options: { lifetimeSeconds?: number; key?: CryptoKey } = {}) {
  const iat = Math.floor(clock / 1000);
  return new SignJWT({ tid: TENANT, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: keys.kid })
    .setIssuer("https://api.botframework.com")
    .setAudience((claims.aud as string | undefined) ?? AUDIENCE)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + (options.lifetimeSeconds ?? 3600))
    .sign(options.key ?? keys.privateKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  const kid = "test-key";
  keys = {
    kid,
    privateKey: pair.privateKey,
    jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" }] },
  };
  const served: Record<string, unknown> = {
    "https://login.test/openid": { jwks_uri: "https://login.test/keys" },
    "https://login.test/keys": keys.jwks,
  };
  verify = createNotificationVerifier({
    metadataUrl: "https://login.test/openid",
    audience: AUDIENCE,
    tenantId: TENANT,
    now: () => clock,
    fetch: async (input) => Response.json(served[String(input)] ?? {}, { status: served[String(input)] ? 200 : 404 }),
  });
});

describe("the verified-token memory", () => {
  it("accepts a token again without extending its life past its expiry", async () => {
    clock = T0;
    const token = await sign({}, { lifetimeSeconds: 600 });
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ tenantId: TENANT });
    clock = T0 + 9 * 60_000;
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ tenantId: TENANT });
    // past exp + the 60 s tolerance: refused, though it passed a minute ago
    clock = T0 + 11 * 60_000 + 1;
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("re-checks a remembered token after five minutes, and refuses it once expired", async () => {
    clock = T0;
    const token = await sign({}, { lifetimeSeconds: 3600 });
    await expect(verify(`Bearer ${token}`)).resolves.toBeTruthy();
    clock = T0 + 30 * 60_000;
    await expect(verify(`Bearer ${token}`)).resolves.toBeTruthy();
    clock = T0 + 62 * 60_000;
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("does not let a token with another signature or payload ride on a remembered one", async () => {
    clock = T0;
    const token = await sign({});
    await expect(verify(`Bearer ${token}`)).resolves.toBeTruthy();
    const [header, payload, signature] = token.split(".");
    // a change in the middle (the last character holds bits the decoder ignores)
    const middle = Math.floor(signature!.length / 2);
    const flipped =
      signature!.slice(0, middle) + (signature![middle] === "A" ? "B" : "A") + signature!.slice(middle + 1);
    await expect(verify(`Bearer ${header}.${payload}.${flipped}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const forger = await generateKeyPair("RS256");
    await expect(verify(`Bearer ${await sign({}, { key: forger.privateKey })}`)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(verify(`Bearer ${await sign({ tid: "someone-else" })}`)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
    await expect(verify(`Bearer ${await sign({ aud: "another-app" })}`)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});
