// Wires the bot to the environment: the verifier for BOT_OPENID_METADATA_URL and the call runtime's
// connections (lib/bot/runtime/sql.ts). Tests build the same pieces with their own database and emulator.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { envVariables, serverEnv, tenantId } from "@/lib/env";
import type { IntakeDeps } from "./intake";
import { createCallSql, type CallSql } from "./runtime/sql";
import { mediaListening, onRecording, onTone } from "./tones";
import { createNotificationVerifier, type NotificationVerifier } from "./intake/verify";

/** One verifier per process, so the JWKS cache is shared. In the app NODE_EXTRA_CA_CERTS trusts the emulator. */
function notificationVerifier(): NotificationVerifier {
  return perProcess("botVerifier", () => {
    const env = serverEnv();
    return createNotificationVerifier({
      metadataUrl: env.BOT_OPENID_METADATA_URL,
      audience: env.AUTH_MICROSOFT_ENTRA_ID_ID,
      tenantId: tenantId(env),
    });
  });
}

/** The call runtime's pool (the webhook's inserts, the workers' claims) and its LISTEN connection, per process. */
export function callSql(): CallSql {
  return perProcess("callSql", () => {
    const url = envVariables(["DATABASE_URL"]).DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    return createCallSql(url, { max: 4 });
  });
}

export function intakeDeps(): IntakeDeps {
  return { sql: callSql(), verify: notificationVerifier(), onTone, onRecording, mediaListening };
}

/** https://<public base>/api/calls/notifications: where Graph sends this bot's call notifications. */
export function notificationCallbackUri(): string {
  return new URL("/api/calls/notifications", serverEnv().PUBLIC_BASE_URL).toString();
}
