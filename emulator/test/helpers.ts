import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { startEmulator, type RunningEmulator, type StartOptions } from "../server";
import { makeWav } from "../media/wav";
import { answerSchemaIssues } from "./shapes";

export const REPO = path.resolve(import.meta.dirname, "../..");
// Microsoft's documented request, response and notification bodies, kept in the repository
// (emulator/contract/README.md says where each came from).
export const EXAMPLES = path.resolve(REPO, "emulator/contract/examples");

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  raw: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

/** HTTPS request trusting the emulator CA (NODE_EXTRA_CA_CERTS cannot be set after process start). */
export function request(
  emu: RunningEmulator,
  method: string,
  urlOrPath: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string | Buffer } = {},
): Promise<HttpResult> {
  const url = new URL(urlOrPath, emu.url);
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | Buffer | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, ca: emu.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString("utf8");
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const status = res.statusCode ?? 0;
        // every answer of the calls and online-meetings paths is held to Graph's schema (emulator/graph/schema)
        const issues =
          status >= 200 && status < 300 && json !== undefined ? answerSchemaIssues(url.pathname, json) : [];
        if (issues.length > 0)
          return reject(
            new Error(`${method} ${url.pathname}: the answer breaks the schema: ${JSON.stringify(issues)}`),
          );
        resolve({ status, headers: res.headers, text, raw, json });
      });
    });
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function startTestEmulator(extra: StartOptions = {}): Promise<RunningEmulator> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-emu-"));
  // One CA per test run is enough: reuse a pre-generated TLS dir to keep tests fast.
  const shared = path.join(os.tmpdir(), "consulta-emu-shared-tls");
  if (fs.existsSync(path.join(shared, "ca.pem"))) {
    fs.cpSync(shared, dataDir, { recursive: true });
  }
  const emu = await startEmulator({
    port: 0,
    dataDir,
    directoryPath: path.join(REPO, "config/demo-directory.json"),
    redirectUris: ["http://localhost:3999/api/auth/callback/microsoft-entra-id"],
    botCallbackUrl: "http://127.0.0.1:9/unused",
    ...extra,
    limits: {
      defaultRingDelayMs: 30,
      signallingDelayMs: 15,
      mediaSpeedFactor: 0.01,
      notificationRetryBaseMs: 20,
      noAnswerTimeoutMs: 400,
      answerWindowMs: 1_000,
      policyRecordingAnswerWindowMs: 500,
      ...extra.limits,
    },
  });
  if (!fs.existsSync(path.join(shared, "ca.pem"))) {
    fs.mkdirSync(shared, { recursive: true });
    fs.cpSync(path.join(dataDir, "tls"), path.join(shared, "tls"), { recursive: true });
    fs.copyFileSync(path.join(dataDir, "ca.pem"), path.join(shared, "ca.pem"));
  }
  // the folder holds this emulator's signing keys and registration: gone with it, not left in the temp folder
  const close = emu.close.bind(emu);
  return {
    ...emu,
    close: async () => {
      await close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function appToken(emu: RunningEmulator): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: emu.registration.clientId,
    client_secret: emu.registration.clientSecret,
    scope: "https://graph.microsoft.com/.default",
  });
  const res = await request(emu, "POST", `${emu.issuer}/token`, {
    rawBody: form.toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return res.json.access_token as string;
}

/** Authorization code + PKCE through the real login page, like a browser would (cookies + redirects). */
export async function userSignIn(
  emu: RunningEmulator,
  upn: string,
  scope = "openid profile email offline_access User.Read OnlineMeetings.ReadWrite",
) {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  const redirectUri = emu.registration.redirectUris[0]!;
  const state = crypto.randomBytes(8).toString("hex");
  const nonce = crypto.randomBytes(8).toString("hex");
  const authUrl = `${emu.issuer}/auth?${new URLSearchParams({ client_id: emu.registration.clientId, response_type: "code", redirect_uri: redirectUri, scope, state, nonce, code_challenge: challenge, code_challenge_method: "S256" })}`;
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar.entries()].map(([k, v]) => `${k}=${v}`).join("; ");
  const remember = (res: HttpResult) => {
    for (const c of ([] as string[]).concat(res.headers["set-cookie"] ?? [])) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  let res = await request(emu, "GET", authUrl);
  remember(res);
  let loginPage = res;
  while (loginPage.status === 303 || loginPage.status === 302) {
    loginPage = await request(emu, "GET", loginPage.headers.location!, { headers: { cookie: cookieHeader() } });
    remember(loginPage);
  }
  const action = /<form method="post" action="([^"]+)"/.exec(loginPage.text)?.[1];
  if (!action) throw new Error(`no login form: ${loginPage.status} ${loginPage.text.slice(0, 200)}`);
  res = await request(
    emu,
    "POST",
    action.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))),
    {
      rawBody: new URLSearchParams({ login: upn, password: "anything" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader() },
    },
  );
  remember(res);
  let location = res.headers.location;
  for (let i = 0; i < 5 && location && !location.startsWith(redirectUri); i++) {
    res = await request(emu, "GET", location, { headers: { cookie: cookieHeader() } });
    remember(res);
    location = res.headers.location;
  }
  if (!location?.startsWith(redirectUri))
    throw new Error(`sign-in did not redirect back: ${res.status} ${res.text.slice(0, 300)}`);
  const cb = new URL(location);
  if (cb.searchParams.get("state") !== state) throw new Error("state mismatch");
  const code = cb.searchParams.get("code")!;
  // Auth.js authenticates with client_secret_basic; MSAL with client_secret_post. Use basic here.
  const basic = Buffer.from(
    `${encodeURIComponent(emu.registration.clientId)}:${encodeURIComponent(emu.registration.clientSecret)}`,
  ).toString("base64");
  const tokenRes = await request(emu, "POST", `${emu.issuer}/token`, {
    rawBody: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
  });
  if (tokenRes.status !== 200) throw new Error(`code exchange failed: ${tokenRes.status} ${tokenRes.text}`);
  return {
    ...(tokenRes.json as { access_token: string; id_token: string; refresh_token?: string }),
    nonce,
    loginPage: loginPage.text,
  };
}

export interface ReceivedNotification {
  url: string;
  authorization: string | undefined;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

/** Plain HTTP bot webhook that records every POST; `respond` decides the status code. */
export async function startBotReceiver(respond: (n: ReceivedNotification, index: number) => number = () => 202) {
  const received: ReceivedNotification[] = [];
  let attempts = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n: ReceivedNotification = {
        url: req.url ?? "",
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null"),
      };
      const status = respond(n, attempts++);
      if (status >= 200 && status < 300) received.push(n);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    attempts: () => attempts,
    /** Flattened commsNotification items, in delivery order. */
    items: () => received.flatMap((r) => r.body.value as any[]), // eslint-disable-line @typescript-eslint/no-explicit-any
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async waitFor(pred: (item: any) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = received.flatMap((r) => r.body.value as any[]).find(pred); // eslint-disable-line @typescript-eslint/no-explicit-any
        if (hit) return hit;
        if (Date.now() > deadline)
          throw new Error(
            `notification not received; got ${JSON.stringify(received.map((r) => r.body.value.map((v: { changeType: string; resourceUrl: string; resourceData: { state?: string } }) => `${v.changeType} ${v.resourceUrl} ${Array.isArray(v.resourceData) ? "roster" : (v.resourceData.state ?? "")}`)))}`,
          );
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Serves prompt WAVs (/beep.wav = 1 s) and a 404 for anything else. */
export async function startPromptServer() {
  const wav = makeWav(1000, undefined, 440);
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith(".wav") && !req.url.includes("missing")) {
      res.writeHead(200, { "Content-Type": "audio/wav" }).end(wav);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function readExample(name: string): {
  method: string;
  path: string;
  status: number | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers?: Record<string, string>;
} {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), "utf8"));
}

export const ANA = "0a1c2e30-1111-4a00-8000-000000000001";
export const RAFAEL = "0a1c2e30-1111-4a00-8000-000000000002";
export const CARLA = "0a1c2e30-2222-4a00-8000-000000000001";
export const PATIENT_PHONE = "+5511987654321";
