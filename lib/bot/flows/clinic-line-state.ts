// The clinic line's IVR (lib/bot/flows/clinic-line.ts): what it stores (Call.flow, read back with its schema),
// the events it hears and the commands it gives. The stored state names steps, operation ids and the languages
// chosen — never a key, a recording, its location or a transcript (emulator/CONTRACT.md#media-persistence).
import "server-only";
import { z } from "zod";
import type { RuntimeEvent } from "@/lib/bot/runtime/flow";
import {
  PROMPT_LOCALES,
  spokenAppointmentSchema,
  type PromptKey,
  type PromptLocale,
  type SpokenAppointment,
} from "@/lib/prompts/texts";

export type LineOutcome =
  "CONFIRMED" | "CANCELLED" | "KEPT" | "TRANSFERRED" | "JOINED" | "REJECTED" | "REDIRECTED" | "ABANDONED" | "FAILED";

type LineStep =
  | "screening"
  | "answering"
  | "visit-offer"
  | "menu"
  | "listening"
  | "understanding"
  | "looking"
  | "checking"
  | "acting"
  | "joining"
  | "handing-over"
  | "transferring"
  | "closing"
  | "ending"
  | "done";

export type LineAction = "confirm" | "cancel";
export type Intent = LineAction | "reception";

export interface LineState {
  step: LineStep;
  /** the playPrompt / recordResponse operation the flow waits for */
  waitingFor: string | null;
  outcome: LineOutcome | null;
  established: boolean;
  /** the prompts' language, and the BCP-47 language Speech listens for (the caller's, when known) */
  locale: PromptLocale;
  speechLanguage: string;
  /**
   * The patient whose number matched the caller's when the call was answered (what 1, 2 and a spoken
   * request act on); forgotten when the flow ends. Never the caller's number.
   */
  patientId: string | null;
  /** the appointment the action acted on, which the closing prompt names; forgotten when the flow ends */
  about: SpokenAppointment | null;
  /**
   * The caller's visit starting within 15 minutes (or under way) whose meeting the bot is in, found at answer
   * time: 2 moves the call into it. Forgotten when the flow ends.
   */
  visit: JoinableVisit | null;
  /** the meeting call's invite operation that moves this call into the visit */
  joinOperation: string | null;
  /** how many times "cancel?" (cancelCheck) was asked on this call */
  asked: number;
}

export interface JoinableVisit {
  appointmentId: string;
  about: SpokenAppointment;
}

/** The rules' decision, carried out: the call was answered (into the IVR), rejected, redirected, or it failed. */
export type Screening = "answer" | "reject" | "redirect" | "failed";

/** The stored state, read back with this schema (never cast). */
export const lineStateSchema = z.object({
  step: z.enum([
    "screening",
    "answering",
    "visit-offer",
    "menu",
    "listening",
    "understanding",
    "looking",
    "checking",
    "acting",
    "joining",
    "handing-over",
    "transferring",
    "closing",
    "ending",
    "done",
  ]),
  waitingFor: z.string().nullable(),
  outcome: z
    .enum(["CONFIRMED", "CANCELLED", "KEPT", "TRANSFERRED", "JOINED", "REJECTED", "REDIRECTED", "ABANDONED", "FAILED"])
    .nullable(),
  established: z.boolean(),
  locale: z.enum(PROMPT_LOCALES),
  speechLanguage: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/),
  patientId: z.uuid().nullable(),
  // documents stored before the prompts named the appointment have none
  about: spokenAppointmentSchema.nullable().default(null),
  // documents stored before a visit could be joined from the line have neither
  visit: z.object({ appointmentId: z.uuid(), about: spokenAppointmentSchema }).nullable().default(null),
  joinOperation: z.string().nullable().default(null),
  // documents stored before 2 was asked back have none
  asked: z.number().int().min(0).max(10).default(0),
}) satisfies z.ZodType<LineState>;

/**
 * What the IVR hears: the runtime's events (the call's notifications, key presses and recordings in memory,
 * the Graph commands' answers, `stalled`; `established.audioActive` false: answered, the audio not connected
 * yet; `recordFinished.hasRecording`: a location came with it, in memory only) and its domain actions' answers.
 */
export type LineEvent =
  | RuntimeEvent
  | {
      type: "screened";
      action: Screening;
      locale?: PromptLocale;
      speechLanguage?: string;
      patientId?: string | null;
      visit?: JoinableVisit | null;
    }
  /** the meeting's call accepted the invitation that moves this call into the visit */
  | { type: "joinStarted"; operationId: string }
  | { type: "joinFailed" }
  /** what the caller asked for, from the transcript (discarded); null = unsure */
  | { type: "understood"; intent: Intent | null }
  /** `about`: the appointment confirmed or cancelled, for the prompt that says so */
  | { type: "actionDone"; action: LineAction; about?: SpokenAppointment | null }
  | { type: "noAppointment"; action: LineAction }
  /** the answer of lookUp: the caller's next live appointment, which "cancel?" names */
  | { type: "found"; about: SpokenAppointment }
  | { type: "actionFailed"; action: LineAction };

export type LineCommand =
  /** the rules decide (the caller read from Graph), and the call is rejected, redirected or answered */
  | { type: "screen" }
  | { type: "subscribeToTone" }
  /** cancelMediaProcessing: what is playing (or recording) stops, a key answered it; its end comes as failed */
  | { type: "stopPrompts" }
  /** answer with playStarted / playFailed (and promptFinished if already finished); about: what it names */
  | { type: "play"; prompt: PromptKey; about?: SpokenAppointment | null }
  /** recordResponse with the one prompt; answer with recordStarted / recordFailed */
  | { type: "record"; prompt: PromptKey }
  /** download the recording of `operationId`, transcribe, classify, discard; answer with understood */
  | { type: "understand"; operationId: string }
  /** the caller's next live appointment, to ask about cancelling it; answer with found / noAppointment */
  | { type: "lookUp" }
  /** the caller's next live appointment, by their phone; answer with actionDone / noAppointment / actionFailed */
  | { type: "confirm" }
  | { type: "cancel" }
  /** move the call into the caller's visit (invite with replacesCallId); answer with joinStarted / joinFailed */
  | { type: "joinVisit" }
  | { type: "transfer" }
  | { type: "hangUp" }
  | { type: "finish"; outcome: LineOutcome; reason: string };

export interface LineTransition {
  state: LineState;
  commands: LineCommand[];
}

/** A new incoming call, before the rules have seen it. */
export const screeningLineState = (): LineState => ({
  step: "screening",
  waitingFor: null,
  outcome: null,
  established: false,
  locale: "pt-BR",
  speechLanguage: "pt-BR",
  patientId: null,
  about: null,
  visit: null,
  joinOperation: null,
  asked: 0,
});

/** An answered call, waiting for it to be established. */
export const initialLineState = (): LineState => ({ ...screeningLineState(), step: "answering" });
