import { createLocalJWKSet, jwtVerify, type JWK } from "jose";
import { HttpError, headerValue, type RequestContext } from "../http/context";
import { GRAPH_RESOURCE } from "./entra";

export type Principal =
  | { kind: "app"; appId: string; tenantId: string; roles: string[] }
  | { kind: "user"; appId: string; tenantId: string; userId: string; scopes: string[] };

const unauthenticated = (message: string) =>
  new HttpError(401, "InvalidAuthenticationToken", message, {
    "WWW-Authenticate": 'Bearer realm="", error="invalid_token"',
  });

/** Verifies Graph access tokens minted by the emulator's Entra issuer (RS256, aud https://graph.microsoft.com). */
export function createGraphAuthenticator(opts: { issuer: string; publicJwk: JWK }) {
  const jwks = createLocalJWKSet({ keys: [opts.publicJwk] });
  return async function authenticate(ctx: RequestContext): Promise<Principal> {
    const header = headerValue(ctx.req, "authorization");
    if (!header) throw unauthenticated("Access token is empty.");
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) throw unauthenticated("Access token is empty.");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(m[1], jwks, {
        issuer: opts.issuer,
        audience: [GRAPH_RESOURCE, "00000003-0000-0000-c000-000000000000"],
        algorithms: ["RS256"],
        clockTolerance: 5,
      }));
    } catch (err) {
      const expired = err instanceof Error && "code" in err && err.code === "ERR_JWT_EXPIRED";
      throw unauthenticated(
        expired
          ? "Lifetime validation failed, the token is expired."
          : "IDX14100: JWT is not well formed or its signature is invalid.",
      );
    }
    const appId = String(payload.appid ?? payload.azp ?? payload.client_id ?? "");
    const tenantId = String(payload.tid ?? "");
    if (payload.idtyp === "app" || Array.isArray(payload.roles)) {
      return { kind: "app", appId, tenantId, roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [] };
    }
    return {
      kind: "user",
      appId,
      tenantId,
      userId: String(payload.oid ?? payload.sub ?? ""),
      scopes: typeof payload.scp === "string" ? payload.scp.split(" ").filter(Boolean) : [],
    };
  };
}

export type Authenticate = ReturnType<typeof createGraphAuthenticator>;

/** 403 accessDenied unless the app token holds one of the roles (emulator/CONTRACT.md#permissions). */
export function requireAppRole(
  p: Principal,
  anyOf: string[],
  what: string,
): asserts p is Extract<Principal, { kind: "app" }> {
  if (p.kind !== "app") {
    throw new HttpError(
      403,
      "accessDenied",
      `${what} is not supported with delegated permissions; use an application token.`,
    );
  }
  if (!anyOf.some((r) => p.roles.includes(r))) {
    throw new HttpError(
      403,
      "accessDenied",
      `Insufficient privileges to complete the operation. Requires one of: ${anyOf.join(", ")}.`,
    );
  }
}
