import path from "node:path";
import { modeFromEnv, seedFromEnv, type VariantSettings } from "./variants";

/** Tunable limits and timings. Every value can be overridden per instance (tests speed things up). */
export interface EmulatorLimits {
  maxConcurrentCalls: number;
  answerWindowMs: number;
  /** Policy-based recording invitations must be answered faster (5 s in the answer doc). */
  policyRecordingAnswerWindowMs: number;
  keepAliveTimeoutMs: number;
  maxPromptsPerPlayPrompt: number;
  maxPromptsPerRecordResponse: number;
  maxInvitees: number;
  redirectTimeoutMinSeconds: number;
  redirectTimeoutMaxSeconds: number;
  /** How long a far-end phone rings before "no answer". */
  noAnswerTimeoutMs: number;
  /** Default delay before a simulated endpoint answers. */
  defaultRingDelayMs: number;
  /** Multiplier applied to WAV durations (1 = real time, 0.01 = 100x faster). */
  mediaSpeedFactor: number;
  /** Base delay of the notification retry backoff (doubles per attempt, capped at 30 s). */
  notificationRetryBaseMs: number;
  /** Delay between state changes the platform makes on its own (establishing → established …). */
  signallingDelayMs: number;
  /** Recordings are discarded this long after their call ends. */
  recordingRetentionMs: number;
  /** Calls of the `mediaLater` form: how long after `established` their audio becomes active. */
  mediaConnectDelayMs: number;
  /** How long the simulated carrier takes to report an SMS delivered (or failed). */
  smsDeliveryDelayMs: number;
}

export interface EmulatorOptions {
  port: number;
  host: string;
  /** Public origin used in URLs we hand out (issuer, Location headers …). */
  publicHost: string;
  dataDir: string;
  directoryPath: string;
  redirectUris: string[];
  botCallbackUrl: string;
  limits: EmulatorLimits;
  /** Log one line per request to stdout. */
  verbose: boolean;
  /** Which of the documented forms each call gets (emulator/variants.ts). */
  variants: VariantSettings;
  /** The app's Event Grid webhook for SMS delivery reports and replies (null: none). */
  smsEventsUrl: string | null;
  /** Sent as `Authorization: Bearer <secret>` with every SMS event (an Event Grid delivery property). */
  smsEventsSecret: string | null;
}

export const DEFAULT_LIMITS: EmulatorLimits = {
  maxConcurrentCalls: 100,
  answerWindowMs: 15_000,
  policyRecordingAnswerWindowMs: 5_000,
  keepAliveTimeoutMs: 45 * 60_000,
  maxPromptsPerPlayPrompt: 20,
  maxPromptsPerRecordResponse: 1,
  maxInvitees: 5,
  redirectTimeoutMinSeconds: 15,
  redirectTimeoutMaxSeconds: 90,
  noAnswerTimeoutMs: 30_000,
  defaultRingDelayMs: 1_000,
  mediaSpeedFactor: 1,
  notificationRetryBaseMs: 500,
  signallingDelayMs: 150,
  recordingRetentionMs: 5 * 60_000,
  mediaConnectDelayMs: 800,
  smsDeliveryDelayMs: 500,
};

function intEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

/** Reads EMULATOR_* environment variables; explicit options win. */
export function resolveOptions(
  partial: Partial<Omit<EmulatorOptions, "limits">> & { limits?: Partial<EmulatorLimits> } = {},
  env: NodeJS.ProcessEnv = process.env,
): EmulatorOptions {
  const cwd = process.cwd();
  const limitsFromEnv: Partial<EmulatorLimits> = {};
  const map: Array<[keyof EmulatorLimits, string]> = [
    ["maxConcurrentCalls", "EMULATOR_MAX_CONCURRENT_CALLS"],
    ["answerWindowMs", "EMULATOR_ANSWER_WINDOW_MS"],
    ["keepAliveTimeoutMs", "EMULATOR_KEEPALIVE_TIMEOUT_MS"],
    ["noAnswerTimeoutMs", "EMULATOR_NO_ANSWER_TIMEOUT_MS"],
    ["defaultRingDelayMs", "EMULATOR_RING_DELAY_MS"],
    ["mediaSpeedFactor", "EMULATOR_MEDIA_SPEED"],
    ["notificationRetryBaseMs", "EMULATOR_NOTIFY_RETRY_BASE_MS"],
    ["mediaConnectDelayMs", "EMULATOR_MEDIA_CONNECT_DELAY_MS"],
    ["smsDeliveryDelayMs", "EMULATOR_SMS_DELIVERY_DELAY_MS"],
  ];
  for (const [key, name] of map) {
    const v = intEnv(env, name);
    if (v !== undefined) limitsFromEnv[key] = v;
  }
  const port = partial.port ?? intEnv(env, "EMULATOR_PORT") ?? 4443;
  return {
    port,
    host: partial.host ?? "127.0.0.1",
    publicHost: partial.publicHost ?? `localhost:${port}`,
    dataDir: path.resolve(cwd, partial.dataDir ?? env.EMULATOR_DATA_DIR ?? ".data/emulator"),
    directoryPath: path.resolve(cwd, partial.directoryPath ?? env.EMULATOR_DIRECTORY ?? "config/demo-directory.json"),
    redirectUris:
      partial.redirectUris ??
      (env.EMULATOR_REDIRECT_URIS ?? "http://localhost:3000/api/auth/callback/microsoft-entra-id")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    botCallbackUrl:
      partial.botCallbackUrl ?? env.EMULATOR_BOT_CALLBACK_URL ?? "http://localhost:3000/api/calls/notifications",
    limits: { ...DEFAULT_LIMITS, ...limitsFromEnv, ...partial.limits },
    verbose: partial.verbose ?? env.EMULATOR_VERBOSE === "1",
    smsEventsUrl:
      partial.smsEventsUrl !== undefined
        ? partial.smsEventsUrl
        : (env.EMULATOR_SMS_EVENTS_URL ?? "http://localhost:3000/api/messages/events"),
    smsEventsSecret:
      partial.smsEventsSecret !== undefined ? partial.smsEventsSecret : (env.EMULATOR_SMS_EVENTS_SECRET ?? null),
    variants: {
      mode: partial.variants?.mode ?? modeFromEnv(env) ?? "off",
      seed: partial.variants?.seed ?? seedFromEnv(env),
      force: partial.variants?.force,
    },
  };
}
