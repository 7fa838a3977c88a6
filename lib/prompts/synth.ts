// Prompt speech from Azure AI Speech text-to-speech (REST: POST {endpoint} with SSML), the same Speech
// resource that recognises the clinic line's spoken answers; neural voices in pt-BR and English. The audio
// is asked for as RIFF 16 kHz 16-bit mono PCM, the one format Microsoft's media platform plays, and checked
// to be that. Locally and in tests the emulator stands in for the endpoint (it speaks with eSpeak NG, which
// is why no GPL code is part of the product). No text is logged: a prompt may name an appointment.
import "server-only";
import { envVariables } from "@/lib/env";
import type { PromptLocale } from "./texts";
import { decodeWav, TARGET_SAMPLE_RATE, toTeamsWav } from "./wav";

const OUTPUT_FORMAT = "riff-16khz-16bit-mono-pcm";

/** Neural voices per prompt language (SPEECH_VOICE_PT_BR / SPEECH_VOICE_EN override them). */
const DEFAULT_VOICES: Record<PromptLocale, string> = {
  "pt-BR": "pt-BR-FranciscaNeural",
  en: "en-US-JennyNeural",
};

/** The voice a prompt language is spoken in: part of every prompt's version, so another voice is new audio. */
export function voiceFor(locale: PromptLocale): string {
  const voices = envVariables(["SPEECH_VOICE_EN", "SPEECH_VOICE_PT_BR"]);
  // lib/env.ts trims them; empty is unset
  return (locale === "en" ? voices.SPEECH_VOICE_EN : voices.SPEECH_VOICE_PT_BR) || DEFAULT_VOICES[locale];
}

/** Bumped when the synthesis changes in a way that must invalidate cached audio. */
export const SYNTH_VERSION = `azure-speech/${OUTPUT_FORMAT}/v1`;

/** Long enough for a prompt of a few sentences; the prompt route answers 503 and Microsoft fetches again. */
const TIMEOUT_MS = 15_000;

export interface SpeechSynthesisConfig {
  /** https://<region>.tts.speech.microsoft.com/cognitiveservices/v1 (SPEECH_TTS_ENDPOINT) */
  endpoint: string;
  /** the Speech resource's key (SPEECH_KEY) */
  key: string;
  /** the network (tests pass one that trusts the emulator's certificate authority) */
  fetch?: typeof fetch;
}

/** Thrown when the service refuses or fails; `status` only (its answer may echo the text). */
class SpeechSynthesisError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = "SpeechSynthesisError";
  }
}

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/** The SSML for one prompt: its language and voice, the text as words (escaped, never markup). */
export function promptSsml(text: string, locale: PromptLocale, voice = voiceFor(locale)): string {
  return (
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${locale}">` +
    `<voice name="${escapeXml(voice)}">${escapeXml(text)}</voice></speak>`
  );
}

/** A synthesizer for the prompt store: text → WAV 16 kHz 16-bit mono. */
export function speechSynthesizer(config: SpeechSynthesisConfig) {
  const doFetch = config.fetch ?? fetch;
  return async function synthesize(text: string, locale: PromptLocale): Promise<Buffer> {
    let response: Response;
    try {
      response = await doFetch(config.endpoint, {
        method: "POST",
        headers: {
          "ocp-apim-subscription-key": config.key,
          "content-type": "application/ssml+xml",
          "x-microsoft-outputformat": OUTPUT_FORMAT,
          "user-agent": "consulta",
        },
        body: promptSsml(text, locale),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new SpeechSynthesisError(null, `speech synthesis unreachable (${(error as Error).name})`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SpeechSynthesisError(response.status, `speech synthesis failed (${response.status})`);
    }
    const audio = Buffer.from(await response.arrayBuffer());
    try {
      decodeWav(audio);
    } catch {
      throw new SpeechSynthesisError(response.status, "speech synthesis answered something that is not 16-bit PCM WAV");
    }
    // what was asked for (fmt first: 16 kHz, mono, 16-bit) is kept as it came, with any chunk it carries;
    // anything else is converted
    const asked =
      audio.toString("ascii", 12, 16) === "fmt " &&
      audio.readUInt16LE(22) === 1 &&
      audio.readUInt32LE(24) === TARGET_SAMPLE_RATE &&
      audio.readUInt16LE(34) === 16;
    return asked ? audio : toTeamsWav(audio);
  };
}

/** Without a text-to-speech endpoint there is nothing to say: the prompt route answers 503. */
export async function noSynthesizer(): Promise<Buffer> {
  throw new SpeechSynthesisError(null, "speech synthesis is not configured (SPEECH_TTS_ENDPOINT, SPEECH_KEY)");
}
