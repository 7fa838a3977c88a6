import "server-only";
import crypto from "node:crypto";

/**
 * SHA-256 (hex) of a random bearer secret — a patient-link token, a session cookie's token. Only this
 * is stored, so a copy of the database does not hand out working links or sessions. A plain hash is
 * enough: the secrets carry 256 random bits, so there is nothing to guess from the hash.
 */
export function sha256Hex(secret: string): string {
  return crypto.createHash("sha256").update(secret).digest("hex");
}
