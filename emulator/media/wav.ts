/** Just enough RIFF/WAVE handling for prompt durations and synthetic recordings. */

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  durationMs: number;
  /** Text stored in our private "cnsl" chunk (synthetic recordings only). */
  transcript?: string;
}

export function parseWav(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error("not a RIFF/WAVE file");
  }
  let offset = 12;
  let fmt: { sampleRate: number; channels: number; bitsPerSample: number; byteRate: number } | undefined;
  let dataSize: number | undefined;
  let transcript: string | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString("ascii", offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      fmt = {
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      dataSize = Math.min(size, buf.length - body);
    } else if (id === "cnsl") {
      transcript = buf.toString("utf8", body, body + size);
    }
    offset = body + size + (size % 2);
  }
  if (!fmt || dataSize === undefined || fmt.byteRate === 0) throw new Error("WAV without fmt/data chunk");
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    durationMs: Math.round((dataSize / fmt.byteRate) * 1000),
    transcript,
  };
}

/** Mono 16-bit PCM (16 kHz unless told) of silence or a quiet tone, optionally tagged with the text that was "said". */
export function makeWav(durationMs: number, transcript?: string, toneHz = 0, sampleRate = 16_000): Buffer {
  const samples = new Int16Array(Math.max(1, Math.round((durationMs / 1000) * sampleRate)));
  if (toneHz > 0) {
    for (let i = 0; i < samples.length; i++)
      samples[i] = Math.round(Math.sin((2 * Math.PI * toneHz * i) / sampleRate) * 3000);
  }
  return wavOf(samples, sampleRate, transcript);
}

/**
 * A RIFF/WAVE file of mono 16-bit PCM `samples`, with `transcript` in our private "cnsl" chunk when given (a
 * chunk readers skip: the synthetic recordings' words, the synthesized prompts' text).
 */
export function wavOf(samples: Int16Array, sampleRate: number, transcript?: string): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  const fmt = Buffer.alloc(24);
  fmt.write("fmt ", 0, "ascii");
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8); // PCM
  fmt.writeUInt16LE(1, 10); // mono
  fmt.writeUInt32LE(sampleRate, 12);
  fmt.writeUInt32LE(sampleRate * 2, 16);
  fmt.writeUInt16LE(2, 20);
  fmt.writeUInt16LE(16, 22);
  const chunks = [fmt];
  if (transcript !== undefined) {
    const text = Buffer.from(transcript, "utf8");
    const head = Buffer.alloc(8);
    head.write("cnsl", 0, "ascii");
    head.writeUInt32LE(text.length, 4);
    chunks.push(head, text, Buffer.alloc(text.length % 2));
  }
  const dataHead = Buffer.alloc(8);
  dataHead.write("data", 0, "ascii");
  dataHead.writeUInt32LE(data.length, 4);
  chunks.push(dataHead, data);
  const body = Buffer.concat(chunks);
  const riff = Buffer.alloc(12);
  riff.write("RIFF", 0, "ascii");
  riff.writeUInt32LE(body.length + 4, 4);
  riff.write("WAVE", 8, "ascii");
  return Buffer.concat([riff, body]);
}
