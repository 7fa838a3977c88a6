// The calling API's media actions (service-hosted media): prompts, a recorded answer, key presses, and
// stopping what is playing. Each answers with an operation whose end arrives later as a notification.
import "server-only";
import type { MediaPrompt } from "@microsoft/microsoft-graph-types";
import { callPath, checkClientContext, operationSchema, parse, type CommsOperationResult } from "./call-requests";
import type { GraphClient } from "./client";

export interface PromptInput {
  /** WAV, mono, 16-bit, 16 kHz. */
  uri: string;
  resourceId?: string;
}

function mediaPrompt(prompt: PromptInput): MediaPrompt {
  return {
    "@odata.type": "#microsoft.graph.mediaPrompt",
    mediaInfo: {
      "@odata.type": "#microsoft.graph.mediaInfo",
      uri: prompt.uri,
      ...(prompt.resourceId ? { resourceId: prompt.resourceId } : {}),
    },
  } as MediaPrompt;
}

export async function playPrompt(
  client: GraphClient,
  callId: string,
  options: { prompts: PromptInput[]; clientContext?: string },
): Promise<CommsOperationResult> {
  if (options.prompts.length < 1 || options.prompts.length > 20) throw new RangeError("playPrompt takes 1–20 prompts");
  checkClientContext(options.clientContext);
  const response = await client.request("POST", `${callPath(callId)}/playPrompt`, {
    prompts: options.prompts.map(mediaPrompt),
    ...(options.clientContext !== undefined ? { clientContext: options.clientContext } : {}),
  });
  return parse(operationSchema, response.body, "playPrompt operation");
}

export interface RecordResponseOptions {
  /** At most one prompt, played before recording. */
  prompt?: PromptInput;
  bargeInAllowed?: boolean;
  initialSilenceTimeoutInSeconds?: number;
  maxSilenceTimeoutInSeconds?: number;
  maxRecordDurationInSeconds?: number;
  playBeep?: boolean;
  stopTones?: string[];
  clientContext?: string;
}

/**
 * Records a short answer. The recording must be processed transiently and never stored
 * (emulator/CONTRACT.md#media-persistence).
 */
export async function recordResponse(
  client: GraphClient,
  callId: string,
  options: RecordResponseOptions = {},
): Promise<CommsOperationResult> {
  checkClientContext(options.clientContext);
  for (const key of ["initialSilenceTimeoutInSeconds", "maxSilenceTimeoutInSeconds", "maxRecordDurationInSeconds"]) {
    const value = options[key as keyof RecordResponseOptions] as number | undefined;
    if (value !== undefined && (value < 1 || value > 120)) throw new RangeError(`${key} is 1–120 seconds`);
  }
  const { prompt, ...rest } = options;
  const response = await client.request("POST", `${callPath(callId)}/recordResponse`, {
    ...rest,
    ...(prompt ? { prompts: [mediaPrompt(prompt)] } : {}),
  });
  return parse(operationSchema, response.body, "recordResponse operation");
}

/** The media actions whose body is only the optional clientContext, each answered by an operation. */
async function postBareMediaAction(
  client: GraphClient,
  callId: string,
  action: "subscribeToTone" | "cancelMediaProcessing",
  clientContext: string | undefined,
): Promise<CommsOperationResult> {
  checkClientContext(clientContext);
  const response = await client.request("POST", `${callPath(callId)}/${action}`, {
    ...(clientContext !== undefined ? { clientContext } : {}),
  });
  return parse(operationSchema, response.body, `${action} operation`);
}

/**
 * Tones then arrive as call notifications with toneInfo; they must not be persisted
 * (emulator/CONTRACT.md#media-persistence).
 */
export function subscribeToTone(
  client: GraphClient,
  callId: string,
  options: { clientContext?: string } = {},
): Promise<CommsOperationResult> {
  return postBareMediaAction(client, callId, "subscribeToTone", options.clientContext);
}

/**
 * Stops the prompts playing or queued on the call (call: cancelMediaProcessing): a key that answers a prompt
 * acts at once, and what the bot says next is not queued behind the rest of it. The stopped operations end
 * with their own notification (status failed, completionReason mediaOperationCanceled).
 */
export function cancelMediaProcessing(
  client: GraphClient,
  callId: string,
  options: { clientContext?: string } = {},
): Promise<CommsOperationResult> {
  return postBareMediaAction(client, callId, "cancelMediaProcessing", options.clientContext);
}
