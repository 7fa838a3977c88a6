// The in-memory hand-off of key presses (DTMF) to the call flows. A tone is media-derived data that may not be
// persisted (emulator/CONTRACT.md#media-persistence): it lives only in this process, for as long as the handler
// holds it. The call runtime registers the handlers here (setToneHandler, setRecordingHandler); until it has,
// the webhook answers a delivery carrying one 503 (mediaListening), so the platform delivers it again.
import "server-only";
import { logger } from "@/lib/logger";
import type { RecordingEvent, ToneEvent } from "./schema";

export type ToneHandler = (graphCallId: string, tone: ToneEvent) => void;

export type RecordingHandler = (graphCallId: string, recording: RecordingEvent) => void;

const globalForTones = globalThis as unknown as {
  consultaToneHandler?: ToneHandler;
  consultaRecordingHandler?: RecordingHandler;
};

export function setRecordingHandler(handler: RecordingHandler | undefined): void {
  globalForTones.consultaRecordingHandler = handler;
}

/** A finished recordResponse: location and token go to the clinic line in memory and nowhere else. */
export function onRecording(graphCallId: string, recording: RecordingEvent): void {
  const handler = globalForTones.consultaRecordingHandler;
  if (handler) handler(graphCallId, recording);
  else logger.debug({ graphCallId, operationId: recording.operationId }, "recording with no flow listening");
}

/** Whether this process hands key presses and recordings to the flows yet (both handlers are set). */
export function mediaListening(): boolean {
  return Boolean(globalForTones.consultaToneHandler && globalForTones.consultaRecordingHandler);
}

export function setToneHandler(handler: ToneHandler | undefined): void {
  globalForTones.consultaToneHandler = handler;
}

/** Hook for the flows issue: called once per new tone notification, in the process that received it. */
export function onTone(graphCallId: string, tone: ToneEvent): void {
  const handler = globalForTones.consultaToneHandler;
  if (handler) {
    handler(graphCallId, tone);
    return;
  }
  logger.debug({ graphCallId, sequenceId: tone.sequenceId }, "tone received with no flow listening");
}
