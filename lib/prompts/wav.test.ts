import { describe, expect, it } from "vitest";
import { synthesize } from "./synth";
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

  it("synthesizes both languages offline with eSpeak NG", async () => {
    for (const locale of ["pt-BR", "en"] as const) {
      const wav = await synthesize(locale === "en" ? "Press 1 to confirm." : "Tecle 1 para confirmar.", locale);
      const info = wavInfo(wav);
      expect(info).toMatchObject({ sampleRate: 16_000, channels: 1, bits: 16 });
      expect(info.durationMs).toBeGreaterThan(500);
    }
  }, 30_000);

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
