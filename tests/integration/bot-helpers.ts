// Shared setup for the bot integration tests: the emulator in-process, a test database, the intake
// wired to both (verifier trusting the emulator's CA, processing inline instead of through pg-boss),
// and a small HTTP server the emulator delivers call notifications to.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, type JWTPayload } from "jose";
import { ensureSigningKey } from "@/emulator/identity/keys";
import { handleNotificationRequest, type IntakeDeps } from "@/lib/bot/intake";
import { CallNotYetKnown, processNotificationJob, type NotificationJob } from "@/lib/bot/process";
import type { ToneEvent } from "@/lib/bot/schema";
import { createNotificationVerifier } from "@/lib/bot/verify";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GraphTestEnv } from "./graph-helpers";
import { fetchTrusting } from "./graph-helpers";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What pg-boss does for the app: apply the job, retrying while the call row is not committed yet. */
export async function processWithRetry(db: PrismaClient, job: NotificationJob, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await processNotificationJob(db, job);
      return;
    } catch (error) {
      if (!(error instanceof CallNotYetKnown) || Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

export function intakeFor(db: PrismaClient, graph: GraphTestEnv, tones: Array<[string, ToneEvent]> = []) {
  const verify = createNotificationVerifier({
    metadataUrl: graph.emu.botOpenIdConfigUrl,
    audience: graph.emu.registration.clientId,
    tenantId: graph.emu.registration.tenantId,
    fetch: fetchTrusting(graph.emu.ca),
  });
  const jobs: NotificationJob[] = [];
  const deps: IntakeDeps = {
    db,
    verify,
    dispatch: async (job) => {
      jobs.push(job);
      await processWithRetry(db, job);
    },
    onTone: (callId, tone) => tones.push([callId, tone]),
  };
  return { deps, jobs, tones };
}

/** Signs bot-notification tokens with the emulator's own key (to make expired or foreign ones). */
export async function botTokenSigner(graph: GraphTestEnv) {
  const key = await ensureSigningKey(graph.emu.dataDir, "botframework");
  return async (claims: JWTPayload, options: { expiresIn?: number; alg?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tid: graph.emu.registration.tenantId, ...claims })
      .setProtectedHeader({ alg: options.alg ?? "RS256", kid: key.kid, typ: "JWT" })
      .setIssuer((claims.iss as string | undefined) ?? "https://api.botframework.com")
      .setAudience((claims.aud as string | undefined) ?? graph.emu.registration.clientId)
      .setIssuedAt(now - 10)
      .setNotBefore(now - 10)
      .setExpirationTime(now + (options.expiresIn ?? 600))
      .sign(key.privateKey);
  };
}

export function notificationRequest(body: unknown, token: string | null, extraHeaders: Record<string, string> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Request("http://localhost:3000/api/calls/notifications", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extraHeaders,
    },
    body: text,
  });
}

/** A plain HTTP server standing in for the app's route: the emulator POSTs call notifications here. */
export async function startWebhook(deps: IntakeDeps) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers,
        body: Buffer.concat(chunks),
      });
      handleNotificationRequest(request, deps)
        .then(async (response) => {
          res.writeHead(response.status).end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/calls/notifications`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 8_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
