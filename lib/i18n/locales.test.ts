import { describe, expect, it } from "vitest";
import { isLocale, localeFromAcceptLanguage } from "./locales";

describe("localeFromAcceptLanguage", () => {
  it("maps any Portuguese or English variant to a supported locale", () => {
    expect(localeFromAcceptLanguage("pt-PT,pt;q=0.9")).toBe("pt-BR");
    expect(localeFromAcceptLanguage("en-GB,en;q=0.8")).toBe("en");
  });
  it("honours quality values", () => {
    expect(localeFromAcceptLanguage("fr;q=1, en;q=0.5, pt;q=0.9")).toBe("pt-BR");
    expect(localeFromAcceptLanguage("de, en;q=0.2")).toBe("en");
  });
  it("falls back to Brazilian Portuguese", () => {
    expect(localeFromAcceptLanguage(null)).toBe("pt-BR");
    expect(localeFromAcceptLanguage("ja, de;q=0.5, en;q=0")).toBe("pt-BR");
  });
  it("recognises only supported locales", () => {
    expect(isLocale("en")).toBe(true);
    expect(isLocale("pt")).toBe(false);
  });
});
