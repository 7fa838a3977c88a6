import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider from "oidc-provider";
import { APP_ROLES, DELEGATED_SCOPES, OIDC_SCOPES, type AppRegistration } from "../app-registration";
import { findUser, type Directory } from "../directory";
import type { SigningKey } from "./keys";
import { renderLoginPage } from "../pages/login";

export const GRAPH_RESOURCE = "https://graph.microsoft.com";
const GRAPH_DEFAULT_SCOPE = `${GRAPH_RESOURCE}/.default`;

export interface EntraIdentity {
  provider: Provider;
  issuer: string;
  /** Path prefix the provider is mounted under: "/{tenantId}/v2.0". */
  mountPath: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Entra-shaped OpenID provider (oidc-provider) with issuer https://<host>/{tenantId}/v2.0.
 * Delegated tokens carry `scp`, application tokens carry `roles`, both with tid/oid/appid/azp like Entra v2 tokens.
 */
export function createEntraIdentity(opts: {
  origin: string;
  directory: Directory;
  registration: AppRegistration;
  signingKey: SigningKey;
}): EntraIdentity {
  const { directory, registration } = opts;
  const mountPath = `/${directory.tenantId}/v2.0`;
  const issuer = `${opts.origin}${mountPath}`;
  const graphScopes = [...DELEGATED_SCOPES, GRAPH_DEFAULT_SCOPE].join(" ");
  const postLogout = [...new Set(registration.redirectUris.map((u) => new URL(u).origin))];

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: registration.clientId,
        client_secret: registration.clientSecret,
        client_name: registration.displayName,
        redirect_uris: registration.redirectUris,
        post_logout_redirect_uris: postLogout,
        grant_types: ["authorization_code", "refresh_token", "client_credentials"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
        scope: [...OIDC_SCOPES, ...DELEGATED_SCOPES, GRAPH_DEFAULT_SCOPE].join(" "),
      },
    ],
    scopes: [...OIDC_SCOPES, ...DELEGATED_SCOPES, GRAPH_DEFAULT_SCOPE],
    claims: {
      openid: ["sub", "tid", "oid", "roles", "ver"],
      profile: ["name", "preferred_username"],
      email: ["email"],
    },
    // Entra puts profile claims in the ID token even for the code flow.
    conformIdTokenClaims: false,
    jwks: { keys: [opts.signingKey.privateJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString("base64url")] },
    pkce: { required: () => false },
    // Entra returns a refresh token whenever offline_access is requested (no prompt=consent needed).
    issueRefreshToken: async (
      _ctx: unknown,
      client: { grantTypeAllowed(t: string): boolean },
      code: { scopes: Set<string> },
    ) => client.grantTypeAllowed("refresh_token") && (code.scopes.has("offline_access") || code.scopes.has("openid")),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => GRAPH_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: graphScopes,
          audience: GRAPH_RESOURCE,
          accessTokenFormat: "jwt",
          accessTokenTTL: 3600,
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    ttl: { AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400 },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${mountPath}/interaction/${interaction.uid}`,
    },
    async findAccount(_ctx: unknown, id: string) {
      const user = findUser(directory, id);
      if (!user) return undefined;
      return {
        accountId: user.id,
        async claims() {
          return {
            sub: user.id,
            oid: user.id,
            tid: directory.tenantId,
            ver: "2.0",
            name: user.displayName,
            preferred_username: user.userPrincipalName,
            email: user.userPrincipalName,
            roles: user.appRole ? [user.appRole] : [],
          };
        },
      };
    },
    async extraTokenClaims(
      _ctx: unknown,
      token: { kind: string; accountId?: string; scope?: string; clientId?: string },
    ) {
      const base = {
        tid: directory.tenantId,
        appid: registration.clientId,
        azp: registration.clientId,
        ver: "2.0",
        app_displayname: registration.displayName,
      };
      if (token.kind === "ClientCredentials") {
        // The service principal of the app stands in as oid for app-only tokens.
        return { ...base, oid: registration.clientId, sub: registration.clientId, idtyp: "app", roles: [...APP_ROLES] };
      }
      const user = token.accountId ? findUser(directory, token.accountId) : undefined;
      const scp = (token.scope ?? "")
        .split(" ")
        .filter((s) => (DELEGATED_SCOPES as readonly string[]).includes(s))
        .join(" ");
      return {
        ...base,
        oid: user?.id,
        name: user?.displayName,
        preferred_username: user?.userPrincipalName,
        idtyp: "user",
        scp,
      };
    },
    async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
      ctx.type = "html";
      const safe = (s: string | undefined) => (s ?? "").replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
      ctx.body = `<!doctype html><title>Sign-in error</title><h1>Sign-in error</h1><p>${safe(out.error)}: ${safe(out.error_description)}</p>`;
    },
  });
  provider.proxy = true;

  const callback = provider.callback();

  async function handleInteraction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    action: string | undefined,
  ): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    if (req.method === "GET" && !action) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(
        renderLoginPage({
          directory,
          action: `${mountPath}/interaction/${uid}/login`,
          loginHint: String(details.params.login_hint ?? ""),
        }),
      );
      return;
    }
    if (req.method === "POST" && action === "login") {
      const form = new URLSearchParams(await readText(req));
      const user = findUser(directory, (form.get("login") ?? "").trim());
      if (!user) {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
        res.end(
          renderLoginPage({
            directory,
            action: `${mountPath}/interaction/${uid}/login`,
            loginHint: form.get("login") ?? "",
            error: "That account does not exist in this tenant.",
          }),
        );
        return;
      }
      // Demo tenant: any password; consent is auto-granted (admin consent already given).
      const grant = new provider.Grant({ accountId: user.id, clientId: registration.clientId });
      grant.addOIDCScope(String(details.params.scope ?? "openid"));
      const requested = String(details.params.scope ?? "")
        .split(" ")
        .filter((s) => (DELEGATED_SCOPES as readonly string[]).includes(s) || s === GRAPH_DEFAULT_SCOPE);
      if (requested.length) grant.addResourceScope(GRAPH_RESOURCE, requested.join(" "));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.id }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.writeHead(404).end();
  }

  return {
    provider,
    issuer,
    mountPath,
    async handle(req, res) {
      const full = req.url ?? "/";
      const rest = full.slice(mountPath.length) || "/";
      const inter = /^\/interaction\/([\w-]+)(?:\/(\w+))?(?:\?.*)?$/.exec(rest);
      if (inter?.[1]) {
        try {
          await handleInteraction(req, res, inter[1], inter[2]);
        } catch {
          if (!res.headersSent) {
            res.writeHead(400, { "Content-Type": "text/html; charset=utf-8" });
            res.end(
              "<!doctype html><title>Sign-in expired</title><p>This sign-in session has expired. Go back to the app and start again.</p>",
            );
          }
        }
        return;
      }
      await translateBasicClientAuth(req, rest);
      // oidc-provider works with paths relative to the issuer; originalUrl keeps the mount for URL generation.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = full;
      req.url = rest;
      callback(req, res);
    },
  };
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Token requests are adjusted where Entra and oidc-provider differ, before oidc-provider reads them:
 * - Entra accepts client_secret_basic and client_secret_post for the same app; oidc-provider allows one
 *   method per client, so Basic credentials are moved into the registered post form.
 * - On a refresh, Entra lets the client name the resource scopes it wants again (MSAL always does);
 *   oidc-provider only accepts scopes recorded on the refresh token itself, which excludes resource
 *   scopes. The requested scope is dropped so the refresh returns what the user consented to.
 */
async function translateBasicClientAuth(req: IncomingMessage, path: string): Promise<void> {
  if (req.method !== "POST" || !/^\/token(\/|\?|$)/.test(path)) return;
  const form = new URLSearchParams(await readText(req));
  const auth = req.headers.authorization;
  if (auth?.startsWith("Basic ")) {
    const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
    const sep = decoded.indexOf(":");
    if (sep >= 0) {
      form.set("client_id", decodeURIComponent(decoded.slice(0, sep).replace(/\+/g, " ")));
      form.set("client_secret", decodeURIComponent(decoded.slice(sep + 1).replace(/\+/g, " ")));
      delete req.headers.authorization;
    }
  }
  if (form.get("grant_type") === "refresh_token") form.delete("scope");
  const body = form.toString();
  req.headers["content-length"] = String(Buffer.byteLength(body));
  (req as IncomingMessage & { body?: string }).body = body;
}
