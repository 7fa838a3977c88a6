// The calling services' shared dependencies, bound for production: the app's database, Graph's calls API and
// configuration. Tests build the services with their own database and the emulator instead.
import "server-only";
import { getDb } from "@/lib/db";
import { serverEnv, tenantId } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { notificationCallbackUri } from "./wiring";

/**
 * What every calling service (call control, reminders, the clinic line, rescues) is built with in the app:
 * the database, Graph's calls API, where Graph sends the calls' notifications, the tenant, and the clinic
 * line's resource account that places calls a phone can be invited into.
 */
export function callingDeps(env: ReturnType<typeof serverEnv> = serverEnv()) {
  return {
    db: getDb(),
    calls: graphForApp().calls,
    callbackUri: notificationCallbackUri(),
    tenantId: tenantId(env),
    clinicLineInstanceId: env.CLINIC_LINE_APPLICATION_INSTANCE_ID,
  };
}
