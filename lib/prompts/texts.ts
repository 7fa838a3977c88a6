// What the reminder calls and the clinic line say, in the two languages the clinic serves: the defaults, which
// an admin may override per prompt and language (PromptText rows, /admin/prompts). No patient data in any of
// them (no name, no date): the audio is served without authentication so Microsoft's media platform can fetch
// it, and the same file serves every call. Changing a text changes its cache key (lib/prompts/store.ts).
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
] as const;
export type PromptKey = (typeof PROMPT_KEYS)[number];

export const CLINIC_NAME = "Clínica Aurora";

export const DEFAULT_PROMPT_TEXTS: Record<PromptLocale, Record<PromptKey, string>> = {
  "pt-BR": {
    reminder:
      `Olá. Aqui é a ${CLINIC_NAME}, lembrando da sua consulta virtual. ` +
      "Para confirmar, tecle 1. Para cancelar, tecle 2. Para falar com a recepção, tecle 0.",
    confirmed: "Sua consulta está confirmada. Obrigado e até breve.",
    cancelled: "Sua consulta foi cancelada. Para remarcar, fale com a recepção. Até logo.",
    transferring: "Aguarde um momento, vamos transferir você para a recepção.",
    goodbye: `Não recebemos sua resposta. Em caso de dúvida, ligue para a ${CLINIC_NAME}. Até logo.`,
    lineMenu:
      `Olá, você ligou para a ${CLINIC_NAME}. Para ouvir e confirmar sua próxima consulta, tecle 1. ` +
      "Para cancelar, tecle 2. Para falar com a recepção, tecle 0. Ou continue na linha e diga do que precisa.",
    lineSpeak: "Diga, após o sinal, do que você precisa: confirmar, cancelar ou remarcar sua consulta.",
  },
  en: {
    reminder:
      `Hello. This is ${CLINIC_NAME} with a reminder about your virtual appointment. ` +
      "To confirm, press 1. To cancel, press 2. To speak to reception, press 0.",
    confirmed: "Your appointment is confirmed. Thank you, see you soon.",
    cancelled: "Your appointment has been cancelled. To book again, please contact reception. Goodbye.",
    transferring: "Please hold while we transfer you to reception.",
    goodbye: `We did not receive your answer. If you have any questions, please call ${CLINIC_NAME}. Goodbye.`,
    lineMenu:
      `Hello, you have reached ${CLINIC_NAME}. To hear and confirm your next appointment, press 1. ` +
      "To cancel it, press 2. To speak to reception, press 0. Or stay on the line and say what you need.",
    lineSpeak: "After the tone, please say what you need: confirm, cancel or reschedule your appointment.",
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
