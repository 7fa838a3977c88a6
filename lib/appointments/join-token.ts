import crypto from "node:crypto";
import { sha256Hex } from "@/lib/hash";

// Patient links carry 256 random bits; only their SHA-256 is stored, so a database leak does not
// reveal working links. A link stays valid until a set time after the appointment ends.
export const JOIN_LINK_VALID_AFTER_END_MS = 24 * 60 * 60 * 1000;

export function newJoinToken(): { token: string; hash: string } {
  const token = crypto.randomBytes(32).toString("base64url");
  return { token, hash: hashJoinToken(token) };
}

export function hashJoinToken(token: string): string {
  return sha256Hex(token);
}

/** Tokens are 43 base64url characters; anything else is rejected before touching the database. */
export function looksLikeJoinToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

export function joinTokenExpiry(endsAt: Date): Date {
  return new Date(endsAt.getTime() + JOIN_LINK_VALID_AFTER_END_MS);
}
