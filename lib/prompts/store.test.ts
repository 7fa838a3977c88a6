import { describe, expect, it } from "vitest";
import { appointmentPhrase } from "@/lib/patient-messages/templates";
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  AUDIO_KEPT_IN_MEMORY,
  createPromptStore,
  handlePromptRequest,
  promptUri,
  promptVersion,
  pruneCachedAudio,
} from "./store";
import { SYNTH_VERSION, voiceFor } from "./synth";
import { promptText, withAppointment, type PromptLocale } from "./texts";
import { encodeWav } from "./wav";

const BASE = "https://consulta.example";
const about = { startsAt: "2030-03-12T13:30:00.000Z", zone: "America/Sao_Paulo", clinicianName: "Dra. Ana Ribeiro" };

/** A store whose synthesizer records what it was asked to say (one sample per character). */
function recordingStore() {
  const said: { text: string; locale: PromptLocale }[] = [];
  const store = createPromptStore({
    cacheDir: null,
    synth: async (text, locale) => {
      said.push({ text, locale });
      return encodeWav({ sampleRate: 16_000, samples: new Int16Array(text.length) });
    },
  });
  return { store, said };
}

describe("prompts about an appointment", () => {
  it("say the day, the patient's time and the clinician, in each language", async () => {
    const { store, said } = recordingStore();
    for (const [locale, day, time] of [
      ["pt-BR", "terça-feira, 12 de março de 2030", "10:30"],
      ["en", "Tuesday, March 12, 2030", "10:30 AM"],
    ] as const) {
      const { uri } = await promptUri(BASE, store, locale, "reminder", about);
      const url = new URL(uri);
      const response = await handlePromptRequest(store, locale, "reminder.wav", url.searchParams.get("v"));
      expect(response.status).toBe(200);
      const text = said.at(-1)!.text;
      expect(text).toContain(day);
      expect(text).toContain(time);
      expect(text).toContain("Dra. Ana Ribeiro");
      expect(text).toBe(
        withAppointment(
          promptText(locale, "reminder"),
          locale,
          appointmentPhrase(locale, {
            startsAt: new Date(about.startsAt),
            zone: about.zone,
            clinicianName: about.clinicianName,
          }),
        ),
      );
      expect(text).not.toContain("{appointment}");
    }
  });

  it("are cached by their text: the same sentence is synthesized once, another appointment is a new one", async () => {
    const { store, said } = recordingStore();
    const first = await promptUri(BASE, store, "en", "confirmed", about);
    const again = await promptUri(BASE, store, "en", "confirmed", { ...about });
    expect(again).toEqual(first);
    const v = new URL(first.uri).searchParams.get("v");
    await handlePromptRequest(store, "en", "confirmed.wav", v);
    await handlePromptRequest(store, "en", "confirmed.wav", v);
    expect(said).toHaveLength(1);
    const other = await promptUri(BASE, store, "en", "confirmed", { ...about, clinicianName: "Dr. Bruno Lima" });
    expect(other.uri).not.toBe(first.uri);
    expect(other.resourceId).not.toBe(first.resourceId);
    await handlePromptRequest(store, "en", "confirmed.wav", new URL(other.uri).searchParams.get("v"));
    expect(said).toHaveLength(2);
    expect(said[1]!.text).toContain("Dr. Bruno Lima");
  });

  it("keep a bounded number of sentences' audio in memory: the oldest is synthesized again when asked for", async () => {
    const { store, said } = recordingStore();
    const versions: string[] = [];
    for (let i = 0; i <= AUDIO_KEPT_IN_MEMORY; i++) {
      const startsAt = new Date(Date.parse(about.startsAt) + i * 15 * 60_000).toISOString();
      const { version } = await store.current("en", "confirmed", { ...about, startsAt });
      await store.audio("en", "confirmed", version);
      versions.push(version);
    }
    expect(said).toHaveLength(AUDIO_KEPT_IN_MEMORY + 1);
    // the newest is still in memory; the first was let go, and its text is still known here
    await store.audio("en", "confirmed", versions.at(-1));
    expect(said).toHaveLength(AUDIO_KEPT_IN_MEMORY + 1);
    await store.audio("en", "confirmed", versions[0]);
    expect(said).toHaveLength(AUDIO_KEPT_IN_MEMORY + 2);
  });

  it("cached audio older than the cut-off is removed from the disk, newer audio and other files stay", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "prompt-cache-"));
    try {
      const old = path.join(dir, "en-confirmed-0000000000000000.wav");
      const recent = path.join(dir, "en-confirmed-1111111111111111.wav");
      const other = path.join(dir, "notes.txt");
      for (const file of [old, recent, other]) await fs.writeFile(file, "x");
      const threeDaysAgo = new Date(Date.now() - 3 * 24 * 60 * 60_000);
      await fs.utimes(old, threeDaysAgo, threeDaysAgo);
      await fs.utimes(other, threeDaysAgo, threeDaysAgo);
      expect(await pruneCachedAudio(dir, new Date(Date.now() - 2 * 24 * 60 * 60_000))).toBe(1);
      expect((await fs.readdir(dir)).sort()).toEqual(["en-confirmed-1111111111111111.wav", "notes.txt"]);
      expect(await pruneCachedAudio(path.join(dir, "missing"), new Date())).toBe(0);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("without an appointment (the admin's listen link) speak of 'your appointment', never the placeholder", async () => {
    const { store, said } = recordingStore();
    const response = await handlePromptRequest(store, "pt-BR", "cancelCheck.wav", null);
    expect(response.status).toBe(200);
    expect(said[0]!.text).toBe(
      "Você pediu para cancelar sua consulta. Para cancelar, tecle 2 novamente. " +
        "Para manter e confirmar a consulta, tecle 1.",
    );
    // the version of the text as stored (what the admin page links to) is served
    const { version } = await store.current("pt-BR", "cancelCheck");
    expect((await handlePromptRequest(store, "pt-BR", "cancelCheck.wav", version)).status).toBe(200);
  });

  it("a version this process never made for the text is not served", async () => {
    const { store } = recordingStore();
    expect((await handlePromptRequest(store, "en", "reminder.wav", "0123456789abcdef")).status).toBe(404);
  });

  it("version a sentence with the server's secret: knowing the sentence is not knowing its URL", () => {
    const text = withAppointment(promptText("en", "reminder"), "en", "your appointment on Tuesday at 10:30 AM");
    const plain = crypto
      .createHash("sha256")
      .update(`${SYNTH_VERSION}\n${voiceFor("en")}\nen\n${text}`)
      .digest("hex")
      .slice(0, 16);
    const keyed = promptVersion("en", text);
    expect(keyed).toMatch(/^[0-9a-f]{16}$/);
    expect(keyed).not.toBe(plain);
    const secret = process.env.AUTH_SECRET;
    try {
      process.env.AUTH_SECRET = "another-instance-with-another-secret-0123456789";
      expect(promptVersion("en", text)).not.toBe(keyed);
    } finally {
      process.env.AUTH_SECRET = secret;
    }
    expect(promptVersion("en", text)).toBe(keyed);
  });
});
