import { describe, expect, it } from "vitest";
import { promptSsml, speechSynthesizer } from "./synth";
import { createPromptStore, handlePromptRequest, promptUri } from "./store";
import { decodeWav, encodeWav, resample, toSpeechWav, toTeamsWav, wavInfo } from "./wav";

describe("prompt audio", () => {
  it("resamples 22.05 kHz stereo PCM to 16 kHz mono 16-bit", () => {
    const samples = new Int16Array(22_050 * 2); // 1 s of stereo frames, interleaved
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin(i / 10) * 1000);
    const stereo = encodeWav({ sampleRate: 22_050, samples });
    stereo.writeUInt16LE(2, 22); // pretend it is 2 channels
    const out = toTeamsWav(stereo);
    expect(wavInfo(out)).toEqual({ sampleRate: 16_000, channels: 1, bits: 16, durationMs: 1000 });
    expect(resample(decodeWav(out), 16_000).samples.length).toBe(16_000);
  });

  it("a recording goes to Speech at 16 kHz mono whatever rate it came at; other chunks are kept", () => {
    const phoneLine = encodeWav({ sampleRate: 8_000, samples: new Int16Array(8_000).map((_, i) => i % 100) });
    // an extra chunk after fmt, as recorders write (LIST, or the emulator's transcript)
    const extra = Buffer.from("LIST\x04\x00\x00\x00abcd", "latin1");
    const recorded = Buffer.concat([phoneLine.subarray(0, 36), extra, phoneLine.subarray(36)]);
    recorded.writeUInt32LE(recorded.length - 8, 4);
    const sent = toSpeechWav(recorded);
    expect(decodeWav(sent)).toMatchObject({ sampleRate: 16_000 });
    expect(decodeWav(sent).samples.length).toBe(16_000);
    expect(sent.includes(extra)).toBe(true);
    expect(sent.readUInt32LE(4)).toBe(sent.length - 8);
    // already what Speech takes: sent as it is
    const wideband = encodeWav({ sampleRate: 16_000, samples: new Int16Array(160) });
    expect(toSpeechWav(wideband)).toEqual(wideband);
    expect(() => toSpeechWav(Buffer.from("not audio"))).toThrow();
  });

  it("asks Azure AI Speech for the prompt: SSML in the language's neural voice, RIFF 16 kHz 16-bit mono", async () => {
    const requests: { url: string; init: RequestInit }[] = [];
    // what the service answers: 16 kHz mono with an extra chunk (kept), or 24 kHz (converted)
    let answer = encodeWav({ sampleRate: 16_000, samples: new Int16Array(1_600) });
    const synth = speechSynthesizer({
      endpoint: "https://brazilsouth.tts.speech.microsoft.com/cognitiveservices/v1",
      key: "k",
      fetch: async (url, init) => {
        requests.push({ url: String(url), init: init! });
        return new Response(new Uint8Array(answer), { status: 200, headers: { "content-type": "audio/x-wav" } });
      },
    });
    const wav = await synth("Tecle 1 <agora> & já.", "pt-BR");
    expect(wav).toEqual(answer);
    const { url, init } = requests[0]!;
    expect(url).toBe("https://brazilsouth.tts.speech.microsoft.com/cognitiveservices/v1");
    expect(init.method).toBe("POST");
    expect(init.headers).toMatchObject({
      "ocp-apim-subscription-key": "k",
      "content-type": "application/ssml+xml",
      "x-microsoft-outputformat": "riff-16khz-16bit-mono-pcm",
    });
    // the text is words, never markup
    expect(init.body).toBe(
      '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="pt-BR">' +
        '<voice name="pt-BR-FranciscaNeural">Tecle 1 &lt;agora&gt; &amp; já.</voice></speak>',
    );
    expect(promptSsml("Press 1.", "en")).toContain('<voice name="en-US-JennyNeural">Press 1.</voice>');
    answer = encodeWav({ sampleRate: 24_000, samples: new Int16Array(2_400) });
    expect(wavInfo(await synth("Press 1.", "en"))).toEqual({
      sampleRate: 16_000,
      channels: 1,
      bits: 16,
      durationMs: 100,
    });
  });

  it("a refusal or something that is not audio fails the synthesis with its status, never the text", async () => {
    const answering = (response: Response) =>
      speechSynthesizer({
        endpoint: "https://tts.example/cognitiveservices/v1",
        key: "k",
        fetch: async () => response,
      });
    const throttled = answering(new Response("Too many requests", { status: 429 }));
    await expect(throttled("Sua consulta em terça-feira.", "pt-BR")).rejects.toMatchObject({
      name: "SpeechSynthesisError",
      status: 429,
      message: "speech synthesis failed (429)",
    });
    await expect(answering(new Response("<html>", { status: 200 }))("Olá.", "pt-BR")).rejects.toMatchObject({
      name: "SpeechSynthesisError",
    });
    const unreachable = speechSynthesizer({
      endpoint: "https://tts.example/cognitiveservices/v1",
      key: "k",
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
    });
    await expect(unreachable("Olá.", "pt-BR")).rejects.toMatchObject({ status: null });
    // without a configured endpoint the store has nothing to say: the prompt route answers 503
    const store = createPromptStore({ cacheDir: null });
    expect((await handlePromptRequest(store, "en", "goodbye.wav")).status).toBe(503);
  });

  it("caches one synthesis per text and serves it with a versioned URL", async () => {
    let runs = 0;
    const store = createPromptStore({
      cacheDir: null,
      synth: async () => {
        runs++;
        return encodeWav({ sampleRate: 16_000, samples: new Int16Array(160) });
      },
    });
    const [a, b] = await Promise.all([store.audio("en", "goodbye"), store.audio("en", "goodbye")]);
    expect(a!.wav).toBe(b!.wav);
    expect(runs).toBe(1);
    const { uri } = await promptUri("https://clinic.example", store, "en", "goodbye");
    const { version } = await store.current("en", "goodbye");
    expect(uri).toBe(`https://clinic.example/api/prompts/en/goodbye.wav?v=${version}`);
    const versioned = await handlePromptRequest(store, "en", "goodbye.wav", version);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get("cache-control")).toContain("immutable");
    expect(runs).toBe(1);
    const ok = await handlePromptRequest(store, "en", "goodbye.wav");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("audio/wav");
    expect((await handlePromptRequest(store, "fr", "goodbye")).status).toBe(404);
    expect((await handlePromptRequest(store, "en", "../etc")).status).toBe(404);
    // a version that is not a hash, or one no text ever had, has no audio
    expect((await handlePromptRequest(store, "en", "goodbye", "../../x")).status).toBe(404);
    expect((await handlePromptRequest(store, "en", "goodbye", "0123456789abcdef")).status).toBe(404);
  });

  it("keys the audio by the text: a new text is a new version, and the old URL keeps its audio", async () => {
    let text = "Goodbye.";
    const spoken: string[] = [];
    const store = createPromptStore({
      cacheDir: null,
      textFor: () => text,
      synth: async (said) => {
        spoken.push(said);
        return encodeWav({ sampleRate: 16_000, samples: new Int16Array(said.length) });
      },
    });
    const before = await promptUri("https://clinic.example", store, "en", "goodbye");
    text = "See you soon.";
    const after = await promptUri("https://clinic.example", store, "en", "goodbye");
    expect(after.uri).not.toBe(before.uri);
    expect(after.resourceId).not.toBe(before.resourceId);
    const oldVersion = new URL(before.uri).searchParams.get("v");
    const newVersion = new URL(after.uri).searchParams.get("v");
    const old = await handlePromptRequest(store, "en", "goodbye.wav", oldVersion);
    const fresh = await handlePromptRequest(store, "en", "goodbye.wav", newVersion);
    expect(old.headers.get("etag")).toBe(`"${oldVersion}"`);
    expect(fresh.headers.get("etag")).toBe(`"${newVersion}"`);
    expect(spoken.sort()).toEqual(["Goodbye.", "See you soon."]);
    // each version's audio is its own text's (one sample per character in this fake synthesizer)
    const sizes = [(await old.arrayBuffer()).byteLength, (await fresh.arrayBuffer()).byteLength];
    expect(sizes[1]! - sizes[0]!).toBe(2 * ("See you soon.".length - "Goodbye.".length));
  });
});
