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
 * - roster: every roster update lists everyone present ("full"), only who changed ("delta": the mute
 *   example lists only the muted person), or only who changed inside v1.0's deltaParticipants
 *   ({sequenceNumber, participants}; what callOptions.isDeltaRosterEnabled asks for, which gives it to any call).
 * - departures: someone who left is listed once with a `removedState` in the next update, or in a `deleted`
 *   change on the call's participants of its own (deltaParticipants: "creation, update, or deletion").
 * - mediaLater: `established` first, the audio `mediaState` in an update of its own a little later (the
 *   create-call sequence), instead of straight after it.
 * - recordingSampleRate: recordResponse recordings at 16 kHz or 8 kHz.
 * - idlessInvitees: an invitee who is still ringing is in the roster with `id: null` (the PSTN invite
 *   example's roster).
 * - incoming: an incoming call's `created` carries the call in full (the answer examples), only its id and
 *   state ("minimal": the rest is read with GET), or in full with `callRoutes` saying how the call reached the
 *   bot ("routed": the caller dialled the clinic's number, forwarded to the bot).
 * - botIdentity: in a call placed from an application instance (a resource account), the bot's own participant
 *   is the `application` or that `applicationInstance`.
 * - completionReason: a finished playPrompt or recordResponse says why in `completionReason` with the values the
 *   operations' docs give (unknown / completedSuccessfully / mediaOperationCanceled; operationCanceled,
 *   stopToneDetected, maxRecordDurationReached, initialSilenceTimeout, maxSilenceTimeout, playPromptFailed, ...),
 *   or carries none (v1.0's schema does not declare it; the operations are open types).
 * - endCode: which of the documented result codes for the same ending a call gets (0, 1 or 2; a list shorter than
 *   that wraps): the bot hung up 7000 / 10550 / 5001, a Teams user hung up 4521 / 4097 / 18503, a phone user
 *   540000 / 560000, a group call emptied 5002 / 5010 / 5012 (serialize.ts ENDINGS).
 * - batched: notifications raised at the same moment for a call go in one POST (value[] holds several; the
 *   docs: "one POST may carry several notifications"), or one POST each.
 * - unknownItem: the POST that says the call is established also carries an item the bot does not know (an
 *   audio routing group of the call), which it must skip.
 */
export interface CallVariant {
  idSpelling: "dashed" | "hex";
  roster: "full" | "delta" | "deltaParticipants";
  departures: "removedState" | "deleted";
  mediaLater: boolean;
  recordingSampleRate: 16000 | 8000;
  idlessInvitees: boolean;
  incoming: "full" | "minimal" | "routed";
  botIdentity: "application" | "applicationInstance";
  completionReason: boolean;
  endCode: 0 | 1 | 2;
  batched: boolean;
  unknownItem: boolean;
}

/** The forms the emulator produced before it had variants; what "off" gives every call. */
export const PLAIN_VARIANT: CallVariant = {
  idSpelling: "dashed",
  roster: "full",
  departures: "removedState",
  mediaLater: false,
  recordingSampleRate: 16000,
  idlessInvitees: false,
  incoming: "full",
  botIdentity: "application",
  completionReason: false,
  endCode: 0,
  batched: false,
  unknownItem: false,
};

export const variantSettingsSchema = z.object({
  /** off: every call gets PLAIN_VARIANT; random: each form is drawn per call */
  mode: z.enum(["off", "random"]).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  /** forms every call gets whatever the mode (a test pins the one it is about) */
  force: z
    .object({
      idSpelling: z.enum(["dashed", "hex"]).optional(),
      roster: z.enum(["full", "delta", "deltaParticipants"]).optional(),
      departures: z.enum(["removedState", "deleted"]).optional(),
      mediaLater: z.boolean().optional(),
      recordingSampleRate: z.union([z.literal(16000), z.literal(8000)]).optional(),
      idlessInvitees: z.boolean().optional(),
      incoming: z.enum(["full", "minimal", "routed"]).optional(),
      botIdentity: z.enum(["application", "applicationInstance"]).optional(),
      completionReason: z.boolean().optional(),
      endCode: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
      batched: z.boolean().optional(),
      unknownItem: z.boolean().optional(),
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
    const draw = () => this.next();
    const half = () => draw() < 0.5;
    const third = <T>(a: T, b: T, c: T): T => {
      const v = draw();
      return v < 1 / 3 ? a : v < 2 / 3 ? b : c;
    };
    // every value is drawn, in this order, whatever the mode, so the sequence stays the seed's
    const drawn: CallVariant = {
      idSpelling: half() ? "dashed" : "hex",
      roster: third("full", "delta", "deltaParticipants"),
      departures: half() ? "removedState" : "deleted",
      mediaLater: half(),
      recordingSampleRate: half() ? 16000 : 8000,
      idlessInvitees: half(),
      incoming: third("full", "minimal", "routed"),
      botIdentity: half() ? "application" : "applicationInstance",
      completionReason: half(),
      endCode: third(0, 1, 2),
      batched: half(),
      unknownItem: half(),
    };
    return { ...(this.mode === "random" ? drawn : PLAIN_VARIANT), ...this.force };
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
