import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSsml } from "./media/routes";
import { parseWav } from "./media/wav";
import type { RunningEmulator } from "./server";
import { request, startTestEmulator } from "./test/helpers";

// The Azure AI Speech text-to-speech stand-in: SSML in, RIFF PCM out, the words it says inside the audio.
let emu: RunningEmulator;
const KEY = "speech-test-key";
const TTS = "/cognitiveservices/v1";

beforeAll(async () => {
  emu = await startTestEmulator({ speechKey: KEY });
});
afterAll(async () => {
  await emu.close();
});

const ssml = (text: string, voice = "pt-BR-FranciscaNeural", lang = "pt-BR") =>
  `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${lang}"><voice name="${voice}">${text}</voice></speak>`;

const synthesize = (body: string, headers: Record<string, string> = {}) =>
  request(emu, "POST", TTS, {
    rawBody: body,
    headers: {
      "Ocp-Apim-Subscription-Key": KEY,
      "Content-Type": "application/ssml+xml",
      "X-Microsoft-OutputFormat": "riff-16khz-16bit-mono-pcm",
      "User-Agent": "consulta-test",
      ...headers,
    },
  });

describe("text-to-speech stand-in", () => {
  it("speaks pt-BR and English as WAV 16 kHz 16-bit mono, the text carried in the audio", async () => {
    for (const [voice, lang, text] of [
      ["pt-BR-FranciscaNeural", "pt-BR", "Confirmamos sua consulta em terça-feira às 10:30 com Dra. Ana &amp; equipe."],
      ["en-US-JennyNeural", "en-US", "We have confirmed your appointment. Thank you, see you soon."],
    ] as const) {
      const res = await synthesize(ssml(text, voice, lang));
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("audio/x-wav");
      const info = parseWav(res.raw);
      expect(info).toMatchObject({ sampleRate: 16_000, channels: 1, bitsPerSample: 16 });
      expect(info.durationMs).toBeGreaterThan(1_000);
      expect(info.transcript).toBe(text.replace("&amp;", "&"));
    }
  }, 30_000);

  it("makes the rate the output format names", async () => {
    const res = await synthesize(ssml("Tecle 1."), { "X-Microsoft-OutputFormat": "riff-8khz-16bit-mono-pcm" });
    expect(parseWav(res.raw)).toMatchObject({ sampleRate: 8_000, channels: 1, bitsPerSample: 16 });
  }, 30_000);

  it("refuses what the service refuses: no or a wrong key, not SSML, no output format, no voice", async () => {
    expect((await synthesize(ssml("Olá."), { "Ocp-Apim-Subscription-Key": "wrong" })).status).toBe(401);
    const noKey = await request(emu, "POST", TTS, {
      rawBody: ssml("Olá."),
      headers: { "Content-Type": "application/ssml+xml", "X-Microsoft-OutputFormat": "riff-16khz-16bit-mono-pcm" },
    });
    expect(noKey.status).toBe(401);
    expect((await synthesize(ssml("Olá."), { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await synthesize(ssml("Olá."), { "X-Microsoft-OutputFormat": "" })).status).toBe(400);
    expect((await synthesize(ssml("Olá."), { "X-Microsoft-OutputFormat": "mp3-please" })).status).toBe(400);
    expect((await synthesize("<speak>Olá.</speak>")).status).toBe(400);
    expect((await synthesize(ssml("Hallo.", "de-DE-KatjaNeural", "de-DE"))).status).toBe(400);
    expect((await synthesize(ssml("x".repeat(70_000)))).status).toBe(400);
  });

  it("reads the voice (short or long name) and the words of SSML, other elements dropped", () => {
    expect(readSsml(ssml('Press <break time="200ms"/> 1 &lt;now&gt;', "en-US-JennyNeural", "en-US"))).toEqual({
      voice: "en-US-JennyNeural",
      language: "en-US",
      text: "Press 1 <now>",
    });
    expect(
      readSsml(
        `<?xml version="1.0"?>${ssml("Olá", "Microsoft Server Speech Text to Speech Voice (pt-BR, FranciscaNeural)")}`,
      ),
    ).toMatchObject({ language: "pt-BR", text: "Olá" });
    expect(readSsml("Olá")).toBeNull();
    expect(readSsml(ssml("Olá", "Francisca"))).toBeNull();
  });
});
