import { headerValue, HttpError, sendJson, type RequestContext } from "../http/context";
import type { Router } from "../http/router";
import { speechDurationMs, type RecordingStore } from "./recordings";
import { espeakVoiceFor, speak } from "./tts";
import { parseWav, wavOf } from "./wav";

/** X-Microsoft-OutputFormat values this stand-in makes (the RIFF PCM ones), and their sample rates. */
const RIFF_OUTPUT_FORMATS: Record<string, number> = {
  "riff-8khz-16bit-mono-pcm": 8_000,
  "riff-16khz-16bit-mono-pcm": 16_000,
  "riff-22050hz-16bit-mono-pcm": 22_050,
  "riff-24khz-16bit-mono-pcm": 24_000,
  "riff-44100hz-16bit-mono-pcm": 44_100,
  "riff-48khz-16bit-mono-pcm": 48_000,
};
/** larger SSML is refused (the service's request limit is of this order) */
const MAX_SSML_BYTES = 64 * 1024;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const decodeXml = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#")
      return String.fromCodePoint(
        name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : Number(name.slice(1)),
      );
    return ENTITIES[name.toLowerCase()] ?? whole;
  });

/**
 * The SSML a text-to-speech request carries: the voice's name and the words to say (inside <voice>, other
 * elements such as prosody or break dropped). null when it is not SSML with a voice.
 */
export function readSsml(ssml: string): { voice: string; language: string; text: string } | null {
  const speakTag = /^\s*(?:<\?xml[^>]*\?>\s*)?<speak\b([^>]*)>([\s\S]*)<\/speak>\s*$/.exec(ssml);
  if (!speakTag) return null;
  const voiceTag = /<voice\b([^>]*)>([\s\S]*?)<\/voice>/.exec(speakTag[2]!);
  if (!voiceTag) return null;
  const name = /\bname\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(voiceTag[1]!);
  const voice = decodeXml(name?.[1] ?? name?.[2] ?? "").trim();
  // "pt-BR-FranciscaNeural", or the long form "Microsoft Server Speech Text to Speech Voice (pt-BR, FranciscaNeural)"
  const language = /^([a-z]{2,3}-[A-Z]{2})-/.exec(voice)?.[1] ?? /\(([a-z]{2,3}-[A-Z]{2}),/.exec(voice)?.[1];
  if (!language) return null;
  const text = decodeXml(voiceTag[2]!.replace(/<[^>]*>/g, " "))
    .replace(/\s+/g, " ")
    .trim();
  return { voice, language, text };
}

/**
 * recordingLocation downloads (emulator/CONTRACT.md#record-response), an Azure AI Speech short-audio REST
 * stand-in that "recognises" recordings made by this emulator (their transcript travels inside the WAV), and
 * a text-to-speech REST stand-in (POST /cognitiveservices/v1, SSML in, RIFF PCM out) whose audio carries the
 * text it says the same way, so the simulated phone that plays it knows what it heard.
 */
export function registerMediaRoutes(
  router: Router,
  deps: { recordings: RecordingStore; /** Empty = any key accepted. */ speechKey: string },
): void {
  router.on("GET", "/_media/recordings/:id", (ctx) => {
    const rec = deps.recordings.get(ctx.params.id!);
    if (!rec) throw new HttpError(404, "itemNotFound", "The recording does not exist or was discarded.");
    const auth = headerValue(ctx.req, "authorization");
    if (auth !== `Bearer ${rec.accessToken}`)
      throw new HttpError(401, "InvalidAuthenticationToken", "A valid recordingAccessToken is required.");
    ctx.res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": rec.wav.length,
      "request-id": ctx.requestId,
      "Cache-Control": "no-store",
    });
    ctx.res.end(rec.wav);
  });

  /** The Speech resource's key (or a bearer token): false, with the 401 sent, when it is missing or wrong. */
  function authorised(ctx: RequestContext): boolean {
    const key = headerValue(ctx.req, "ocp-apim-subscription-key");
    const bearer = headerValue(ctx.req, "authorization");
    if (!key && !bearer?.startsWith("Bearer ")) {
      ctx.res
        .writeHead(401, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "401", message: "Access denied due to missing subscription key." } }));
      return false;
    }
    if (key && deps.speechKey && key !== deps.speechKey) {
      ctx.res
        .writeHead(401, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "401", message: "Access denied due to invalid subscription key." } }));
      return false;
    }
    return true;
  }

  const plainError = (ctx: RequestContext, status: number, message: string): void => {
    ctx.res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" }).end(message);
  };

  router.on("POST", "/cognitiveservices/v1", async (ctx) => {
    if (!authorised(ctx)) return;
    const contentType = headerValue(ctx.req, "content-type") ?? "";
    if (!/^application\/ssml\+xml\b/i.test(contentType))
      return plainError(
        ctx,
        415,
        "Unsupported media type: the body must be SSML (Content-Type: application/ssml+xml).",
      );
    const format = headerValue(ctx.req, "x-microsoft-outputformat")?.trim().toLowerCase();
    if (!format) return plainError(ctx, 400, "The X-Microsoft-OutputFormat header is required.");
    const rate = RIFF_OUTPUT_FORMATS[format];
    if (!rate)
      return plainError(ctx, 400, `Unsupported output format '${format}' (this emulator makes RIFF PCM only).`);
    const body = await ctx.rawBody();
    if (body.length > MAX_SSML_BYTES) return plainError(ctx, 400, "The SSML is too long.");
    const ssml = readSsml(body.toString("utf8"));
    if (!ssml) return plainError(ctx, 400, "The SSML is not valid: a <speak> root with a <voice name> is required.");
    const espeakVoice = espeakVoiceFor(ssml.language);
    if (!espeakVoice) return plainError(ctx, 400, `The voice '${ssml.voice}' is not supported.`);
    // EMULATOR_SPEECH_SYNTHESIS=timed: silence as long as the words would take (load runs, fault tests);
    // otherwise eSpeak NG says them, so a person on the phone page hears the prompt
    const timed = process.env.EMULATOR_SPEECH_SYNTHESIS === "timed";
    const samples = !ssml.text
      ? new Int16Array(Math.round(rate / 10))
      : timed
        ? new Int16Array(Math.round((speechDurationMs(ssml.text) * rate) / 1000))
        : await speak(ssml.text, espeakVoice, rate);
    const wav = wavOf(samples, rate, ssml.text);
    ctx.res.writeHead(200, {
      "Content-Type": "audio/x-wav",
      "Content-Length": wav.length,
      "request-id": ctx.requestId,
    });
    ctx.res.end(wav);
  });

  router.on("POST", "/speech/recognition/conversation/cognitiveservices/v1", async (ctx) => {
    if (!authorised(ctx)) return;
    const language = ctx.url.searchParams.get("language");
    if (!language) {
      ctx.res
        .writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "400", message: "The language query parameter is required." } }));
      return;
    }
    let info;
    try {
      info = parseWav(await ctx.rawBody());
    } catch {
      ctx.res
        .writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "400", message: "The audio must be a RIFF WAV (PCM) file." } }));
      return;
    }
    // The service takes WAV PCM at 16 kHz, mono, 16-bit, and reads the samples at the rate the Content-Type
    // declares: audio sent as another rate than declared plays too fast or too slow, and nothing is recognised.
    const declared = Number(/samplerate=(\d+)/i.exec(headerValue(ctx.req, "content-type") ?? "")?.[1] ?? 16_000);
    if (declared !== 16_000 || info.channels !== 1 || info.bitsPerSample !== 16) {
      ctx.res.writeHead(400, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          error: { code: "400", message: "Unsupported audio format: WAV PCM 16 kHz, mono, 16-bit only." },
        }),
      );
      return;
    }
    if (info.sampleRate !== declared)
      return sendJson(ctx, 200, { RecognitionStatus: "NoMatch", Offset: 0, Duration: info.durationMs * 10_000 });
    const text = info.transcript?.trim() ?? "";
    // Durations are in 100-ns ticks like the real service.
    if (!text)
      return sendJson(ctx, 200, {
        RecognitionStatus: "InitialSilenceTimeout",
        Offset: 0,
        Duration: info.durationMs * 10_000,
      });
    sendJson(ctx, 200, {
      RecognitionStatus: "Success",
      DisplayText: text,
      Offset: 0,
      Duration: info.durationMs * 10_000,
    });
  });
}
