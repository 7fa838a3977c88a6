import { parseWav } from "../media/wav";
import { speechDurationMs } from "../media/recordings";
import type { CallRecord, MediaOp, ResultInfo } from "./model";
import { operationResource, RESULTS } from "./serialize";
import { notifyOperation } from "./notify";
import type { EngineState } from "./state";

class Cancelled extends Error {}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Cancelled());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Cancelled());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

interface PromptAudio {
  durationMs: number;
  /** the words the audio says, when it carries them (this emulator's text-to-speech puts them in) */
  text: string;
}

/** Fetches a prompt (GET mediaInfo.uri): its WAV duration and words; cached per call by resourceId/uri. */
async function promptAudio(
  call: CallRecord,
  prompt: { uri: string; resourceId?: string },
  signal: AbortSignal,
): Promise<PromptAudio> {
  const cache = ((call as unknown as { promptCache?: Map<string, PromptAudio> }).promptCache ??= new Map());
  const key = prompt.resourceId ?? prompt.uri;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const res = await fetch(prompt.uri, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
  if (!res.ok) throw new Error(`prompt fetch ${res.status}`);
  const info = parseWav(Buffer.from(await res.arrayBuffer()));
  const audio = { durationMs: info.durationMs, text: info.transcript ?? "" };
  cache.set(key, audio);
  return audio;
}

interface Outcome {
  status: "completed" | "failed";
  info: ResultInfo;
  /** completionReason, as playPromptOperation and recordOperation document it */
  reason: string;
  extra?: Record<string, unknown>;
}

/** Processes the call's playPrompt/recordResponse queue in order, one operation at a time. */
async function runMediaQueue(engine: EngineState, call: CallRecord): Promise<void> {
  if (call.mediaRunning) return;
  call.mediaRunning = true;
  try {
    while (call.mediaQueue.length > 0 && call.state !== "terminated") {
      const op = call.mediaQueue.find((o) => o.status === "running" || o.status === "notStarted");
      if (!op) break;
      op.status = "running";
      if (call.mediaState?.audio !== "active") {
        // played into a line with no audio yet: nobody hears it
        op.beforeAudio = true;
        call.promptsBeforeAudio++;
      }
      let result: Outcome;
      try {
        result = op.type === "playPrompt" ? await playPrompts(engine, call, op) : await record(engine, call, op);
      } catch (err) {
        const cancelled = err instanceof Cancelled;
        result = {
          status: "failed",
          info: cancelled ? RESULTS.cancelled : RESULTS.mediaFetchFailed,
          reason:
            op.type === "playPrompt"
              ? cancelled
                ? "mediaOperationCanceled"
                : "unknown"
              : cancelled
                ? "operationCanceled"
                : "playPromptFailed",
        };
      }
      call.mediaQueue.splice(call.mediaQueue.indexOf(op), 1);
      op.status = result.status;
      if (op.type === "playPrompt" && !op.beforeAudio) call.promptOpsCompleted++;
      // the `completionReason` form: why it finished, with the values the operations' docs give
      const extra = { ...result.extra, ...(call.variant.completionReason && { completionReason: result.reason }) };
      notifyOperation(engine, call, op.id, operationResource(call.id, op, extra, result.info));
      call.events.emit("progress");
    }
  } finally {
    call.mediaRunning = false;
  }
}

async function playPrompts(engine: EngineState, call: CallRecord, op: MediaOp): Promise<Outcome> {
  for (const prompt of op.prompts) {
    const audio = await promptAudio(call, prompt, op.abort.signal).catch((err: unknown) => {
      if (op.abort.signal.aborted) throw new Cancelled();
      throw err;
    });
    // played into a line with audio: the far end hears it from its start
    if (!op.beforeAudio) (call.heard ??= []).push(audio.text);
    await wait(audio.durationMs * engine.deps.limits.mediaSpeedFactor, op.abort.signal);
  }
  return { status: "completed", info: RESULTS.ok, reason: "completedSuccessfully" };
}

/** recordResponse: prompt, then capture what the far end says (or a stop tone / silence timeout). */
async function record(engine: EngineState, call: CallRecord, op: MediaOp): Promise<Outcome> {
  const speed = engine.deps.limits.mediaSpeedFactor;
  const r = op.record!;
  await playPrompts(engine, call, op);
  const outcome = await new Promise<{ kind: "speech"; text: string } | { kind: "tone" } | { kind: "silence" }>(
    (resolve, reject) => {
      const done = (v: { kind: "speech"; text: string } | { kind: "tone" } | { kind: "silence" }) => {
        clearTimeout(timer);
        call.events.off("speech", onSpeech);
        call.events.off("tone", onTone);
        op.abort.signal.removeEventListener("abort", onAbort);
        resolve(v);
      };
      const onSpeech = () => {
        const text = call.pendingSpeech.shift();
        if (text !== undefined) done({ kind: "speech", text });
      };
      const onTone = (key: string) => {
        if (r.stopTones.includes(key)) done({ kind: "tone" });
      };
      const onAbort = () => {
        clearTimeout(timer);
        call.events.off("speech", onSpeech);
        call.events.off("tone", onTone);
        reject(new Cancelled());
      };
      const timer = setTimeout(() => done({ kind: "silence" }), r.initialSilenceMs * speed);
      call.events.on("speech", onSpeech);
      call.events.on("tone", onTone);
      op.abort.signal.addEventListener("abort", onAbort, { once: true });
      onSpeech();
    },
  );
  let text = "";
  let info: ResultInfo = RESULTS.ok;
  let reason = "maxSilenceTimeout";
  let spokenMs = 0;
  if (outcome.kind === "speech") {
    text = outcome.text;
    spokenMs = speechDurationMs(text);
    if (spokenMs > r.maxDurationMs) {
      spokenMs = r.maxDurationMs;
      info = RESULTS.maxRecord;
      reason = "maxRecordDurationReached";
      await wait(spokenMs * speed, op.abort.signal);
    } else {
      // Speaking, then the trailing silence that ends the recording.
      await wait((spokenMs + r.maxSilenceMs) * speed, op.abort.signal);
    }
  } else if (outcome.kind === "tone") {
    info = RESULTS.stopTone;
    reason = "stopToneDetected";
  } else {
    info = RESULTS.initialSilence;
    reason = "initialSilenceTimeout";
  }
  const rec = engine.deps.recordings.create(call.id, text, spokenMs, call.variant.recordingSampleRate);
  return {
    status: "completed",
    info,
    reason,
    extra: { recordingLocation: `${engine.recordingBaseUrl}/${rec.id}`, recordingAccessToken: rec.accessToken },
  };
}

/** Queues a playPrompt / recordResponse operation on the call and starts the queue if it is idle. */
export function enqueueMedia(engine: EngineState, call: CallRecord, op: MediaOp): void {
  if (op.record?.bargeInAllowed) {
    // Barge-in jumps ahead: the running operation is cancelled and this one runs next.
    const running = call.mediaQueue.find((o) => o.status === "running");
    running?.abort.abort();
    const idx = running ? call.mediaQueue.indexOf(running) + 1 : 0;
    call.mediaQueue.splice(idx, 0, op);
  } else {
    call.mediaQueue.push(op);
  }
  void runMediaQueue(engine, call);
}

export function cancelMedia(call: CallRecord): void {
  for (const op of call.mediaQueue) op.abort.abort();
}
