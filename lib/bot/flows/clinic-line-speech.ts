// Understanding the clinic line's spoken answer: the transcript (Azure AI Speech, lib/clinic-line/speech-service.ts)
// becomes what the caller asked for, by keywords in both languages. The transcript is never kept.
import "server-only";
import type { Intent } from "./clinic-line-state";

/** Keywords in both languages, on the lowercased transcript without accents; first match in this order. */
const KEYWORDS: [Intent, RegExp][] = [
  // "remarcar"/"reschedule" first: "I want to cancel and reschedule" needs a person
  ["reception", /\b(remarcar|reagendar|reschedule|rebook|recepcao|reception|atendente|pessoa|person|human)\b/],
  ["cancel", /\b(cancelar|cancela|cancelo|cancelamento|cancel|cancelled|canceled)\b/],
  ["confirm", /\b(confirmar|confirma|confirmo|confirmado|confirm|confirmed|yes|sim)\b/],
];

/** Transcript → intent (reception for reschedule), or null when unsure. The transcript is not kept. */
export function intentOf(transcript: string | null | undefined): Intent | null {
  if (!transcript) return null;
  const text = transcript
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  const found = KEYWORDS.filter(([, re]) => re.test(text)).map(([intent]) => intent);
  if (found.length === 0) return null;
  if (found.includes("reception")) return "reception";
  // "confirm … cancel" in one sentence is ambiguous: a person decides
  return found.length === 1 ? found[0]! : null;
}
