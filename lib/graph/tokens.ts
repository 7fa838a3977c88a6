// Where Graph access tokens come from. Two sources behind one interface:
// - the application token (client credentials, MSAL), for calls and for meetings on behalf of a user;
// - a signed-in user's delegated token, refreshed with MSAL and kept by a DelegatedTokenStore the caller
//   hands in (lib/auth/delegated-tokens.ts: encrypted in the Account table).
// No token, refresh token or secret is ever logged: log lines carry user ids and outcomes only.
import "server-only";
import {
  ConfidentialClientApplication,
  LogLevel,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from "@azure/msal-node";
import { logger } from "@/lib/logger";
import { GraphAuthError } from "./errors";

export interface TokenSource {
  getToken(): Promise<string>;
}

const GRAPH_APP_SCOPE = "https://graph.microsoft.com/.default";
const GRAPH_DELEGATED_SCOPES = ["User.Read", "OnlineMeetings.ReadWrite", "offline_access"];
export const ENTRA_PROVIDER = "microsoft-entra-id";
/** A stored delegated token is used only while it has more than this left. */
const MIN_TOKEN_VALIDITY_MS = 2 * 60_000;

export interface EntraCredentials {
  /** e.g. https://login.microsoftonline.com/<tenant id> (no /v2.0) */
  authority: string;
  clientId: string;
  clientSecret: string;
  /** The network for MSAL; defaults to the global fetch (see GraphConfig.fetch). */
  fetch?: typeof fetch;
}

/** MSAL's network module over a fetch function, so Entra and Graph share one injectable network. */
class FetchNetworkModule implements INetworkModule {
  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number) {
    return this.send<T>(url, "GET", options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions) {
    return this.send<T>(url, "POST", options);
  }

  private async send<T>(
    url: string,
    method: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const response = await this.fetchImpl(url, {
      method,
      headers: options?.headers,
      body: method === "POST" ? (options?.body ?? "") : undefined,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { headers, body: (await response.json()) as T, status: response.status };
  }
}

export function msalConfiguration(credentials: EntraCredentials): Configuration {
  const host = new URL(credentials.authority).host;
  return {
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority: credentials.authority,
      // Without this MSAL asks login.microsoftonline.com to validate any other authority (the emulator).
      knownAuthorities: host === "login.microsoftonline.com" ? [] : [host],
    },
    system: {
      networkClient: new FetchNetworkModule(credentials.fetch),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii) return;
          if (level === LogLevel.Error) logger.error({ msal: message }, "msal");
          else if (level === LogLevel.Warning) logger.warn({ msal: message }, "msal");
        },
      },
    },
  };
}

/**
 * Application token by client credentials. MSAL keeps the token in its in-memory cache and returns it
 * until five minutes before expiry (tokenRenewalOffsetSeconds), so keep one instance per process.
 */
/** MSAL's own default (tokenRenewalOffsetSeconds): a token is renewed five minutes before it expires. */
const TOKEN_RENEWAL_OFFSET_MS = 5 * 60_000;

export class AppTokenSource implements TokenSource {
  private readonly msal: ConfidentialClientApplication;
  /**
   * The token MSAL last gave, used until MSAL itself would renew it. MSAL's cache lookup costs about a
   * millisecond of CPU, and every Graph request (several per call) asked it.
   */
  private held: { accessToken: string; renewAt: number } | null = null;

  constructor(credentials: EntraCredentials) {
    this.msal = new ConfidentialClientApplication(msalConfiguration(credentials));
  }

  async getToken(): Promise<string> {
    if (this.held && Date.now() < this.held.renewAt) return this.held.accessToken;
    try {
      const result = await this.msal.acquireTokenByClientCredential({ scopes: [GRAPH_APP_SCOPE] });
      if (!result?.accessToken) throw new Error("the token endpoint returned no access token");
      const expiresAt = result.expiresOn?.getTime() ?? 0;
      this.held = { accessToken: result.accessToken, renewAt: expiresAt - TOKEN_RENEWAL_OFFSET_MS };
      return result.accessToken;
    } catch (error) {
      logger.error({ err: errorSummary(error) }, "graph: application token unavailable");
      throw new GraphAuthError("appTokenUnavailable", "Could not obtain an application token for Microsoft Graph", {
        cause: error,
      });
    }
  }
}

// --- delegated ---------------------------------------------------------------------------------

export interface StoredDelegatedTokens {
  accessToken: string | null;
  refreshToken: string | null;
  /** epoch seconds */
  expiresAt: number | null;
  scope: string | null;
}

export interface RefreshedTokens {
  accessToken: string;
  /** Absent when the identity provider did not rotate it: keep the old one. */
  refreshToken?: string;
  /** epoch seconds */
  expiresAt: number;
  scope: string;
}

/** Persistence of one provider account's tokens, in plain text at this interface; implemented outside lib/graph. */
export interface DelegatedTokenStore {
  load(userId: string): Promise<StoredDelegatedTokens | null>;
  save(userId: string, tokens: RefreshedTokens): Promise<void>;
}

export type RefreshDelegatedTokens = (refreshToken: string) => Promise<RefreshedTokens>;

/** True when the stored token can be used now: it exists and has more than `minValidityMs` left. */
export function isTokenUsable(
  tokens: Pick<StoredDelegatedTokens, "accessToken" | "expiresAt">,
  nowMs: number,
  minValidityMs = MIN_TOKEN_VALIDITY_MS,
): boolean {
  if (!tokens.accessToken || tokens.expiresAt == null) return false;
  return tokens.expiresAt * 1000 - nowMs > minValidityMs;
}

// One refresh at a time per user in this process: refresh tokens may rotate, and two parallel refreshes
// with the same refresh token would leave one of them holding a revoked token.
const refreshesInFlight = new Map<string, Promise<string>>();

export class DelegatedTokenSource implements TokenSource {
  constructor(
    private readonly userId: string,
    private readonly deps: { store: DelegatedTokenStore; refresh: RefreshDelegatedTokens; now?: () => number },
  ) {}

  async getToken(): Promise<string> {
    const now = this.deps.now ?? Date.now;
    const stored = await this.load();
    if (isTokenUsable(stored, now())) return stored.accessToken!;
    const running = refreshesInFlight.get(this.userId);
    if (running) return running;
    const refresh = this.refresh(stored).finally(() => refreshesInFlight.delete(this.userId));
    refreshesInFlight.set(this.userId, refresh);
    return refresh;
  }

  private async load(): Promise<StoredDelegatedTokens> {
    let stored: StoredDelegatedTokens | null;
    try {
      stored = await this.deps.store.load(this.userId);
    } catch (error) {
      // unreadable ciphertext (e.g. AUTH_SECRET changed) means the user has to sign in again
      if (error instanceof GraphAuthError) throw error;
      throw new GraphAuthError("reauthenticate", "Stored Microsoft tokens cannot be read", { cause: error });
    }
    if (!stored) throw new GraphAuthError("reauthenticate", "No Microsoft account is linked to this user");
    return stored;
  }

  private async refresh(stored: StoredDelegatedTokens): Promise<string> {
    if (!stored.refreshToken) {
      throw new GraphAuthError("reauthenticate", "The Microsoft session expired and cannot be renewed");
    }
    let refreshed: RefreshedTokens;
    try {
      refreshed = await this.deps.refresh(stored.refreshToken);
    } catch (error) {
      logger.warn({ userId: this.userId, err: errorSummary(error) }, "graph: delegated token refresh failed");
      throw new GraphAuthError("reauthenticate", "The Microsoft session could not be renewed", { cause: error });
    }
    await this.deps.store.save(this.userId, {
      ...refreshed,
      refreshToken: refreshed.refreshToken ?? stored.refreshToken,
    });
    logger.info({ userId: this.userId, expiresAt: refreshed.expiresAt }, "graph: delegated token refreshed");
    return refreshed.accessToken;
  }
}

/**
 * Refresh with MSAL's acquireTokenByRefreshToken. MSAL does not hand the new refresh token back in its
 * result, so each refresh uses a fresh application whose cache then holds only this user's tokens,
 * and the rotated refresh token is read from that cache.
 */
export function msalRefresher(credentials: EntraCredentials): RefreshDelegatedTokens {
  return async (refreshToken) => {
    const msal = new ConfidentialClientApplication(msalConfiguration(credentials));
    const result = await msal.acquireTokenByRefreshToken({ refreshToken, scopes: GRAPH_DELEGATED_SCOPES });
    if (!result?.accessToken || !result.expiresOn) throw new Error("the token endpoint returned no access token");
    const cache = JSON.parse(msal.getTokenCache().serialize()) as {
      RefreshToken?: Record<string, { secret?: string }>;
    };
    const rotated = Object.values(cache.RefreshToken ?? {}).find((entry) => entry.secret)?.secret;
    return {
      accessToken: result.accessToken,
      refreshToken: rotated,
      expiresAt: Math.floor(result.expiresOn.getTime() / 1000),
      scope: result.scopes.join(" "),
    };
  };
}

/** Error name and code only: MSAL and fetch errors can quote request bodies. */
function errorSummary(error: unknown): { name?: string; code?: string } {
  if (!(error instanceof Error)) return {};
  return { name: error.name, code: (error as { errorCode?: string; code?: string }).errorCode };
}
