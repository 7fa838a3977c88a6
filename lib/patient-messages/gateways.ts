// The app's message transports, from configuration: e-mail through the Graph gateway as CLINIC_MAILBOX, SMS
// through ACS (ACS_CONNECTION_STRING, ACS_SMS_FROM). A channel left unconfigured is null: its messages are
// recorded as skipped ("not configured") rather than failing.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { createAcsSmsSender } from "@/lib/acs/sms";
import { clinicContact } from "@/lib/clinic-contact";
import { serverEnv } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import type { MessageTransports } from "./service";

export function messageTransports(): MessageTransports {
  return perProcess("messageTransports", () => transportsFrom(serverEnv()));
}

function transportsFrom(env: ReturnType<typeof serverEnv>): MessageTransports {
  return {
    mail: env.CLINIC_MAILBOX ? { sender: graphForApp().mail, mailbox: env.CLINIC_MAILBOX } : null,
    sms:
      env.ACS_CONNECTION_STRING && env.ACS_SMS_FROM
        ? createAcsSmsSender({ connectionString: env.ACS_CONNECTION_STRING, from: env.ACS_SMS_FROM })
        : null,
    clinic: clinicContact(env),
    publicBaseUrl: env.PUBLIC_BASE_URL,
  };
}
