import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

/** Application permissions granted (admin-consented) to the app registration. */
export const APP_ROLES = [
  "Calls.Initiate.All",
  "Calls.InitiateGroupCall.All",
  "Calls.JoinGroupCall.All",
  "Calls.JoinGroupCallAsGuest.All",
  "Calls.AccessMedia.All",
  "OnlineMeetings.ReadWrite.All",
  "OnlineMeetings.Read.All",
  "OnlineMeetingArtifact.Read.All",
  "User.Read.All",
  // patient e-mail as the clinic's mailbox (limited to it by an Exchange application access policy)
  "Mail.Send",
  // the clinicians' Outlook calendars (limited to their mailboxes by an application access policy)
  "Calendars.ReadWrite",
] as const;

/** Delegated scopes a signed-in user may consent to; tokens carry only the ones the client asked for. */
export const DELEGATED_SCOPES = ["User.Read", "OnlineMeetings.ReadWrite", "OnlineMeetingArtifact.Read.All"] as const;
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;

const registrationSchema = z.object({
  clientId: z.string().uuid(),
  clientSecret: z.string().min(20),
  tenantId: z.string(),
  redirectUris: z.array(z.string()),
  displayName: z.string().default("Consulta"),
});
export type AppRegistration = z.infer<typeof registrationSchema>;

/** Loads <dataDir>/app-registration.json, creating it (random secret) on first start. */
export function ensureAppRegistration(dataDir: string, tenantId: string, redirectUris: string[]): AppRegistration {
  const file = path.join(dataDir, "app-registration.json");
  let reg: AppRegistration | undefined;
  if (fs.existsSync(file)) {
    const parsed = registrationSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (parsed.success && parsed.data.tenantId === tenantId) reg = parsed.data;
  }
  if (!reg) {
    reg = {
      clientId: crypto.randomUUID(),
      clientSecret: crypto.randomBytes(30).toString("base64url"),
      tenantId,
      redirectUris,
      displayName: "Consulta",
    };
  }
  // Redirect URIs follow the environment so the app can move ports without a new registration.
  reg.redirectUris = redirectUris;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(reg, null, 2) + "\n", { mode: 0o600 });
  return reg;
}
