// The Azure AI Speech text-to-speech stand-in's voice: eSpeak NG compiled to WebAssembly (npm `espeak-ng`,
// GPL-3.0-or-later, a development dependency run as a separate program image: argv in, a WAV read back from its
// in-memory file system). Only the emulator loads it; the product calls the Speech REST API.
// eSpeak writes 22.05 kHz mono; the requested output format's rate is made here by linear interpolation.
import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface ESpeakInstance {
  FS: { readFile(path: string): Uint8Array };
}
type ESpeakFactory = (options: {
  arguments: string[];
  wasmBinary?: Uint8Array;
  locateFile?: (file: string) => string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}) => Promise<ESpeakInstance>;

/** words per minute: a little slower than eSpeak's 175, as a phone line wants */
const SPEED = "150";
const DIST = path.join(process.cwd(), "node_modules", "espeak-ng", "dist");

let engine: Promise<{ factory: ESpeakFactory; wasm: Uint8Array }> | undefined;

function load() {
  engine ??= (async () => {
    const url = pathToFileURL(path.join(DIST, "espeak-ng.js")).href;
    const mod = (await import(url)) as { default: ESpeakFactory };
    const wasm = new Uint8Array(await fs.readFile(path.join(DIST, "espeak-ng.wasm")));
    return { factory: mod.default, wasm };
  })();
  return engine;
}

/** eSpeak NG's voice for a BCP-47 language ("pt-BR" → pt-br); null when it has none. */
export function espeakVoiceFor(language: string): string | null {
  const lang = language.toLowerCase();
  if (lang.startsWith("pt")) return lang === "pt-pt" ? "pt" : "pt-br";
  if (lang.startsWith("en")) return lang === "en-gb" ? "en" : "en-us";
  if (lang.startsWith("es")) return "es";
  return null;
}

/** 16-bit mono PCM samples of `text` at `sampleRate`. */
export async function speak(text: string, voice: string, sampleRate: number): Promise<Int16Array> {
  const { factory, wasm } = await load();
  const errors: string[] = [];
  // each run is a fresh program instance (eSpeak's command line ends after one utterance)
  const instance = await factory({
    wasmBinary: wasm,
    locateFile: (file) => path.join(DIST, file),
    // a text that starts with "-" must stay text, not become an eSpeak option
    arguments: ["-v", voice, "-s", SPEED, "-w", "/tmp/out.wav", text.startsWith("-") ? ` ${text}` : text],
    print: () => undefined,
    printErr: (line) => errors.push(line),
  });
  let wav: Uint8Array;
  try {
    wav = instance.FS.readFile("/tmp/out.wav");
  } catch {
    throw new Error(`eSpeak NG produced no audio${errors.length ? `: ${errors.join(" ")}` : ""}`);
  }
  const { rate, samples } = pcmOf(Buffer.from(wav));
  return resampleLinear(samples, rate, sampleRate);
}

/** The mono 16-bit samples of eSpeak's WAV (its header's rate; the data chunk found by walking the chunks). */
function pcmOf(buf: Buffer): { rate: number; samples: Int16Array } {
  let offset = 12;
  let rate = 22_050;
  while (offset + 8 <= buf.length) {
    const id = buf.toString("ascii", offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === "fmt ") rate = buf.readUInt32LE(offset + 12);
    if (id === "data") {
      // eSpeak streams its output: the data size may be left at 0 or too large
      const end = size > 0 ? Math.min(offset + 8 + size, buf.length) : buf.length;
      const count = Math.floor((end - offset - 8) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(offset + 8 + i * 2);
      return { rate, samples };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error("eSpeak NG's WAV has no data chunk");
}

function resampleLinear(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return samples;
  const out = new Int16Array(Math.max(1, Math.round((samples.length * to) / from)));
  for (let i = 0; i < out.length; i++) {
    const at = (i * from) / to;
    const j = Math.floor(at);
    const a = samples[Math.min(j, samples.length - 1)]!;
    const b = samples[Math.min(j + 1, samples.length - 1)]!;
    out[i] = Math.round(a + (b - a) * (at - j));
  }
  return out;
}
