import "server-only";
import type { BotNotification } from "@/lib/bot/schema";

/** What a call flow (reminder, clinic line) needs to hear from the call's own notifications. */
export type CallLifecycleEvent =
  /** someone calls the bot: the call is new (`created`) and waits to be answered, rejected or redirected */
  | { type: "incoming" }
  /**
   * The call is up. `audioActive`: its audio mediaState is active too. Graph reports `established` first and
   * the audio in a later update (which repeats `established`): a prompt played before it is not heard.
   */
  | { type: "established"; audioActive?: boolean }
  | { type: "transferFailed" }
  | { type: "terminated"; resultCode: number | null; resultSubcode: number | null }
  | { type: "promptFinished"; operationId: string; ok: boolean };

/**
 * Turns a notification into the flow event it means, or null. A call back in `established` with a
 * failing result is a transfer that did not go through (emulator/CONTRACT.md#transfer); `deleted` is the end.
 */
export function lifecycleEventOf(n: BotNotification): CallLifecycleEvent | null {
  if (n.kind === "call") {
    if (n.changeType === "created") return { type: "incoming" };
    if (n.changeType === "deleted" || n.state === "terminated") {
      return {
        type: "terminated",
        resultCode: n.resultInfo?.code ?? null,
        resultSubcode: n.resultInfo?.subcode ?? null,
      };
    }
    const audioActive = n.mediaAudio === "active";
    if (n.state === "established") {
      const failed = n.resultInfo?.code !== undefined && n.resultInfo.code !== null && n.resultInfo.code >= 400;
      return failed ? { type: "transferFailed" } : { type: "established", audioActive };
    }
    // an update that carries only the mediaState is about an established call as well
    if (!n.state && audioActive) return { type: "established", audioActive };
    return null;
  }
  if (n.kind === "operation" && n.operationKind === "playPrompt") {
    const finished = n.status === "completed" || n.status === "failed" || n.changeType === "deleted";
    if (!finished) return null;
    return {
      type: "promptFinished",
      operationId: n.operationId,
      ok: n.status !== "failed" && (n.resultInfo?.code ?? 200) < 400,
    };
  }
  return null;
}
