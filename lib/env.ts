// Configuration: every variable the app reads is declared here, with its default and its check, and read
// through serverEnv() (all of them, validated once, at start) or envVariables() (a few, where the rest need not
// be valid). Messages name the variable. Nothing here has a default that points at Microsoft's cloud unless
// it is Microsoft's real public URL: the start script fills the emulator's values when no tenant is configured.
import "server-only";
import { z } from "zod";
import { isRegionTimeZone } from "@/lib/scheduling";
import { E164 } from "@/lib/constants";

const url = z.url();

/** An empty variable (a copied .env.example) is unset: its default applies. */
function emptyIsUnset<T extends z.ZodType>(inner: T) {
  return z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), inner);
}

/** A whole number of `unit` from `min` to `max`. */
function wholeNumber(unit: string, min: number, max: number) {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

/** Outlook's showAs values that may block a slot (OUTLOOK_BLOCKING_SHOW_AS). */
/** A number of minutes from 0 (off) to 120; empty is the default, 5. */
const minutesOffOrUpTo120 = emptyIsUnset(
  z.coerce
    .number()
    .int("must be a whole number of minutes")
    .min(0, "must be 0 (off) or more")
    .max(120, "must be at most 120 minutes")
    .default(5),
);

const BLOCKABLE_SHOW_AS = ["busy", "oof", "tentative", "workingElsewhere"] as const;
export type BlockingShowAs = (typeof BLOCKABLE_SHOW_AS)[number];

/** "busy, oof" → ["busy", "oof"]: each one of BLOCKABLE_SHOW_AS, repeats dropped. */
const showAsList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items)
      if (!(BLOCKABLE_SHOW_AS as readonly string[]).includes(item)) {
        ctx.addIssue({ code: "custom", message: `"${item}" is not one of ${BLOCKABLE_SHOW_AS.join(", ")}` });
        return z.NEVER;
      }
    return [...new Set(items)] as BlockingShowAs[];
  });

/** An AES key as Next wants it: base64 of 16, 24 or 32 bytes. */
function isAesKey(value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return [16, 24, 32].includes(Buffer.from(value, "base64").length);
}

const serverSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)"),
  AUTH_MICROSOFT_ENTRA_ID_ID: z.string().min(1, "the app registration's client id"),
  AUTH_MICROSOFT_ENTRA_ID_SECRET: z.string().min(1, "the app registration's client secret"),
  AUTH_MICROSOFT_ENTRA_ID_ISSUER: url.describe("https://login.microsoftonline.com/<tenant id>/v2.0"),
  GRAPH_BASE_URL: url.default("https://graph.microsoft.com"),
  BOT_OPENID_METADATA_URL: url.default("https://api.aps.skype.com/v1/.well-known/OpenIdConfiguration"),
  PUBLIC_BASE_URL: url.default("http://localhost:3000"),
  SPEECH_ENDPOINT: url.optional(),
  SPEECH_KEY: z.string().optional(),
  // the same Speech resource's text-to-speech endpoint (the calls' prompts): https://<region>.tts.speech.microsoft.com/cognitiveservices/v1
  SPEECH_TTS_ENDPOINT: url.optional(),
  // neural voices for the prompts (lib/prompts/synth.ts has the defaults)
  SPEECH_VOICE_PT_BR: z.string().trim().max(100).optional(),
  SPEECH_VOICE_EN: z.string().trim().max(100).optional(),
  BOOTSTRAP_ADMIN_EMAILS: z.string().default(""),
  RECEPTION_USER_ID: z.string().optional(),
  // --- several instances behind a load balancer (docs/DEPLOY.md) ---
  // Next encrypts server actions' captured values and derives the actions' ids with this key: it is read by
  // `next build`, so every instance must run the one build made with it (a page from one instance is then
  // posted to any other, and a rolling update keeps old pages' forms working)
  NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: emptyIsUnset(
    z
      .string()
      .refine(
        isAesKey,
        "must be base64 of 16, 24 or 32 bytes (openssl rand -base64 32), the same for the build and every instance",
      )
      .optional(),
  ),
  // how many proxies of ours append to X-Forwarded-For (Azure's front door and ingress: count them); the client
  // address the patient-link and sign-in budgets count is the entry this many from the right
  TRUSTED_PROXY_HOPS: emptyIsUnset(
    z.coerce
      .number({ error: "must be a whole number of proxies" })
      .int("must be a whole number of proxies")
      .min(1, "must be at least 1 (the proxy in front of the app)")
      .max(5, "must be at most 5")
      .default(1),
  ),
  // the clinic line's days and hours are this place's clock: a fixed offset ("Etc/GMT+5") would ignore DST
  CLINIC_TIME_ZONE: z
    .string()
    .trim()
    .transform((value) => value || "America/Sao_Paulo")
    .refine(isRegionTimeZone, "must be a place's IANA time zone, such as America/Sao_Paulo (not Etc/GMT+5 or UTC)")
    .default("America/Sao_Paulo"),
  CLINIC_LINE_APPLICATION_INSTANCE_ID: z.string().optional(),
  // --- messages to patients (lib/patient-messages) ---
  // the clinic as patients know it: named in every message and on the patient's page
  CLINIC_NAME: z.string().trim().min(1).max(100).default("Consulta"),
  CLINIC_PHONE: z.string().trim().regex(E164, "must be an E.164 number, such as +551130000000").optional(),
  // the mailbox patient e-mail is sent from (Graph sendMail, application permission Mail.Send)
  CLINIC_MAILBOX: z.email("must be the clinic mailbox's address").optional(),
  // Azure Communication Services: "endpoint=https://….communication.azure.com/;accesskey=…"
  ACS_CONNECTION_STRING: z
    .string()
    .regex(/^endpoint=https:\/\/[^;]+;accesskey=.+$/i, "must read endpoint=https://…;accesskey=…")
    .optional(),
  ACS_SMS_FROM: z.string().trim().min(1, "the ACS number (E.164) or sender id texts come from").optional(),
  // the secret Event Grid sends (a delivery property, Authorization: Bearer …) with SMS delivery reports and replies
  ACS_EVENTS_SECRET: z.string().min(24, "must be at least 24 characters (openssl rand -base64 32)").optional(),
  // the reminder message goes out the day before the appointment at this time of the patient's own day
  PATIENT_REMINDER_TIME: z
    .string()
    .trim()
    .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, "must be HH:MM (24-hour) or off")
    .default("10:00"),
  // the bot joins each appointment's meeting this many minutes before the start (issue 19: by default 5, so
  // the waiting room shows who is in the lobby); 0 = only on request. Empty is the default, not 0.
  BOT_AUTO_JOIN_MINUTES_BEFORE: minutesOffOrUpTo120,
  // no-show rescue (lib/rescue): the bot calls a patient missing this many minutes after the start, while the
  // clinician waits in the meeting; 0 = never (a type's own delay overrides it). Empty is the default.
  RESCUE_AFTER_MINUTES: minutesOffOrUpTo120,
  // the clinic's opening hours on CLINIC_TIME_ZONE's clock: no rescue call outside them
  CLINIC_HOURS: emptyIsUnset(
    z
      .string()
      .trim()
      .regex(
        /^[1-7](-[1-7])?\s+\d\d:\d\d-\d\d:\d\d(\s*[;,]\s*[1-7](-[1-7])?\s+\d\d:\d\d-\d\d:\d\d)*$/,
        'must read like "1-5 08:00-18:00; 6 08:00-12:00" (days 1 = Monday … 7 = Sunday)',
      )
      .default("1-7 07:00-20:00"),
  ),
  // --- the clinicians' Outlook (lib/outlook) ---
  // off: no events written, no busy times read (the slot search then ignores Outlook entirely)
  OUTLOOK_CALENDAR: emptyIsUnset(z.enum(["on", "off"], { error: "must be on or off" }).default("on")),
  // Outlook's showAs values that block a slot; tentative and workingElsewhere are the clinic's choice
  OUTLOOK_BLOCKING_SHOW_AS: emptyIsUnset(showAsList.default(["busy", "oof"])),
  // the visit's event subject: the appointment type only, or with the patient's name too
  OUTLOOK_EVENT_SUBJECT: emptyIsUnset(
    z.enum(["type", "patient"], { error: "must be type or patient" }).default("type"),
  ),
  // busy times are kept for this many days ahead (at least the longest booking horizon)
  OUTLOOK_SYNC_DAYS: emptyIsUnset(wholeNumber("days", 7, 400).default(120)),
  // the safety net: every clinician's delta runs at least this often, whatever notifications said
  OUTLOOK_DELTA_MINUTES: emptyIsUnset(wholeNumber("minutes", 1, 1440).default(15)),
  // --- processes: workers, calls, stopping, files, logs ---
  // set by Node tooling and Next (`next build`/`next start`: production); production turns on the checks below
  NODE_ENV: emptyIsUnset(
    z
      .enum(["development", "production", "test"], { error: "must be development, production or test" })
      .default("development"),
  ),
  // pino's level; unset: info, and silent under the tests (lib/logger.ts)
  LOG_LEVEL: emptyIsUnset(
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .optional(),
  ),
  // the local data folder; the prompts' audio cache is its prompts/ folder
  CONSULTA_DATA_DIR: emptyIsUnset(z.string().default(".data")),
  // reminder dispatch workers per worker process (lib/jobs/worker.ts)
  REMINDER_DISPATCH_WORKERS: emptyIsUnset(wholeNumber("workers", 1, 32).default(4)),
  // reminder calls at once across every worker, below Microsoft's 100 concurrent calls per application; unset:
  // the reminder service's default (lib/reminders/dispatch-service.ts, 20)
  REMINDER_MAX_CONCURRENT_CALLS: emptyIsUnset(wholeNumber("calls", 1, 90).optional()),
  // calls a worker process holds at once; unset: the call runtime's default (lib/bot/runtime/engine.ts, 16)
  CALL_RUNTIME_SLOTS: emptyIsUnset(wholeNumber("calls", 1, 64).optional()),
  // how long a stopping process lets the jobs and calls in hand finish (lib/jobs/shutdown.ts)
  CONSULTA_SHUTDOWN_TIMEOUT_MS: emptyIsUnset(wholeNumber("milliseconds", 1_000, 3_600_000).default(20_000)),
});

/** Microsoft Graph's hosts (global and national clouds); anything else is the emulator. */
const MICROSOFT_GRAPH_HOSTS = [
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "microsoftgraph.chinacloudapi.cn",
];

/**
 * A real Microsoft tenant is configured: Graph is Microsoft's, not the local emulator. Only for the checks
 * below, which demand more of a deployment; what the app does never depends on it (it reads the values).
 */
function usesMicrosoftCloud(graphBaseUrl: string): boolean {
  return MICROSOFT_GRAPH_HOSTS.includes(new URL(graphBaseUrl).hostname);
}

/** What must hold between the variables as well. */
const checkedSchema = serverSchema.superRefine((env, ctx) => {
  // Microsoft's calling platform posts notifications to, and fetches prompts from, HTTPS URLs only
  if (usesMicrosoftCloud(env.GRAPH_BASE_URL) && new URL(env.PUBLIC_BASE_URL).protocol !== "https:")
    ctx.addIssue({
      code: "custom",
      path: ["PUBLIC_BASE_URL"],
      message: "must be an https:// URL when a Microsoft tenant is configured (Graph calls back over HTTPS only)",
    });
  // a production deployment runs more than one instance at least while it is updated: one key for all of them
  if (
    env.NODE_ENV === "production" &&
    usesMicrosoftCloud(env.GRAPH_BASE_URL) &&
    !env.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY
  )
    ctx.addIssue({
      code: "custom",
      path: ["NEXT_SERVER_ACTIONS_ENCRYPTION_KEY"],
      message:
        "must be set in production (openssl rand -base64 32; the same value for `next build` and every instance), or a form rendered by one instance fails on another",
    });
  // every call speaks through Azure AI Speech: without it the bot's prompts answer 503 and calls say nothing
  if (env.NODE_ENV === "production" && usesMicrosoftCloud(env.GRAPH_BASE_URL))
    for (const name of ["SPEECH_TTS_ENDPOINT", "SPEECH_KEY"] as const)
      if (!env[name])
        ctx.addIssue({
          code: "custom",
          path: [name],
          message:
            "must be set in production with a Microsoft tenant (the Azure AI Speech resource that speaks the calls' prompts)",
        });
});

export type ServerEnv = z.infer<typeof serverSchema>;

type ServerShape = typeof serverSchema.shape;
export type EnvName = keyof ServerShape;
/** Some variables: those with a default or optional as in ServerEnv, the required ones possibly absent. */
export type EnvVariables<K extends EnvName> = {
  [P in K]: undefined extends z.input<ServerShape[P]> ? ServerEnv[P] : ServerEnv[P] | undefined;
};

function invalidConfiguration(error: z.ZodError): Error {
  const problems = error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
  return new Error(`Invalid configuration:\n${problems}\nSee .env.example for every variable.`);
}

/**
 * Each variable's schema with absence allowed: one serverEnv() requires becomes optional, the others stay as
 * they are (wrapping those in optional() would skip their defaults when absent).
 */
const absentAllowed: Record<string, z.ZodType> = Object.fromEntries(
  Object.entries(serverSchema.shape).map(([name, schema]) => [
    name,
    schema.safeParse(undefined).success ? schema : schema.optional(),
  ]),
);

let cached: ServerEnv | undefined;

/** Every variable, checked together; parsed once per process (the web process and the worker call it at start). */
export function serverEnv(): ServerEnv {
  if (cached) return cached;
  const parsed = checkedSchema.safeParse(process.env);
  if (!parsed.success) throw invalidConfiguration(parsed.error);
  cached = parsed.data;
  return cached;
}

// one schema per list of names, made once: zod compiles an object schema on its first parse, and some callers
// are on a call's busy path (every prompt's version reads AUTH_SECRET)
const partialSchemas = new Map<string, z.ZodObject>();

/**
 * Only the variables named, each checked as serverEnv() checks it, read afresh on every call (cheap). For
 * modules that must work where the whole configuration is not there or not valid: the logger (imported
 * everywhere), the database connection, `next build` without secrets, tests that set a few variables. A
 * variable serverEnv() requires may be absent here: the caller says what it needs it for. `source` is for tests.
 */
export function envVariables<K extends EnvName>(
  names: readonly K[],
  source: Record<string, string | undefined> = process.env,
): EnvVariables<K> {
  const key = names.join(",");
  let part = partialSchemas.get(key);
  if (!part)
    partialSchemas.set(key, (part = z.object(Object.fromEntries(names.map((name) => [name, absentAllowed[name]])))));
  const parsed = part.safeParse(source);
  if (!parsed.success) throw invalidConfiguration(parsed.error);
  return parsed.data as EnvVariables<K>;
}

/** The Entra authority (what MSAL wants) is the issuer without its trailing /v2.0. */
export function entraAuthority(env: ServerEnv = serverEnv()): string {
  return env.AUTH_MICROSOFT_ENTRA_ID_ISSUER.replace(/\/v2\.0\/?$/, "");
}

export function tenantId(env: ServerEnv = serverEnv()): string {
  const segment = new URL(entraAuthority(env)).pathname.split("/").filter(Boolean)[0];
  if (!segment) throw new Error("AUTH_MICROSOFT_ENTRA_ID_ISSUER must contain the tenant id");
  return segment;
}
