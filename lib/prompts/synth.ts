// Offline speech synthesis with eSpeak NG compiled to WebAssembly (npm `espeak-ng`, GPL-3.0-or-later,
// run as a separate program image: we pass argv and read the WAV it writes to its in-memory file system).
// No network, no model download. Output is 22.05 kHz; lib/prompts/wav.ts converts it to 16 kHz.
import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PromptLocale } from "./texts";
import { toTeamsWav } from "./wav";

const VOICES: Record<PromptLocale, string> = { "pt-BR": "pt-br", en: "en-us" };
/** words per minute: a little slower than eSpeak's 175 for a phone line */
const SPEED = "150";

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

/** Bumped when the synthesis changes in a way that must invalidate cached audio. */
export const SYNTH_VERSION = "espeak-ng-1.0.2/v1";

// Loaded from node_modules at run time, outside the bundler (the module finds its .wasm beside itself).
const DIST = path.join(process.cwd(), "node_modules", "espeak-ng", "dist");

const globalForSynth = globalThis as unknown as {
  consultaESpeak?: Promise<{ factory: ESpeakFactory; wasm: Uint8Array }>;
};

function engine() {
  globalForSynth.consultaESpeak ??= (async () => {
    const url = pathToFileURL(path.join(DIST, "espeak-ng.js")).href;
    const mod = (await import(/* webpackIgnore: true */ /* turbopackIgnore: true */ url)) as { default: ESpeakFactory };
    const wasm = new Uint8Array(await fs.readFile(path.join(DIST, "espeak-ng.wasm")));
    return { factory: mod.default, wasm };
  })();
  return globalForSynth.consultaESpeak;
}

export async function synthesize(text: string, locale: PromptLocale): Promise<Buffer> {
  const { factory: ESpeakNg, wasm } = await engine();
  const errors: string[] = [];
  // each run is a fresh program instance (eSpeak's CLI exits after one utterance)
  const instance = await ESpeakNg({
    wasmBinary: wasm,
    locateFile: (file) => path.join(DIST, file),
    // an admin's text that starts with "-" must stay text, not become an eSpeak option
    arguments: ["-v", VOICES[locale], "-s", SPEED, "-w", "/tmp/prompt.wav", text.startsWith("-") ? ` ${text}` : text],
    print: () => undefined,
    printErr: (line) => errors.push(line),
  });
  let raw: Uint8Array;
  try {
    raw = instance.FS.readFile("/tmp/prompt.wav");
  } catch {
    throw new Error(`speech synthesis produced no audio${errors.length ? `: ${errors.join(" ")}` : ""}`);
  }
  return toTeamsWav(raw);
}
