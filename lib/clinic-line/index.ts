// The clinic line bound to the app's database, Graph gateway, prompt store, Speech and configuration.
import "server-only";
import { notificationCallbackUri } from "@/lib/bot/runtime";
import { getDb } from "@/lib/db";
import { serverEnv, tenantId } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { enqueueMeetingSync } from "@/lib/jobs/boss";
import { promptStore } from "@/lib/prompts/store";
import { receptionUser } from "./reception";
import { clinicLineService, type ClinicLineService } from "./service";

const globalForLine = globalThis as unknown as { consultaClinicLine?: ClinicLineService };

export function clinicLine(): ClinicLineService {
  if (!globalForLine.consultaClinicLine) {
    const env = serverEnv();
    const reception = receptionUser()?.id ?? null;
    globalForLine.consultaClinicLine = clinicLineService({
      db: getDb(),
      calls: graphForApp().calls,
      callbackUri: notificationCallbackUri(),
      publicBaseUrl: env.PUBLIC_BASE_URL,
      prompts: promptStore(),
      tenantId: tenantId(env),
      receptionUserId: reception,
      clinicZone: env.CLINIC_TIME_ZONE,
      speech: env.SPEECH_ENDPOINT && env.SPEECH_KEY ? { endpoint: env.SPEECH_ENDPOINT, key: env.SPEECH_KEY } : null,
      enqueueMeetingSync,
    });
  }
  return globalForLine.consultaClinicLine;
}
