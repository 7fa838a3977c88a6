// The clinic line's spoken request: the recording downloaded, sent to Azure AI Speech's short-audio API and
// matched on keywords. emulator/CONTRACT.md#media-persistence: the recording (its location, token and audio) and
// its transcript live in memory for this one call and are then dropped; none is stored, queued or logged.
import "server-only";
import type { LineEvent, LineState } from "@/lib/bot/flows/clinic-line-state";
import { intentOf } from "@/lib/bot/flows/clinic-line-speech";
import type { FlowCall, Held } from "@/lib/bot/runtime/flow";
import { logger } from "@/lib/logger";
import { TARGET_SAMPLE_RATE, toSpeechWav } from "@/lib/prompts/wav";

export interface SpeechConfig {
  /** the short-audio REST endpoint (…/speech/recognition/conversation/cognitiveservices/v1) */
  endpoint: string;
  key: string;
}

const SPEECH_TIMEOUT_MS = 8_000;

type Understood = Extract<LineEvent, { type: "understood" }>;

/** Download → Speech → keywords, in memory; the audio and transcript never leave this function. */
export async function understandRecording(
  deps: { speech: SpeechConfig | null; fetch?: typeof fetch },
  call: FlowCall,
  line: LineState,
  operationId: string,
  held: Held,
): Promise<Understood> {
  const doFetch = deps.fetch ?? fetch;
  // the recording is here only in the process that received it, for the event that brought it
  const recording = held.recording?.operationId === operationId ? held.recording : undefined;
  const location = recording?.location;
  const token = recording?.accessToken;
  if (!location || !token || !deps.speech) return { type: "understood", intent: null };
  try {
    const audio = await doFetch(location, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(SPEECH_TIMEOUT_MS),
    });
    if (!audio.ok) {
      logger.warn({ callId: call.id, status: audio.status }, "recording not downloaded");
      return { type: "understood", intent: null };
    }
    // the recording's own rate (phone media is often 8 kHz), converted to the 16 kHz mono the API takes
    let wav: Buffer;
    try {
      wav = toSpeechWav(new Uint8Array(await audio.arrayBuffer()));
    } catch {
      logger.warn({ callId: call.id }, "recording is not a 16-bit PCM WAV");
      return { type: "understood", intent: null };
    }
    const url = new URL(deps.speech.endpoint);
    url.searchParams.set("language", line.speechLanguage);
    url.searchParams.set("format", "simple");
    const recognised = await doFetch(url, {
      method: "POST",
      headers: {
        "ocp-apim-subscription-key": deps.speech.key,
        "content-type": `audio/wav; codecs=audio/pcm; samplerate=${TARGET_SAMPLE_RATE}`,
        accept: "application/json",
      },
      body: new Uint8Array(wav),
      signal: AbortSignal.timeout(SPEECH_TIMEOUT_MS),
    });
    if (!recognised.ok) {
      logger.warn({ callId: call.id, status: recognised.status }, "speech recognition failed");
      return { type: "understood", intent: null };
    }
    const body = (await recognised.json()) as { RecognitionStatus?: unknown; DisplayText?: unknown };
    const intent =
      body.RecognitionStatus === "Success" && typeof body.DisplayText === "string" ? intentOf(body.DisplayText) : null;
    logger.info({ callId: call.id, intent: intent ?? "unsure" }, "spoken request");
    return { type: "understood", intent };
  } catch (error) {
    logger.warn({ callId: call.id, err: error instanceof Error ? error.name : "error" }, "speech failed");
    return { type: "understood", intent: null };
  }
}
