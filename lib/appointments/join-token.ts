import "server-only";
import crypto from "node:crypto";
import { decryptToken, encryptToken } from "@/lib/auth/token-crypto";
import { envVariables } from "@/lib/env";
import { sha256Hex } from "@/lib/hash";

// Patient links carry 256 random bits. An appointment keeps one link for its whole life (booking,
// reschedules, cancellation, the visit's end), so messages sent days apart and the page the patient
// bookmarked agree. The database finds the appointment by the token's SHA-256; the token itself is kept
// only sealed (AES-256-GCM under a key derived from AUTH_SECRET), so a copy of the database alone does not
// hand out working links, yet a reminder or staff's "copy the link" can still give the patient the same one.

/**
 * How long a link keeps answering after the appointment's end: the patient can still read that the visit
 * ended or was cancelled (and the clinic's phone) instead of "not found". Never a join button by then.
 */
const JOIN_LINK_VALID_AFTER_END_MS = 14 * 24 * 60 * 60 * 1000;

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

function linkSecret(): string {
  const secret = envVariables(["AUTH_SECRET"]).AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: patient links cannot be sealed or opened");
  return secret;
}

/** The token as stored beside its hash. */
export function sealJoinToken(token: string, secret: string = linkSecret()): string {
  return encryptToken(token, secret, "patient-link");
}

/**
 * The stored token back, or null when it cannot be opened (an appointment made before links were kept, or
 * AUTH_SECRET changed since): the link still works for the patient who has it, and staff can issue a new one.
 */
export function openJoinToken(sealed: string | null | undefined, secret: string = linkSecret()): string | null {
  if (!sealed) return null;
  try {
    const token = decryptToken(sealed, secret, "patient-link");
    return looksLikeJoinToken(token) ? token : null;
  } catch {
    return null;
  }
}

/** The patient's page for a token, under the app's public address. */
export function patientLinkUrl(token: string, baseUrl = envVariables(["PUBLIC_BASE_URL"]).PUBLIC_BASE_URL): string {
  return new URL(`/j/${token}`, baseUrl).toString();
}
