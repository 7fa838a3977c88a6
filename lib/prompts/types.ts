import type { PromptKey, PromptLocale } from "./texts";

export type PromptFormState =
  | { status: "idle" }
  | {
      status: "ok" | "error";
      message: string;
      /** the text to show in the field: what was saved, or what was typed when it failed */
      text: string;
      /** the version shown (for the listen link); null when a failed edit has none */
      version: string | null;
      /** "" = the built-in text is in force */
      updatedAt: string;
      invalid: boolean;
    };

export interface PromptFormProps {
  locale: PromptLocale;
  promptKey: PromptKey;
  text: string;
  defaultText: string;
  version: string;
  updatedAt: string;
  updatedByName: string | null;
}
