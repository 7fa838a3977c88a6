// GET /api/prompts/{locale}/{key}.wav?v={version}: the calls' prompt audio (WAV 16 kHz mono 16-bit), fetched
// by Microsoft's media platform without credentials. The texts hold no patient data (lib/prompts/texts.ts);
// `v` is the hash of the text the URL was made for (lib/prompts/store.ts).
import { handlePromptRequest, promptStore } from "@/lib/prompts/store";

export const runtime = "nodejs";

export async function GET(request: Request, context: { params: Promise<{ locale: string; key: string }> }) {
  const { locale, key } = await context.params;
  return handlePromptRequest(promptStore(), locale, key, new URL(request.url).searchParams.get("v"));
}
