// Authenticates the calling platform's notifications (emulator/CONTRACT.md#inbound-auth): a Bearer JWT signed
// with a key from the JWKS named by the bot OpenID configuration, issued by Bot Framework (or Graph), for our
// app id and our tenant. Nothing of the body is looked at before this passes.
import "server-only";
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { z } from "zod";
import { AppError } from "@/lib/errors";

const BOT_ISSUERS = ["https://api.botframework.com", "https://graph.microsoft.com"] as const;

export interface VerifierOptions {
  /** BOT_OPENID_METADATA_URL */
  metadataUrl: string;
  /** the bot's app (client) id: the JWT audience */
  audience: string;
  /** our tenant: tokens for any other tenant are refused */
  tenantId: string;
  /** network for the metadata and the keys (tests inject one that trusts the emulator's CA) */
  fetch?: typeof fetch;
  clockToleranceSeconds?: number;
  /** the clock, in milliseconds (tests) */
  now?: () => number;
}

interface VerifiedNotificationToken {
  issuer: string;
  tenantId: string;
  claims: JWTPayload;
}

export type NotificationVerifier = (authorization: string | null | undefined) => Promise<VerifiedNotificationToken>;

const metadataSchema = z.looseObject({ jwks_uri: z.url() });

/** Failures all read the same to the caller: which check failed goes only to the server log via `reason`. */
export class NotificationAuthError extends AppError {
  static override readonly brand: string = "consulta.NotificationAuthError";
  constructor(readonly reason: string) {
    super("UNAUTHENTICATED", "The notification is not authenticated.");
  }
}

/**
 * A token the platform sends is reused for every notification of the next hour, and checking its RSA
 * signature was the largest CPU cost of the webhook (docs/PERFORMANCE.md). A token that passed is
 * remembered by its exact text — the same bytes carry the same signature — for at most this long, and
 * never past its own lifetime; a key withdrawn from the key set is then refused within this time.
 */
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 256;

export function createNotificationVerifier(options: VerifierOptions): NotificationVerifier {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => Date.now());
  const tolerance = options.clockToleranceSeconds ?? 60;
  const verified = new Map<string, { result: VerifiedNotificationToken; until: number; notBefore: number }>();
  // The metadata is fetched once; the key set is cached by jose, which refetches on an unknown kid
  // (key rollover) at most every cooldown period, and the whole set every cacheMaxAge.
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = () => {
    jwks ??= (async () => {
      const res = await fetchImpl(options.metadataUrl, { headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(`bot OpenID metadata answered ${res.status}`);
      const metadata = metadataSchema.parse(await res.json());
      return createRemoteJWKSet(new URL(metadata.jwks_uri), {
        cacheMaxAge: 2 * 60 * 60 * 1000,
        cooldownDuration: 30_000,
        [customFetch]: (url, init) => fetchImpl(url, init as RequestInit),
      });
    })();
    // a failed metadata fetch must not be cached forever
    jwks.catch(() => {
      jwks = undefined;
    });
    return jwks;
  };

  return async (authorization) => {
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization?.trim() ?? "");
    if (!match) throw new NotificationAuthError("missing bearer token");
    const token = match[1]!;
    const known = verified.get(token);
    if (known) {
      const at = now();
      if (at < known.until && at >= known.notBefore) return known.result;
      verified.delete(token);
    }
    let keys: ReturnType<typeof createRemoteJWKSet>;
    try {
      keys = await keySet();
    } catch {
      throw new NotificationAuthError("signing keys unavailable");
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ["RS256"],
        issuer: [...BOT_ISSUERS],
        audience: options.audience,
        clockTolerance: tolerance,
        requiredClaims: ["exp", "iss", "aud"],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      const reason = error instanceof joseErrors.JOSEError ? error.code : "invalid token";
      throw new NotificationAuthError(reason);
    }
    const tid = typeof payload.tid === "string" ? payload.tid.toLowerCase() : undefined;
    if (!tid) throw new NotificationAuthError("token has no tenant");
    if (tid !== options.tenantId.toLowerCase()) throw new NotificationAuthError("token is for another tenant");
    const result = { issuer: payload.iss!, tenantId: tid, claims: payload };
    const at = now();
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, {
      result,
      until: Math.min(at + VERIFIED_TTL_MS, (payload.exp! + tolerance) * 1000),
      notBefore: payload.nbf === undefined ? 0 : (payload.nbf - tolerance) * 1000,
    });
    return result;
  };
}
