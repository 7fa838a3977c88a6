import { describe, expect, it } from "vitest";
import { PROMPT_TEXT_MAX, promptErrorOf, promptSaveSchema } from "./schema";

const save = (text: string, over: Record<string, string> = {}) =>
  promptSaveSchema.safeParse({ locale: "pt-BR", key: "reminder", text, expectedUpdatedAt: "", ...over });

describe("prompt text input", () => {
  it("keeps one line of text, trimmed", () => {
    const result = save("  Olá.\r\n\tTecle 1   para confirmar. ");
    expect(result.success && result.data.text).toBe("Olá. Tecle 1 para confirmar.");
    expect(save("x".repeat(PROMPT_TEXT_MAX)).success).toBe(true);
  });

  it("refuses what cannot be spoken or does not exist, with one key", () => {
    const cases: [ReturnType<typeof save>, string][] = [
      [save(""), "required"],
      [save("x".repeat(PROMPT_TEXT_MAX + 1)), "tooLong"],
      [save("bell\u0007"), "invalidCharacters"],
      [save("line\u2028break"), "invalidCharacters"],
      [save("\udc00 lone"), "invalidCharacters"],
      [save("Hi", { locale: "es" }), "unknownPrompt"],
      [save("Hi", { key: "constructor" }), "unknownPrompt"],
      [save("Hi", { expectedUpdatedAt: "2026-13-45" }), "versionInvalid"],
    ];
    for (const [result, key] of cases) {
      expect(result.success).toBe(false);
      expect(promptErrorOf(result.error!)).toBe(key);
    }
    expect(save("Hi", { expectedUpdatedAt: "2026-11-25T16:00:00.123Z" }).success).toBe(true);
  });
});
