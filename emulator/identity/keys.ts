import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from "jose";

export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

/**
 * RSA signing keys persisted in the data dir, so tokens the app cached stay valid across emulator restarts.
 * One key for Entra tokens ("entra"), one for notification JWTs ("botframework").
 */
export async function ensureSigningKey(dataDir: string, name: string): Promise<SigningKey> {
  const file = path.join(dataDir, `signing-key-${name}.json`);
  let privateJwk: JWK;
  if (fs.existsSync(file)) {
    privateJwk = JSON.parse(fs.readFileSync(file, "utf8")) as JWK;
  } else {
    const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
    privateJwk = {
      ...(await exportJWK(privateKey)),
      kid: crypto.randomBytes(12).toString("base64url"),
      alg: "RS256",
      use: "sig",
    };
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { kty, n, e, kid, alg, use } = privateJwk;
  const publicJwk: JWK = { kty, n, e, kid, alg, use };
  const privateKey = (await importJWK(privateJwk, "RS256")) as CryptoKey;
  return { kid: kid ?? "key", privateJwk, publicJwk, privateKey };
}
