// How long an SMS really is. A text made only of the GSM 03.38 alphabet travels 7 bits a character: 160 in
// one message, 153 per part once it is split (the rest of each part carries the header that joins them).
// One character outside it — a Portuguese "ã", a typographic dash, the narrow space Intl puts before "PM" —
// turns the whole text into UCS-2: 70 in one message, 67 per part. Carriers bill per part, and a long text
// may arrive out of order on older phones, so texts are kept in GSM-7 where the reader loses nothing by it.
import "server-only";

// The basic table, in table order (3GPP TS 23.038 §6.2.1); the escape (0x1B) is not a character.
const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
// Reached through the escape: each costs two septets.
const GSM7_EXTENSION = "\f^{}\\[~]|€";

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

type SmsEncoding = "GSM-7" | "UCS-2";

export interface SmsLength {
  encoding: SmsEncoding;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  segments: number;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (!basic.has(char) && !extension.has(char)) return false;
  return true;
}

export function smsLength(text: string): SmsLength {
  if (isGsm7(text)) {
    let units = 0;
    for (const char of text) units += extension.has(char) ? 2 : 1;
    return { encoding: "GSM-7", units, segments: units === 0 ? 1 : units <= 160 ? 1 : Math.ceil(units / 153) };
  }
  // UTF-16 code units: a character beyond the BMP (an emoji) takes two
  const units = text.length;
  return { encoding: "UCS-2", units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

// Typography that looks the same to a reader in plain ASCII.
const PLAIN: Record<string, string> = {
  "\u00a0": " ",
  "\u202f": " ",
  "\u2009": " ",
  "\u2013": "-",
  "\u2014": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2026": "...",
  "\u00b7": "-",
  ª: "a",
  º: "o",
};

/**
 * The same text in the GSM alphabet where that costs the reader nothing: accents the alphabet lacks are
 * dropped (ã → a, ç → c, ê → e; é, ü and the others it has are kept), typographic spaces, dashes and quotes
 * become plain ones. Characters with no plain form (other scripts, emoji) are left as they are, so the text
 * stays UCS-2 rather than losing them.
 */
export function foldToGsm7(text: string): string {
  let out = "";
  for (const char of text) {
    if (basic.has(char) || extension.has(char)) out += char;
    else if (PLAIN[char] !== undefined) out += PLAIN[char];
    else {
      const bare = char.normalize("NFD").replace(/\p{M}+/gu, "");
      out += bare && [...bare].every((c) => basic.has(c)) ? bare : char;
    }
  }
  return out;
}

/** The text to send: folded to GSM-7 when that is possible, with its length. */
export function fitSms(text: string): { text: string; length: SmsLength } {
  const folded = foldToGsm7(text);
  return { text: folded, length: smsLength(folded) };
}
