// Prompt audio: synthesized once per (text, voice, synthesizer version), kept in memory and on disk under
// the data directory (CONSULTA_DATA_DIR, default .data → .data/prompts), so a restart does not synthesize
// again and concurrent requests share one synthesis. The version is a hash of the text, and it is both the
// cache key and part of the URL: an admin's new text is a new URL, so no cache (ours, Microsoft's preFetch
// by resourceId) can serve the old audio for it, and a URL handed out before the change keeps its audio.
// A call about an appointment says which one ({appointment} in the text, texts.ts): that sentence is a text of
// its own, hashed the same way, so the same sentence (a replay, a retried call) is synthesized once.
import "server-only";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { getDb } from "@/lib/db";
import { logger } from "@/lib/logger";
import { appointmentPhrase } from "@/lib/patient-messages/templates";
import { cachedPromptTexts, promptVersionsIn } from "./data";
import { envVariables, serverEnv } from "@/lib/env";
import { noSynthesizer, speechSynthesizer, SYNTH_VERSION, voiceFor } from "./synth";
import {
  APPOINTMENT_PLACEHOLDER,
  PROMPT_KEYS,
  isPromptKey,
  isPromptLocale,
  promptText,
  withAppointment,
  type PromptKey,
  type PromptLocale,
  type SpokenAppointment,
} from "./texts";

export interface PromptStoreOptions {
  /** directory for cached WAV files; null = memory only */
  cacheDir?: string | null;
  /** where the current text comes from (default: the built-in texts; the app reads admins' overrides) */
  textFor?: (locale: PromptLocale, key: PromptKey) => string | Promise<string>;
  /** text → WAV 16 kHz mono (the app: Azure AI Speech, synth.ts); without one nothing can be said */
  synth?: (text: string, locale: PromptLocale) => Promise<Buffer>;
  /**
   * Every version handed out, kept where all instances read it (the app: the PromptVersion table), so a URL
   * made by one instance is answered by any other; without it, by this process only.
   */
  versions?: PromptVersions;
}

interface PromptVersions {
  remember(versions: { locale: PromptLocale; key: PromptKey; version: string; text: string }[]): Promise<void>;
  recall(locale: PromptLocale, key: PromptKey, version: string): Promise<string | null>;
}

interface CurrentPrompt {
  text: string;
  /** hash of the text: the cache key and the URL's `v` */
  version: string;
}

export interface PromptStore {
  /**
   * The text in force now and its version; with `about`, the sentence for that appointment ({appointment}
   * filled in), whose version this store then serves like any other.
   */
  current(locale: PromptLocale, key: PromptKey, about?: SpokenAppointment | null): Promise<CurrentPrompt>;
  /**
   * The audio of one version (default: the current one). null when the version is neither the current text's
   * nor one this process has handed out or cached: nothing to say for it.
   */
  audio(locale: PromptLocale, key: PromptKey, version?: string): Promise<{ wav: Buffer; version: string } | null>;
}

const PROMPT_VERSION = /^[0-9a-f]{16}$/;

/** Prompt audio kept in a process's memory (a few hundred kilobytes each at most). */
export const AUDIO_KEPT_IN_MEMORY = 200;
const KNOWN_TEXTS_KEPT = 5_000;

/**
 * How long a handed-out version stays servable (its PromptVersion row and its cached audio): a prompt URL is
 * fetched by Microsoft during the call it was made for, which lasts minutes; a day or two is ample.
 */
export const PROMPT_VERSIONS_KEPT_MS = 2 * 24 * 60 * 60_000;

/** Removes cached audio files older than `before` (from the folder a store caches to). Returns how many. */
export async function pruneCachedAudio(cacheDir: string, before: Date): Promise<number> {
  let entries: string[];
  try {
    entries = await fs.readdir(cacheDir);
  } catch {
    return 0; // nothing cached yet
  }
  let removed = 0;
  for (const name of entries) {
    if (!name.endsWith(".wav")) continue;
    const file = path.join(cacheDir, name);
    const stat = await fs.stat(file).catch(() => null);
    if (stat && stat.mtime < before) {
      await fs.rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}

function defaultPromptCacheDir(): string {
  return path.resolve(envVariables(["CONSULTA_DATA_DIR"]).CONSULTA_DATA_DIR, "prompts");
}

/**
 * The version of a text: keyed with the server's secret (AUTH_SECRET, the same on every instance), because a
 * sentence about an appointment (its day, time and clinician) is easy to guess, and its URL, served without
 * credentials, must not tell anyone that such an appointment exists.
 */
export function promptVersion(locale: PromptLocale, text: string): string {
  const secret = envVariables(["AUTH_SECRET"]).AUTH_SECRET;
  const hash = secret ? crypto.createHmac("sha256", secret) : crypto.createHash("sha256");
  return hash
    .update(`${SYNTH_VERSION}\n${voiceFor(locale)}\n${locale}\n${text}`)
    .digest("hex")
    .slice(0, 16);
}

export function createPromptStore(options: PromptStoreOptions = {}): PromptStore {
  const textFor = options.textFor ?? promptText;
  const synth = options.synth ?? noSynthesizer;
  const cacheDir = options.cacheDir === undefined ? defaultPromptCacheDir() : options.cacheDir;
  // Both bounded: since prompts name the appointment, every reminder and rescue call adds a sentence of its own,
  // and a long-running process would otherwise keep all their audio. The oldest entries go first; what is
  // dropped is read again from the disk cache or the database (PromptVersion), or synthesised once more.
  const memory = new Map<string, Promise<Buffer>>();
  // every text this process has computed a version for: a URL handed out just before an admin's change is
  // still answered with the audio it was made for
  const known = new Map<string, string>();
  const remember = <V>(map: Map<string, V>, id: string, value: V, most: number) => {
    map.delete(id);
    map.set(id, value);
    if (map.size > most) map.delete(map.keys().next().value!);
  };
  const idOf = (locale: PromptLocale, key: PromptKey, version: string) => `${locale}/${key}/${version}`;
  // every process prunes its own disk cache, at most once an hour, when it writes to it
  let prunedAt = 0;

  const sentence = (locale: PromptLocale, template: string, phrase: string | null): CurrentPrompt => {
    const text = phrase === null ? template : withAppointment(template, locale, phrase);
    return { text, version: promptVersion(locale, text) };
  };

  async function current(
    locale: PromptLocale,
    key: PromptKey,
    about?: SpokenAppointment | null,
  ): Promise<CurrentPrompt> {
    const phrase = about
      ? appointmentPhrase(locale, {
          startsAt: new Date(about.startsAt),
          zone: about.zone,
          clinicianName: about.clinicianName,
        })
      : null;
    const prompt = sentence(locale, await textFor(locale, key), phrase);
    const id = idOf(locale, key, prompt.version);
    // written before the URL is handed out, once per version and process; a call's first sentence about its
    // appointment brings the others it may speak (the confirmation, the cancellation…), all in one statement
    if (!known.has(id)) {
      const together: (CurrentPrompt & { key: PromptKey })[] = [{ key, ...prompt }];
      for (const other of phrase === null ? [] : PROMPT_KEYS) {
        if (other === key) continue;
        const template = await textFor(locale, other);
        if (!template.includes(APPOINTMENT_PLACEHOLDER)) continue;
        const spoken = sentence(locale, template, phrase);
        if (!known.has(idOf(locale, other, spoken.version))) together.push({ key: other, ...spoken });
      }
      await options.versions?.remember(together.map((one) => ({ locale, ...one })));
      for (const one of together) remember(known, idOf(locale, one.key, one.version), one.text, KNOWN_TEXTS_KEPT);
    }
    remember(known, id, prompt.text, KNOWN_TEXTS_KEPT);
    return prompt;
  }

  async function readCached(file: string | null): Promise<Buffer | null> {
    if (!file) return null;
    try {
      return await fs.readFile(file);
    } catch {
      return null; // not cached yet
    }
  }

  async function load(locale: PromptLocale, key: PromptKey, version: string, text: string): Promise<Buffer> {
    const file = cacheDir ? path.join(cacheDir, `${locale}-${key}-${version}.wav`) : null;
    const cached = await readCached(file);
    if (cached) return cached;
    const started = Date.now();
    // a text with {appointment} left in (the admin's "listen") speaks of "your appointment"
    const wav = await synth(withAppointment(text, locale, null), locale);
    logger.info({ locale, prompt: key, version, ms: Date.now() - started }, "prompt synthesized");
    if (file && cacheDir) {
      await fs.mkdir(cacheDir, { recursive: true });
      // write then rename: a reader never sees half a file
      const partial = `${file}.${process.pid}.${crypto.randomUUID()}.part`;
      await fs.writeFile(partial, wav);
      await fs.rename(partial, file);
      if (Date.now() - prunedAt > 60 * 60_000) {
        prunedAt = Date.now();
        void pruneCachedAudio(cacheDir, new Date(prunedAt - PROMPT_VERSIONS_KEPT_MS)).catch((error: unknown) =>
          logger.warn({ err: error }, "prompt cache not pruned"),
        );
      }
    }
    return wav;
  }

  return {
    current,
    async audio(locale, key, requested) {
      let version = requested;
      if (version === undefined) version = (await current(locale, key)).version;
      const id = idOf(locale, key, version);
      let pending = memory.get(id);
      if (!pending) {
        let text = known.get(id);
        if (text === undefined) {
          const now = await current(locale, key);
          if (now.version === version) text = now.text;
        }
        if (text === undefined) {
          // a version another instance handed out (a prompt URL reaches whichever instance the load balancer picks)
          text = (await options.versions?.recall(locale, key, version)) ?? undefined;
          if (text !== undefined) remember(known, id, text, KNOWN_TEXTS_KEPT);
        }
        if (text === undefined) {
          // an old version no instance wrote down: only the disk cache can still have it
          const file = cacheDir ? path.join(cacheDir, `${locale}-${key}-${version}.wav`) : null;
          const cached = await readCached(file);
          return cached ? { wav: cached, version } : null;
        }
        pending = load(locale, key, version, text);
        remember(memory, id, pending, AUDIO_KEPT_IN_MEMORY);
        // a failed synthesis is not cached: the next request tries again
        pending.catch(() => memory.delete(id));
      }
      return { wav: await pending, version };
    },
  };
}

const globalForPrompts = globalThis as unknown as {
  consultaPromptStore?: PromptStore;
  consultaPromptTexts?: ReturnType<typeof cachedPromptTexts>;
};

/** After an admin's change: this process speaks the new text at once (others within their snapshot's age). */
export function forgetPromptTexts(): void {
  globalForPrompts.consultaPromptTexts?.forget();
}

/**
 * The process-wide store (app, route handler and the bot's flows share it): admins' texts from the database,
 * speech from Azure AI Speech (SPEECH_TTS_ENDPOINT with SPEECH_KEY; the emulator's locally).
 */
export function promptStore(): PromptStore {
  if (!globalForPrompts.consultaPromptStore) {
    const env = serverEnv();
    const texts = (globalForPrompts.consultaPromptTexts = cachedPromptTexts(getDb()));
    globalForPrompts.consultaPromptStore = createPromptStore({
      textFor: texts.textFor,
      versions: promptVersionsIn(getDb()),
      synth:
        env.SPEECH_TTS_ENDPOINT && env.SPEECH_KEY
          ? speechSynthesizer({ endpoint: env.SPEECH_TTS_ENDPOINT, key: env.SPEECH_KEY })
          : noSynthesizer,
    });
  }
  return globalForPrompts.consultaPromptStore;
}

/**
 * PUBLIC_BASE_URL/api/prompts/{locale}/{key}.wav?v={version}: what Graph's media platform fetches, for the
 * text in force now (an admin's, else the default), said about `about` when given.
 */
export async function promptUri(
  baseUrl: string,
  store: PromptStore,
  locale: PromptLocale,
  key: PromptKey,
  about?: SpokenAppointment | null,
) {
  const { version } = await store.current(locale, key, about);
  const url = new URL(`/api/prompts/${encodeURIComponent(locale)}/${key}.wav`, baseUrl);
  url.searchParams.set("v", version);
  return {
    uri: url.toString(),
    resourceId: crypto.createHash("sha256").update(url.toString()).digest("hex").slice(0, 32),
  };
}

const notFound = () =>
  new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

/**
 * Route handler body for GET /api/prompts/{locale}/{key}[?v=version]: public, no patient data. A versioned
 * URL never changes its audio (cached for a long time); the bare URL follows the current text.
 */
export async function handlePromptRequest(
  store: PromptStore,
  localeParam: string,
  keyParam: string,
  versionParam?: string | null,
): Promise<Response> {
  const key = keyParam.replace(/\.wav$/, "");
  if (!isPromptLocale(localeParam) || !isPromptKey(key)) return notFound();
  if (versionParam != null && !PROMPT_VERSION.test(versionParam)) return notFound();
  try {
    const audio = await store.audio(localeParam, key, versionParam ?? undefined);
    if (!audio) return notFound();
    return new Response(new Uint8Array(audio.wav), {
      status: 200,
      headers: {
        "content-type": "audio/wav",
        "content-length": String(audio.wav.length),
        "cache-control": versionParam ? "public, max-age=31536000, immutable" : "public, max-age=0, must-revalidate",
        etag: `"${audio.version}"`,
      },
    });
  } catch (error) {
    logger.error({ err: error, locale: localeParam, prompt: key }, "prompt audio unavailable");
    return new Response("Prompt unavailable", { status: 503, headers: { "retry-after": "5" } });
  }
}
