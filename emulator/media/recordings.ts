import crypto from "node:crypto";
import { makeWav } from "./wav";

export interface Recording {
  id: string;
  callId: string;
  accessToken: string;
  text: string;
  wav: Buffer;
  expiresAt?: number;
}

/** Short IVR recordings produced by recordResponse; discarded a while after their call ends (like the service). */
export class RecordingStore {
  private readonly items = new Map<string, Recording>();

  /** `sampleRate`: the call's recordingSampleRate form (emulator/variants.ts): 16 kHz, or 8 kHz as a phone line carries. */
  create(callId: string, text: string, speechMs: number, sampleRate = 16_000): Recording {
    const rec: Recording = {
      id: crypto.randomUUID(),
      callId,
      accessToken: crypto.randomBytes(32).toString("base64url"),
      text,
      wav: makeWav(Math.max(200, speechMs), text, 0, sampleRate),
    };
    this.items.set(rec.id, rec);
    return rec;
  }

  get(id: string): Recording | undefined {
    const rec = this.items.get(id);
    if (rec?.expiresAt !== undefined && rec.expiresAt < Date.now()) {
      this.items.delete(id);
      return undefined;
    }
    return rec;
  }

  expireCall(callId: string, retentionMs: number): void {
    for (const rec of this.items.values()) if (rec.callId === callId) rec.expiresAt = Date.now() + retentionMs;
  }

  reset(): void {
    this.items.clear();
  }
}

/** Rough speaking time for a text: ~2.5 words per second. */
export function speechDurationMs(text: string): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.max(400, words * 400);
}
