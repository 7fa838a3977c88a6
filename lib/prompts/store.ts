// Prompt audio: synthesized once per (text, voice, synthesizer version), kept in memory and on disk under
// the data directory (CONSULTA_DATA_DIR, default .data → .data/prompts), so a restart does not synthesize
// again and concurrent requests share one synthesis. The URL carries a version derived from the text, so a
// changed text is a new URL and caches (ours, Microsoft's preFetch by resourceId) never serve stale audio.
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { logger } from "@/lib/logger";
import { synthesize, SYNTH_VERSION } from "./synth";
import { isPromptKey, isPromptLocale, promptText, type PromptKey, type PromptLocale } from "./texts";

export interface PromptStoreOptions {
  /** directory for cached WAV files; null = memory only */
  cacheDir?: string | null;
  /** where texts come from (defaults in code; an override table could plug in here) */
  textFor?: (locale: PromptLocale, key: PromptKey) => string;
  synth?: (text: string, locale: PromptLocale) => Promise<Buffer>;
}

export interface PromptStore {
  /** version of the current text, part of the URL */
  versionOf(locale: PromptLocale, key: PromptKey): string;
  audio(locale: PromptLocale, key: PromptKey): Promise<{ wav: Buffer; version: string }>;
}

export function defaultPromptCacheDir(): string {
  return path.resolve(process.env.CONSULTA_DATA_DIR || ".data", "prompts");
}

export function createPromptStore(options: PromptStoreOptions = {}): PromptStore {
  const textFor = options.textFor ?? promptText;
  const synth = options.synth ?? synthesize;
  const cacheDir = options.cacheDir === undefined ? defaultPromptCacheDir() : options.cacheDir;
  const memory = new Map<string, Promise<Buffer>>();

  const versionOf = (locale: PromptLocale, key: PromptKey) =>
    crypto
      .createHash("sha256")
      .update(`${SYNTH_VERSION}\n${locale}\n${textFor(locale, key)}`)
      .digest("hex")
      .slice(0, 16);

  async function load(locale: PromptLocale, key: PromptKey, version: string): Promise<Buffer> {
    const file = cacheDir ? path.join(cacheDir, `${locale}-${key}-${version}.wav`) : null;
    if (file) {
      try {
        return await fs.readFile(file);
      } catch {
        // not cached yet
      }
    }
    const started = Date.now();
    const wav = await synth(textFor(locale, key), locale);
    logger.info({ locale, prompt: key, version, ms: Date.now() - started }, "prompt synthesized");
    if (file && cacheDir) {
      await fs.mkdir(cacheDir, { recursive: true });
      // write then rename: a reader never sees half a file
      const partial = `${file}.${process.pid}.${crypto.randomUUID()}.part`;
      await fs.writeFile(partial, wav);
      await fs.rename(partial, file);
    }
    return wav;
  }

  return {
    versionOf,
    async audio(locale, key) {
      const version = versionOf(locale, key);
      const id = `${locale}/${key}/${version}`;
      let pending = memory.get(id);
      if (!pending) {
        pending = load(locale, key, version);
        memory.set(id, pending);
        // a failed synthesis is not cached: the next request tries again
        pending.catch(() => memory.delete(id));
      }
      return { wav: await pending, version };
    },
  };
}

const globalForPrompts = globalThis as unknown as { consultaPromptStore?: PromptStore };

/** The process-wide store (app and route handler share it). */
export function promptStore(): PromptStore {
  globalForPrompts.consultaPromptStore ??= createPromptStore();
  return globalForPrompts.consultaPromptStore;
}

/** PUBLIC_BASE_URL/api/prompts/{locale}/{key}.wav?v={version}: what Graph's media platform fetches. */
export function promptUri(baseUrl: string, store: PromptStore, locale: PromptLocale, key: PromptKey) {
  const version = store.versionOf(locale, key);
  const url = new URL(`/api/prompts/${encodeURIComponent(locale)}/${key}.wav`, baseUrl);
  url.searchParams.set("v", version);
  return {
    uri: url.toString(),
    resourceId: crypto.createHash("sha256").update(url.toString()).digest("hex").slice(0, 32),
  };
}

/** Route handler body for GET /api/prompts/{locale}/{key}: public, no patient data, long-cached. */
export async function handlePromptRequest(
  store: PromptStore,
  localeParam: string,
  keyParam: string,
): Promise<Response> {
  const key = keyParam.replace(/\.wav$/, "");
  if (!isPromptLocale(localeParam) || !isPromptKey(key))
    return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  try {
    const { wav, version } = await store.audio(localeParam, key);
    return new Response(new Uint8Array(wav), {
      status: 200,
      headers: {
        "content-type": "audio/wav",
        "content-length": String(wav.length),
        "cache-control": "public, max-age=86400",
        etag: `"${version}"`,
      },
    });
  } catch (error) {
    logger.error({ err: error, locale: localeParam, prompt: key }, "prompt audio unavailable");
    return new Response("Prompt unavailable", { status: 503, headers: { "retry-after": "5" } });
  }
}
