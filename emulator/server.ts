import https from "node:https";
import type { AddressInfo } from "node:net";
import { ensureAppRegistration, type AppRegistration } from "./app-registration";
import { CallEngine } from "./calls/engine";
import { registerCallRoutes } from "./calls/routes";
import { resolveOptions, type EmulatorLimits, type EmulatorOptions } from "./config";
import { registerControlRoutes } from "./control/routes";
import { loadDirectory, type Directory } from "./directory";
import { registerMeetingRoutes } from "./graph/meeting-routes";
import { MeetingStore } from "./graph/meetings";
import { AttendanceLog } from "./meetings/attendance";
import { registerAttendanceRoutes } from "./meetings/attendance-routes";
import { createContext, HttpError, sendGraphError, sendJson } from "./http/context";
import { FaultInjector } from "./http/faults";
import { Router } from "./http/router";
import { createEntraIdentity } from "./identity/entra";
import { createGraphAuthenticator } from "./identity/graph-auth";
import { ensureSigningKey } from "./identity/keys";
import { RecordingStore } from "./media/recordings";
import { registerMediaRoutes } from "./media/routes";
import { BOTFRAMEWORK_ISSUER, Notifier } from "./notifications/notifier";
import { registerJoinPage } from "./pages/join";
import { registerPhonePage } from "./pages/phone";
import { ensureTls } from "./tls";
import { VariantPicker } from "./variants";
import { EmulatorClock } from "./clock";
import { createMessaging, type MessagingEmulator } from "./messaging";
import { registerCalendarControl } from "./calendars/control";
import { DeltaTokens } from "./calendars/delta";
import type { MailboxPolicy } from "./calendars/mailbox-access";
import { registerCalendarRoutes } from "./calendars/routes";
import { CalendarStore } from "./calendars/store";
import { SubscriptionService } from "./calendars/subscriptions";

export interface StartOptions extends Partial<Omit<EmulatorOptions, "limits">> {
  limits?: Partial<EmulatorLimits>;
  /** Speech subscription key; empty = any key accepted. */
  speechKey?: string;
}

export interface RunningEmulator {
  /** https://localhost:<port> */
  url: string;
  port: number;
  issuer: string;
  msalAuthority: string;
  botOpenIdConfigUrl: string;
  caPath: string;
  ca: string;
  dataDir: string;
  registration: AppRegistration;
  directory: Directory;
  engine: CallEngine;
  notifier: Notifier;
  variants: VariantPicker;
  /** the clinic's mailbox (sendMail), ACS SMS and the outbox (emulator/messaging/) */
  messaging: MessagingEmulator;
  /** mailbox calendars and their subscriptions (emulator/CONTRACT.md#calendars) */
  calendars: CalendarStore;
  calendarSubscriptions: SubscriptionService;
  close(): Promise<void>;
}

/** Starts the HTTPS emulator (Entra + Graph + far end + control API) and resolves once it listens. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const opts = resolveOptions(options);
  const directory = loadDirectory(opts.directoryPath);
  const tls = ensureTls(opts.dataDir);
  const registration = ensureAppRegistration(opts.dataDir, directory.tenantId, opts.redirectUris);
  const entraKey = await ensureSigningKey(opts.dataDir, "entra");
  const botKey = await ensureSigningKey(opts.dataDir, "botframework");
  const log = (line: string) => {
    if (opts.verbose) process.stdout.write(`[emulator] ${line}\n`);
  };

  const router = new Router();
  const faults = new FaultInjector();
  const settings = {
    botCallbackUrl: opts.botCallbackUrl,
    accessPolicyAllowAll: true,
    accessPolicyUsers: new Set<string>(),
  };
  const server = https.createServer({ key: tls.key, cert: tls.cert });
  // Azure's front ends keep an idle connection open far longer than Node's default of 5 s. With that default
  // a client could reuse a kept-alive socket just as the emulator closed it (an SMS send failed with
  // ECONNRESET and waited 30 s for its retry): a race the real services do not have.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  // Port 0 (tests) is only known after listen; the origin is filled in before anything uses it.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://${opts.publicHost.replace(/:\d+$/, "")}:${port}`;

  const entra = createEntraIdentity({ origin, directory, registration, signingKey: entraKey });
  const authenticate = createGraphAuthenticator({ issuer: entra.issuer, publicJwk: entraKey.publicJwk });
  const notifier = new Notifier({
    key: botKey,
    audience: () => registration.clientId,
    tenantId: directory.tenantId,
    retryBaseMs: () => opts.limits.notificationRetryBaseMs,
    faults,
  });
  const meetings = new MeetingStore(directory, origin, directory.clinicLine.phone);
  const recordings = new RecordingStore();
  const variants = new VariantPicker(opts.variants);
  const clock = new EmulatorClock();
  const attendance = new AttendanceLog(clock, directory, (threadId) => meetings.byThreadId(threadId)?.organizerId);
  if (opts.variants.mode === "random") {
    // printed so that a failure can be replayed with the same forms
    const { seed } = variants.view();
    process.stdout.write(
      `[emulator] documented variants drawn per call, seed ${seed} (EMULATOR_SEED=${seed} replays)\n`,
    );
  }
  const engine = new CallEngine({
    directory,
    limits: opts.limits,
    notifier,
    meetings,
    recordings,
    app: { clientId: registration.clientId, displayName: registration.displayName },
    botCallbackUrl: () => settings.botCallbackUrl,
    log,
    variants,
    clock,
    attendance,
  });
  engine.recordingBaseUrl = `${origin}/_media/recordings`;
  meetings.participantsOf = (threadId) => engine.meetingAttendance(threadId);

  const botOpenIdConfigUrl = `${origin}/botframework/.well-known/OpenIdConfiguration`;
  router.on("GET", "/botframework/.well-known/OpenIdConfiguration", (ctx) =>
    sendJson(ctx, 200, {
      issuer: BOTFRAMEWORK_ISSUER,
      authorization_endpoint: `${origin}/botframework/authorize`,
      jwks_uri: `${origin}/botframework/keys`,
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["private_key_jwt"],
    }),
  );
  router.on("GET", "/botframework/keys", (ctx) =>
    sendJson(ctx, 200, { keys: [{ ...botKey.publicJwk, endorsements: ["msteams"] }] }),
  );

  registerMeetingRoutes(router, {
    store: meetings,
    directory,
    authenticate,
    accessPolicy: (userId) => settings.accessPolicyAllowAll || settings.accessPolicyUsers.has(userId),
  });
  registerAttendanceRoutes(router, {
    log: attendance,
    store: meetings,
    engine,
    directory,
    authenticate,
    accessPolicy: (userId) => settings.accessPolicyAllowAll || settings.accessPolicyUsers.has(userId),
  });
  registerCallRoutes(router, { engine, authenticate });
  registerMediaRoutes(router, { recordings, speechKey: options.speechKey ?? process.env.EMULATOR_SPEECH_KEY ?? "" });
  // patient messages: Graph sendMail from the clinic's mailbox, ACS SMS with Event Grid events, the outbox
  const messaging = createMessaging({
    dataDir: opts.dataDir,
    directory,
    authenticate,
    eventsUrl: opts.smsEventsUrl,
    eventsHeaders: opts.smsEventsSecret ? { Authorization: `Bearer ${opts.smsEventsSecret}` } : {},
    retryBaseMs: () => opts.limits.notificationRetryBaseMs,
    deliveryDelayMs: () => opts.limits.smsDeliveryDelayMs,
    log,
  });
  messaging.register(router);
  // mailboxes' calendars: events, calendarView delta, subscriptions (emulator/calendars/)
  const calendars = new CalendarStore(origin);
  const deltaTokens = new DeltaTokens();
  const mailboxPolicy: MailboxPolicy = { allowAll: true, userIds: new Set() };
  const calendarSubscriptions = new SubscriptionService({
    store: calendars,
    clock,
    faults,
    directory,
    retryBaseMs: () => opts.limits.notificationRetryBaseMs,
  });
  const calendarDeps = { store: calendars, tokens: deltaTokens, subscriptions: calendarSubscriptions, directory };
  registerCalendarRoutes(router, { ...calendarDeps, authenticate, policy: mailboxPolicy, clock });
  registerCalendarControl(router, { ...calendarDeps, policy: mailboxPolicy });
  registerPhonePage(router, directory);
  registerJoinPage(router, meetings);
  registerControlRoutes(router, {
    engine,
    meetings,
    notifier,
    faults,
    settings,
    variants,
    clock,
    resetAll: () => {
      engine.reset();
      variants.restart();
      clock.reset();
      meetings.reset();
      attendance.reset();
      recordings.reset();
      notifier.reset();
      faults.clear();
      settings.botCallbackUrl = opts.botCallbackUrl;
      settings.accessPolicyAllowAll = true;
      settings.accessPolicyUsers.clear();
      messaging.reset();
      calendars.reset();
      deltaTokens.reset();
      calendarSubscriptions.reset();
      mailboxPolicy.allowAll = true;
      mailboxPolicy.userIds.clear();
    },
    info: () => ({
      issuer: entra.issuer,
      tenantId: directory.tenantId,
      clientId: registration.clientId,
      botCallbackUrl: settings.botCallbackUrl,
      activeCalls: [...engine.calls.values()].filter((c) => c.state !== "terminated").length,
    }),
  });

  server.on("request", (req, res) => {
    const ctx = createContext(req, res, origin);
    const path = ctx.url.pathname;
    log(`${req.method} ${path}`);
    void (async () => {
      try {
        if (!path.startsWith("/_emulator")) {
          faults.observe(ctx.clientRequestId);
          const fault = faults.take("request", req.method ?? "GET", path);
          if (fault?.action.type === "latency")
            await new Promise((r) => setTimeout(r, fault.action.type === "latency" ? fault.action.ms : 0));
          if (fault?.action.type === "throttle") {
            const after = String(fault.action.retryAfterSeconds);
            sendJson(
              ctx,
              429,
              {
                error: {
                  code: "TooManyRequests",
                  message: "Please retry again later.",
                  innerError: {
                    code: "429",
                    date: new Date().toISOString(),
                    message: "Please retry after",
                    "request-id": ctx.requestId,
                    status: "429",
                  },
                },
              },
              { "Retry-After": after },
            );
            faults.throttled(fault, ctx.clientRequestId);
            return;
          }
          if (fault?.action.type === "failAfter") ctx.loseAnswer = { status: fault.action.status };
          if (fault?.action.type === "dropAfter") ctx.loseAnswer = { dropAfterMs: fault.action.afterMs };
          if (fault?.action.type === "unavailable") {
            const after = fault.action.retryAfterSeconds;
            throw new HttpError(
              503,
              "serviceNotAvailable",
              "The service is temporarily unavailable.",
              after !== undefined ? { "Retry-After": String(after) } : {},
            );
          }
        }
        if (path === entra.mountPath || path.startsWith(`${entra.mountPath}/`)) {
          await entra.handle(req, res);
          return;
        }
        const match = router.match(req.method ?? "GET", path);
        if (match === "method-not-allowed")
          throw new HttpError(405, "Request_BadRequest", `The HTTP method '${req.method}' is not allowed for ${path}.`);
        if (!match)
          throw new HttpError(
            404,
            path.startsWith("/v1.0/") ? "UnknownError" : "itemNotFound",
            `Resource not found for the segment '${path}'.`,
          );
        ctx.params = match.params;
        await match.handler(ctx);
      } catch (err) {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (err instanceof HttpError) sendGraphError(ctx, err);
        else {
          log(`internal error on ${req.method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
          sendGraphError(ctx, new HttpError(500, "generalException", "An internal error occurred in the emulator."));
        }
      }
    })();
  });

  return {
    url: origin,
    port,
    issuer: entra.issuer,
    msalAuthority: `${origin}/${directory.tenantId}`,
    botOpenIdConfigUrl,
    caPath: tls.caPath,
    ca: tls.ca,
    dataDir: opts.dataDir,
    registration,
    directory,
    engine,
    notifier,
    variants,
    messaging,
    calendars,
    calendarSubscriptions,
    async close() {
      engine.reset();
      calendarSubscriptions.close();
      messaging.close();
      notifier.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
