import { describe, expect, it } from "vitest";
import { fitSms, foldToGsm7, isGsm7, smsLength } from "./sms-text";

describe("SMS length", () => {
  it("counts GSM-7 septets: 160 in one message, 153 per part after that", () => {
    expect(smsLength("a".repeat(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsLength("a".repeat(161))).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
    expect(smsLength("a".repeat(306)).segments).toBe(2);
    expect(smsLength("a".repeat(307)).segments).toBe(3);
  });

  it("counts the extension table's characters twice", () => {
    expect(smsLength("€").units).toBe(2);
    expect(smsLength("{}").units).toBe(4);
    // 159 plain + one euro = 161 septets: two parts
    expect(smsLength(`${"a".repeat(159)}€`)).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
  });

  it("turns the whole text into UCS-2 for one character outside the alphabet: 70, then 67 per part", () => {
    expect(smsLength("não")).toEqual({ encoding: "UCS-2", units: 3, segments: 1 });
    expect(smsLength(`ã${"a".repeat(69)}`).segments).toBe(1);
    expect(smsLength(`ã${"a".repeat(70)}`).segments).toBe(2);
    expect(smsLength(`ã${"a".repeat(133)}`).segments).toBe(2);
    expect(smsLength(`ã${"a".repeat(134)}`).segments).toBe(3);
    // an emoji is two UTF-16 units
    expect(smsLength("👍").units).toBe(2);
  });

  it("knows which accents the GSM alphabet has", () => {
    expect(isGsm7("é è ù ì ò Ç à ä ö ñ ü Ä Ö Ñ Ü É")).toBe(true);
    for (const char of ["ã", "õ", "á", "í", "ó", "ú", "ê", "ô", "ç", "—", "\u202f"])
      expect(isGsm7(char), char).toBe(false);
  });
});

describe("folding to GSM-7", () => {
  it("drops only the accents the alphabet lacks and plain-types the typography", () => {
    // "à" is in the alphabet and stays
    expect(foldToGsm7("Olá, João: sua consulta às 10:00 — amanhã")).toBe("Ola, Joao: sua consulta às 10:00 - amanha");
    expect(foldToGsm7("café Ñandú")).toBe("café Ñandu");
    expect(foldToGsm7("10:00\u202fAM “ok” …")).toBe('10:00 AM "ok" ...');
    expect(isGsm7(foldToGsm7("Responda SAIR para não receber SMS. Clínica Aurora, Inês, Conceição"))).toBe(true);
  });

  it("keeps what has no plain form, so nothing is lost: the text stays UCS-2", () => {
    const text = "Olá 李 👍";
    const fitted = fitSms(text);
    expect(fitted.text).toBe("Ola 李 👍");
    expect(fitted.length.encoding).toBe("UCS-2");
  });

  it("makes a Portuguese text cheaper: fewer parts than the UCS-2 original", () => {
    const text =
      "Clínica Aurora: Conceição, sua consulta com Dra. Inês foi remarcada para ter., 12 de mar. às 10:00. Não esqueça.";
    expect(smsLength(text).encoding).toBe("UCS-2");
    const fitted = fitSms(text);
    expect(fitted.length.encoding).toBe("GSM-7");
    expect(fitted.length.segments).toBeLessThan(smsLength(text).segments);
  });
});
