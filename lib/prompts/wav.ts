// RIFF/WAVE PCM: read what the synthesizer writes, resample to 16 kHz, write the only format Microsoft's
// media platform plays (WAV, mono, 16-bit, 16 kHz — mediaInfo doc).
import "server-only";
export const TARGET_SAMPLE_RATE = 16_000;

export interface Pcm16 {
  sampleRate: number;
  /** mono samples */
  samples: Int16Array;
}

export function decodeWav(buf: Uint8Array): Pcm16 {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE")
    throw new Error("not a RIFF/WAVE file");
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= b.length) {
    const id = b.toString("ascii", offset, offset + 4);
    const declared = b.readUInt32LE(offset + 4);
    const body = offset + 8;
    // streaming writers leave 0xFFFFFFFF (or a stale size) in the data chunk: trust the file length
    const size = Math.min(declared, b.length - body);
    if (id === "fmt ") {
      fmt = {
        format: b.readUInt16LE(body),
        channels: b.readUInt16LE(body + 2),
        sampleRate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!fmt) throw new Error("WAV data before fmt");
      if (fmt.format !== 1 || fmt.bits !== 16) throw new Error("only 16-bit PCM WAV is supported");
      const frames = Math.floor(size / (2 * fmt.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        // mix down to mono
        let sum = 0;
        for (let c = 0; c < fmt.channels; c++) sum += b.readInt16LE(body + (i * fmt.channels + c) * 2);
        samples[i] = Math.round(sum / fmt.channels);
      }
      return { sampleRate: fmt.sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error("WAV without fmt/data chunk");
}

/** Linear-interpolation resampling; speech is band-limited enough that this is clean at 22.05 → 16 kHz. */
export function resample(pcm: Pcm16, rate: number): Pcm16 {
  if (pcm.sampleRate === rate) return pcm;
  const ratio = pcm.sampleRate / rate;
  const length = Math.max(1, Math.floor(pcm.samples.length / ratio));
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const pos = i * ratio;
    const i0 = Math.floor(pos);
    const i1 = Math.min(i0 + 1, pcm.samples.length - 1);
    const frac = pos - i0;
    out[i] = Math.round((pcm.samples[i0] ?? 0) * (1 - frac) + (pcm.samples[i1] ?? 0) * frac);
  }
  return { sampleRate: rate, samples: out };
}

export function encodeWav(pcm: Pcm16): Buffer {
  const dataBytes = pcm.samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write("WAVE", 8, "ascii");
  out.write("fmt ", 12, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(pcm.sampleRate, 24);
  out.writeUInt32LE(pcm.sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "ascii");
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < pcm.samples.length; i++) out.writeInt16LE(pcm.samples[i]!, 44 + i * 2);
  return out;
}

/** Any 16-bit PCM WAV → WAV mono 16-bit 16 kHz. */
export function toTeamsWav(input: Uint8Array): Buffer {
  return encodeWav(resample(decodeWav(input), TARGET_SAMPLE_RATE));
}

export function wavInfo(buf: Uint8Array): { sampleRate: number; channels: number; bits: number; durationMs: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const channels = b.readUInt16LE(22);
  const sampleRate = b.readUInt32LE(24);
  const bits = b.readUInt16LE(34);
  const data = b.readUInt32LE(40);
  return { sampleRate, channels, bits, durationMs: Math.round((data / (sampleRate * channels * (bits / 8))) * 1000) };
}

/**
 * A recording (16-bit PCM WAV at whatever rate and channels the call's media gave it — phone lines are often
 * 8 kHz) as Speech's short-audio API takes it: mono, 16-bit, 16 kHz, which is what the request's Content-Type
 * declares. The rate is read from the header, never assumed; audio sent at another rate than declared is read
 * too fast or too slow and not recognised. Chunks other than fmt and data are kept as they are. Throws on
 * anything that is not 16-bit PCM WAV.
 */
export function toSpeechWav(input: Uint8Array): Buffer {
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const pcm = decodeWav(b);
  let channels = 0;
  const others: Buffer[] = [];
  for (let offset = 12; offset + 8 <= b.length;) {
    const id = b.toString("ascii", offset, offset + 4);
    const size = Math.min(b.readUInt32LE(offset + 4), b.length - offset - 8);
    const end = offset + 8 + size + (size % 2);
    if (id === "fmt ") channels = b.readUInt16LE(offset + 10);
    else if (id !== "data") others.push(b.subarray(offset, Math.min(end, b.length)));
    offset = end;
  }
  if (channels === 1 && pcm.sampleRate === TARGET_SAMPLE_RATE) return b;
  // encodeWav writes the RIFF header (12 bytes), the fmt chunk (24) and the data chunk: the others go between
  const audio = encodeWav(resample(pcm, TARGET_SAMPLE_RATE));
  const body = Buffer.concat([audio.subarray(12, 36), ...others, audio.subarray(36)]);
  const riff = Buffer.alloc(12);
  riff.write("RIFF", 0, "ascii");
  riff.writeUInt32LE(body.length + 4, 4);
  riff.write("WAVE", 8, "ascii");
  return Buffer.concat([riff, body]);
}
