import crypto from "node:crypto";
import { z } from "zod";

/**
 * Where Microsoft's docs show a thing in more than one form, the emulator can produce each of them. Each
 * call gets its forms when it is created, drawn from a seeded generator: the seed is printed when the
 * emulator starts and can be set (EMULATOR_SEED, or PUT /_emulator/variants), so a failing run can be
 * replayed with the same choices.
 *
 * - idSpelling: ids in notification URLs dashed and lowercase (most examples) or as 32 uppercase hex
 *   digits (the playPrompt and record completion examples spell the call and operation ids that way).
 * - roster: every roster update lists everyone present ("full"), or only who changed ("delta": the mute
 *   example lists only the muted person; v1.0's deltaParticipants). Either way someone who left is listed
 *   once with a `removedState`.
 * - mediaLater: `established` first, the audio `mediaState` in an update of its own a little later (the
 *   create-call sequence), instead of straight after it.
 * - recordingSampleRate: recordResponse recordings at 16 kHz or 8 kHz.
 * - idlessInvitees: an invitee who is still ringing is in the roster with `id: null` (the PSTN invite
 *   example's roster).
 */
export interface CallVariant {
  idSpelling: "dashed" | "hex";
  roster: "full" | "delta";
  mediaLater: boolean;
  recordingSampleRate: 16000 | 8000;
  idlessInvitees: boolean;
}

/** The forms the emulator produced before it had variants; what "off" gives every call. */
export const PLAIN_VARIANT: CallVariant = {
  idSpelling: "dashed",
  roster: "full",
  mediaLater: false,
  recordingSampleRate: 16000,
  idlessInvitees: false,
};

export const variantSettingsSchema = z.object({
  /** off: every call gets PLAIN_VARIANT; random: each form is drawn per call */
  mode: z.enum(["off", "random"]).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  /** forms every call gets whatever the mode (a test pins the one it is about) */
  force: z
    .object({
      idSpelling: z.enum(["dashed", "hex"]).optional(),
      roster: z.enum(["full", "delta"]).optional(),
      mediaLater: z.boolean().optional(),
      recordingSampleRate: z.union([z.literal(16000), z.literal(8000)]).optional(),
      idlessInvitees: z.boolean().optional(),
    })
    .optional(),
});

export type VariantSettings = z.infer<typeof variantSettingsSchema>;

/** A small, fast 32-bit generator (mulberry32): the same seed gives the same sequence on every machine. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.EMULATOR_SEED;
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new Error("EMULATOR_SEED must be a whole number from 0 to 4294967295");
  return value;
}

export function modeFromEnv(env: NodeJS.ProcessEnv = process.env): "off" | "random" | undefined {
  const raw = env.EMULATOR_VARIANTS;
  if (raw === undefined || raw === "") return undefined;
  if (raw !== "off" && raw !== "random") throw new Error("EMULATOR_VARIANTS must be off or random");
  return raw;
}

export class VariantPicker {
  private mode: "off" | "random";
  private seed: number;
  private force: NonNullable<VariantSettings["force"]>;
  private next: () => number;
  private picked = 0;

  constructor(settings: VariantSettings = {}) {
    this.mode = settings.mode ?? "off";
    this.seed = settings.seed ?? crypto.randomInt(0, 0xffffffff);
    this.force = settings.force ?? {};
    this.next = generator(this.seed);
  }

  /** The forms of a new call. Draws the same number of values whatever is forced, so pinning one form keeps the others. */
  pick(): CallVariant {
    this.picked++;
    const draws = [this.next(), this.next(), this.next(), this.next(), this.next()];
    const drawn: CallVariant =
      this.mode === "random"
        ? {
            idSpelling: draws[0]! < 0.5 ? "dashed" : "hex",
            roster: draws[1]! < 0.5 ? "full" : "delta",
            mediaLater: draws[2]! < 0.5,
            recordingSampleRate: draws[3]! < 0.5 ? 16000 : 8000,
            idlessInvitees: draws[4]! < 0.5,
          }
        : { ...PLAIN_VARIANT };
    return { ...drawn, ...this.force };
  }

  /** Changes the settings; a seed given (or the mode changed) starts the sequence again from the seed. */
  configure(settings: VariantSettings): void {
    if (settings.mode !== undefined) this.mode = settings.mode;
    if (settings.force !== undefined) this.force = settings.force;
    if (settings.seed !== undefined) this.seed = settings.seed;
    if (settings.seed !== undefined || settings.mode !== undefined) this.restart();
  }

  /** Back to the start of the seed's sequence (emulator reset): the next calls get the same forms again. */
  restart(): void {
    this.next = generator(this.seed);
    this.picked = 0;
  }

  view() {
    return { mode: this.mode, seed: this.seed, force: this.force, callsPicked: this.picked };
  }
}
