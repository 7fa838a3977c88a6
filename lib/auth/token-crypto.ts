// Entra tokens are kept server-side in the Account table, encrypted with AES-256-GCM under a key
// derived from AUTH_SECRET, so a database dump alone does not hand out Graph access. Patient links are
// sealed the same way under a key of their own (`purpose`), so one key never serves two kinds of secret.
import "server-only";
import crypto from "node:crypto";

const VERSION = "v1";

/** What a sealed value is for: each purpose derives its own key from the one secret. */
export type SealPurpose = "graph-token-encryption" | "patient-link";

function keyFrom(secret: string, purpose: SealPurpose): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", secret, "consulta", purpose, 32));
}

export function encryptToken(plain: string, secret: string, purpose: SealPurpose = "graph-token-encryption"): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", keyFrom(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    body.toString("base64url"),
  ].join(".");
}

export function decryptToken(sealed: string, secret: string, purpose: SealPurpose = "graph-token-encryption"): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || !body) throw new Error("not an encrypted token");
  const decipher = crypto.createDecipheriv("aes-256-gcm", keyFrom(secret, purpose), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

export function encryptOptional(plain: string | null | undefined, secret: string): string | null {
  return plain ? encryptToken(plain, secret) : null;
}
