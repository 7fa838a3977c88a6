// The one door to Microsoft Graph. Everything that talks to Teams goes through these two factories;
// nothing else builds a Graph URL or holds a Graph token.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { entraAuthority, serverEnv, type ServerEnv } from "@/lib/env";
import { createAppGraph, createUserGraph, type AppGraph, type GraphConfig, type UserGraph } from "./gateway";
import type { DelegatedTokenStore } from "./tokens";

function graphConfig(env: ServerEnv = serverEnv()): GraphConfig {
  return {
    authority: entraAuthority(env),
    clientId: env.AUTH_MICROSOFT_ENTRA_ID_ID,
    clientSecret: env.AUTH_MICROSOFT_ENTRA_ID_SECRET,
    graphBaseUrl: env.GRAPH_BASE_URL,
  };
}

/**
 * Application permissions: calls, and meetings on behalf of an organizer (/users/{id}). One gateway per
 * process, so MSAL's token cache is shared by every caller.
 */
export function graphForApp(): AppGraph {
  return perProcess("appGraph", () => createAppGraph(graphConfig()));
}

/**
 * The signed-in user's delegated token (/me), loaded and saved through `tokens` (the app's is
 * lib/auth's delegatedTokenStore()). Throws GraphAuthError "reauthenticate" when it cannot.
 */
export function graphForUser(userId: string, tokens: DelegatedTokenStore): UserGraph {
  return createUserGraph(graphConfig(), tokens, userId);
}

export type { AppGraph, MeetingsApi, UserGraph } from "./gateway";
export type { OutgoingMail } from "./mail";
export type { DelegatedTokenStore } from "./tokens";
export { GraphAuthError, isGraphError, isTransientGraphFailure, toAppError } from "./errors";
