// Wires the bot to the environment: the verifier for BOT_OPENID_METADATA_URL, the database and the
// durable queue. Tests build the same pieces with their own database, emulator and dispatch.
import "server-only";
import { getDb } from "@/lib/db";
import { serverEnv, tenantId } from "@/lib/env";
import { getBoss, queues, wakeLocalWorker } from "@/lib/jobs/boss";
import type { IntakeDeps } from "./intake";
import type { DrainJob } from "./process";
import { onRecording, onTone } from "./tones";
import { createNotificationVerifier, type NotificationVerifier } from "./verify";

const globalForBot = globalThis as unknown as { consultaBotVerifier?: NotificationVerifier };

/** One verifier per process, so the JWKS cache is shared. In the app NODE_EXTRA_CA_CERTS trusts the emulator. */
export function notificationVerifier(): NotificationVerifier {
  if (!globalForBot.consultaBotVerifier) {
    const env = serverEnv();
    globalForBot.consultaBotVerifier = createNotificationVerifier({
      metadataUrl: env.BOT_OPENID_METADATA_URL,
      audience: env.AUTH_MICROSOFT_ENTRA_ID_ID,
      tenantId: tenantId(env),
    });
  }
  return globalForBot.consultaBotVerifier;
}

/** Queues a drain per call (one POST nearly always concerns one call: one insert). */
export async function enqueueCallDrains(graphCallIds: string[]): Promise<void> {
  if (graphCallIds.length === 0) return;
  const boss = await getBoss();
  if (graphCallIds.length === 1) {
    const job: DrainJob = { graphCallId: graphCallIds[0]! };
    const id = await boss.send(queues.botNotification, job);
    if (!id) throw new Error("the bot-notification job was not queued");
  } else {
    await boss.insert(graphCallIds.map((graphCallId) => ({ name: queues.botNotification, data: { graphCallId } })));
  }
  await wakeLocalWorker(queues.botNotification);
}

export function intakeDeps(): IntakeDeps {
  return { db: getDb(), verify: notificationVerifier(), dispatch: enqueueCallDrains, onTone, onRecording };
}

/** https://<public base>/api/calls/notifications: where Graph sends this bot's call notifications. */
export function notificationCallbackUri(): string {
  return new URL("/api/calls/notifications", serverEnv().PUBLIC_BASE_URL).toString();
}
