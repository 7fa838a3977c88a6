import { headerValue, HttpError, sendJson } from "../http/context";
import type { Router } from "../http/router";
import type { RecordingStore } from "./recordings";
import { parseWav } from "./wav";

/**
 * recordingLocation downloads (emulator/CONTRACT.md#record-response) and an Azure AI Speech short-audio REST
 * stand-in that "recognises" recordings made by this emulator (their transcript travels inside the WAV).
 */
export function registerMediaRoutes(
  router: Router,
  deps: { recordings: RecordingStore; /** Empty = any key accepted. */ speechKey: string },
): void {
  router.on("GET", "/_media/recordings/:id", (ctx) => {
    const rec = deps.recordings.get(ctx.params.id!);
    if (!rec) throw new HttpError(404, "itemNotFound", "The recording does not exist or was discarded.");
    const auth = headerValue(ctx.req, "authorization");
    if (auth !== `Bearer ${rec.accessToken}`)
      throw new HttpError(401, "InvalidAuthenticationToken", "A valid recordingAccessToken is required.");
    ctx.res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": rec.wav.length,
      "request-id": ctx.requestId,
      "Cache-Control": "no-store",
    });
    ctx.res.end(rec.wav);
  });

  router.on("POST", "/speech/recognition/conversation/cognitiveservices/v1", async (ctx) => {
    const key = headerValue(ctx.req, "ocp-apim-subscription-key");
    const bearer = headerValue(ctx.req, "authorization");
    if (!key && !bearer?.startsWith("Bearer ")) {
      ctx.res
        .writeHead(401, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "401", message: "Access denied due to missing subscription key." } }));
      return;
    }
    if (key && deps.speechKey && key !== deps.speechKey) {
      ctx.res
        .writeHead(401, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "401", message: "Access denied due to invalid subscription key." } }));
      return;
    }
    const language = ctx.url.searchParams.get("language");
    if (!language) {
      ctx.res
        .writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "400", message: "The language query parameter is required." } }));
      return;
    }
    let info;
    try {
      info = parseWav(await ctx.rawBody());
    } catch {
      ctx.res
        .writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: { code: "400", message: "The audio must be a RIFF WAV (PCM) file." } }));
      return;
    }
    // The service takes WAV PCM at 16 kHz, mono, 16-bit, and reads the samples at the rate the Content-Type
    // declares: audio sent as another rate than declared plays too fast or too slow, and nothing is recognised.
    const declared = Number(/samplerate=(\d+)/i.exec(headerValue(ctx.req, "content-type") ?? "")?.[1] ?? 16_000);
    if (declared !== 16_000 || info.channels !== 1 || info.bitsPerSample !== 16) {
      ctx.res.writeHead(400, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          error: { code: "400", message: "Unsupported audio format: WAV PCM 16 kHz, mono, 16-bit only." },
        }),
      );
      return;
    }
    if (info.sampleRate !== declared)
      return sendJson(ctx, 200, { RecognitionStatus: "NoMatch", Offset: 0, Duration: info.durationMs * 10_000 });
    const text = info.transcript?.trim() ?? "";
    // Durations are in 100-ns ticks like the real service.
    if (!text)
      return sendJson(ctx, 200, {
        RecognitionStatus: "InitialSilenceTimeout",
        Offset: 0,
        Duration: info.durationMs * 10_000,
      });
    sendJson(ctx, 200, {
      RecognitionStatus: "Success",
      DisplayText: text,
      Offset: 0,
      Duration: info.durationMs * 10_000,
    });
  });
}
