// What the reminder calls and the clinic line say, in the two languages the clinic serves: the defaults, which
// an admin may override per prompt and language (PromptText rows, /admin/prompts). A text may hold the
// placeholder {appointment}: on a call it becomes which appointment it is about (day, time in the patient's
// zone, clinician; lib/patient-messages/templates.ts appointmentPhrase), so that call's audio is made for its
// own sentence and cached by that text; elsewhere (the admin's "listen") a generic "your appointment" stands
// in. Never the patient's name. Changing a text changes its cache key (lib/prompts/store.ts).
import "server-only";
import { z } from "zod";

export const PROMPT_LOCALES = ["pt-BR", "en"] as const;
export type PromptLocale = (typeof PROMPT_LOCALES)[number];

export const PROMPT_KEYS = [
  "reminder",
  "confirmed",
  "cancelled",
  "transferring",
  "goodbye",
  "lineMenu",
  "lineSpeak",
  "cancelCheck",
  "kept",
  "rescueOffer",
  "rescueJoining",
  "rescueReschedule",
  "lineJoinVisit",
] as const;
export type PromptKey = (typeof PROMPT_KEYS)[number];

const CLINIC_NAME = "Clínica Aurora";

const DEFAULT_PROMPT_TEXTS: Record<PromptLocale, Record<PromptKey, string>> = {
  "pt-BR": {
    reminder:
      `Olá. Aqui é a ${CLINIC_NAME}, ligando para lembrar {appointment}. ` +
      "Para confirmar, tecle 1. Para cancelar, tecle 2. Para falar com a recepção, tecle 0.",
    confirmed: "Confirmamos {appointment}. Obrigado e até breve.",
    cancelled: "Cancelamos {appointment}. Para remarcar, fale com a recepção. Até logo.",
    transferring: "Aguarde um momento, vamos transferir você para a recepção.",
    goodbye: `Não recebemos sua resposta. Em caso de dúvida, ligue para a ${CLINIC_NAME}. Até logo.`,
    lineMenu:
      `Olá, você ligou para a ${CLINIC_NAME}. Para ouvir e confirmar sua próxima consulta, tecle 1. ` +
      "Para cancelar, tecle 2. Para falar com a recepção, tecle 0. Ou continue na linha e diga do que precisa.",
    lineSpeak: "Diga, após o sinal, do que você precisa: confirmar, cancelar ou remarcar sua consulta.",
    cancelCheck:
      "Você pediu para cancelar {appointment}. Para cancelar, tecle 2 novamente. " +
      "Para manter e confirmar a consulta, tecle 1.",
    kept: "Nada foi cancelado: {appointment} continua marcada. Até logo.",
    // the no-show rescue (lib/rescue): the clinician waits in the meeting, the patient has not joined
    rescueOffer:
      `Olá. Aqui é a ${CLINIC_NAME}. Estão esperando por você: {appointment} já começou, por vídeo. ` +
      "Para entrar agora pelo telefone, tecle 1. Para falar com a recepção, tecle 2. Se não puder vir hoje, tecle 3.",
    rescueJoining: "Vamos colocar você na consulta agora. Aguarde um momento.",
    rescueReschedule: "Tudo bem. Avisamos a recepção, que vai entrar em contato para marcar um novo horário. Até logo.",
    // the clinic line, when the caller's visit starts within 15 minutes or is under way
    lineJoinVisit: "{appointment} está começando. Para entrar agora pelo telefone, tecle 2.",
  },
  en: {
    reminder:
      `Hello. This is ${CLINIC_NAME} calling to remind you of {appointment}. ` +
      "To confirm, press 1. To cancel, press 2. To speak to reception, press 0.",
    confirmed: "We have confirmed {appointment}. Thank you, see you soon.",
    cancelled: "We have cancelled {appointment}. To book again, please contact reception. Goodbye.",
    transferring: "Please hold while we transfer you to reception.",
    goodbye: `We did not receive your answer. If you have any questions, please call ${CLINIC_NAME}. Goodbye.`,
    lineMenu:
      `Hello, you have reached ${CLINIC_NAME}. To hear and confirm your next appointment, press 1. ` +
      "To cancel it, press 2. To speak to reception, press 0. Or stay on the line and say what you need.",
    lineSpeak: "After the tone, please say what you need: confirm, cancel or reschedule your appointment.",
    cancelCheck: "You asked to cancel {appointment}. To cancel it, press 2 again. To keep and confirm it, press 1.",
    kept: "Nothing was cancelled: {appointment} is still booked. Goodbye.",
    rescueOffer:
      `Hello. This is ${CLINIC_NAME}. Your clinician is waiting for you: {appointment} has started, by video. ` +
      "To join now by phone, press 1. To speak to reception, press 2. If you cannot come today, press 3.",
    rescueJoining: "Connecting you to your visit now. Please hold.",
    rescueReschedule: "That's fine. We have told reception, who will contact you to book a new time. Goodbye.",
    lineJoinVisit: "{appointment} is starting. To join it now by phone, press 2.",
  },
};

export const isPromptLocale = (value: unknown): value is PromptLocale =>
  typeof value === "string" && (PROMPT_LOCALES as readonly string[]).includes(value);

export const isPromptKey = (value: unknown): value is PromptKey =>
  typeof value === "string" && (PROMPT_KEYS as readonly string[]).includes(value);

/** A person's locale (pt-BR, pt, en-GB, …) → the prompt language; Portuguese is the clinic's default. */
export function promptLocaleFor(locale: string | null | undefined): PromptLocale {
  return locale?.toLowerCase().startsWith("en") ? "en" : "pt-BR";
}

/** The built-in text (what an admin's "reset to default" goes back to). */
export function promptText(locale: PromptLocale, key: PromptKey): string {
  return DEFAULT_PROMPT_TEXTS[locale][key];
}

/** Where a prompt's text says which appointment the call is about. */
export const APPOINTMENT_PLACEHOLDER = "{appointment}";

/** What stands in for the appointment where none is known (the admin's "listen", a call without one). */
const ANY_APPOINTMENT: Record<PromptLocale, string> = {
  "pt-BR": "sua consulta",
  en: "your appointment",
};

/**
 * The appointment a call is about, as its document keeps it (JSON): enough to say it, never who the patient
 * is. `zone` is the patient's IANA zone, so the time read out is theirs.
 */
export interface SpokenAppointment {
  startsAt: string;
  zone: string;
  clinicianName: string;
}

export const spokenAppointmentSchema = z.object({
  startsAt: z.iso.datetime({ offset: true }),
  zone: z.string().min(1).max(64),
  clinicianName: z.string().min(1).max(200),
}) satisfies z.ZodType<SpokenAppointment>;

/** The sentence as spoken: {appointment} replaced by `phrase` (null: the generic "your appointment"). */
export function withAppointment(text: string, locale: PromptLocale, phrase: string | null): string {
  return text.split(APPOINTMENT_PLACEHOLDER).join(phrase ?? ANY_APPOINTMENT[locale]);
}
