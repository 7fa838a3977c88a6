// GET /api/prompts/{locale}/{key}.wav?v={version}: the calls' prompt audio (WAV 16 kHz mono 16-bit), fetched
// by Microsoft's media platform without credentials. The texts never name the patient; one about an appointment
// says its day, time and clinician (lib/prompts/texts.ts), so `v` — the text's hash, keyed with the server's
// secret (lib/prompts/store.ts) — cannot be guessed from such a sentence.
import { handlePromptRequest, promptStore } from "@/lib/prompts/store";

export const runtime = "nodejs";

export async function GET(request: Request, context: { params: Promise<{ locale: string; key: string }> }) {
  const { locale, key } = await context.params;
  return handlePromptRequest(promptStore(), locale, key, new URL(request.url).searchParams.get("v"));
}
