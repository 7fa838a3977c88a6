// The call runtime bound to the app: its connections, the Graph gateway, the prompt store, and the flow of
// each call purpose — the reminder call, the clinic line, the bot's meeting attendance, the no-show rescue.
// One per process.
import "server-only";
import { perProcess } from "@/lib/per-process";
import { clinicLine } from "@/lib/clinic-line";
import { receptionUser } from "@/lib/clinic-line/reception";
import { serverEnv, tenantId } from "@/lib/env";
import { graphForApp } from "@/lib/graph";
import { logger } from "@/lib/logger";
import { promptStore } from "@/lib/prompts/store";
import { reminders } from "@/lib/reminders";
import { rescues } from "@/lib/rescue";
import { attendanceFlow } from "../flows/attendance-flow";
import { keyOfTone, normaliseGraphId } from "../schema";
import { setRecordingHandler, setToneHandler } from "../tones";
import { callSql } from "../wiring";
import { callRuntime, type CallRuntime } from "./engine";
import { commandRunner } from "./runner";

export function appCallRuntime(): CallRuntime {
  return perProcess("callRuntime", () => {
    const env = serverEnv();
    return callRuntime({
      sql: callSql(),
      runner: commandRunner({
        calls: graphForApp().calls,
        publicBaseUrl: env.PUBLIC_BASE_URL,
        prompts: promptStore(),
        tenantId: tenantId(env),
        receptionUserId: receptionUser()?.id ?? null,
      }),
      flows: {
        REMINDER: reminders().flow,
        CLINIC_LINE: clinicLine().flow,
        MEETING_JOIN: attendanceFlow,
        GROUP_CALL: attendanceFlow,
        RESCUE: rescues().flow,
      },
      slots: env.CALL_RUNTIME_SLOTS,
    });
  });
}

/**
 * Key presses and finished recordings reach this process's webhook in memory (lib/bot/tones.ts): the runtime
 * steps the call's flow with them here, holding the call. Every process that serves the webhook listens,
 * including web servers that run no workers (CONSULTA_WORKERS=off).
 */
export function listenForCallMedia(): void {
  setToneHandler((graphCallId, tone) => {
    const key = keyOfTone(tone.tone);
    if (!key) return;
    const id = normaliseGraphId(graphCallId);
    // named by its notification, so that it is stepped in arrival order where that notification is applied
    const after = tone.sequenceId === null ? null : `tone:${tone.sequenceId}`;
    void appCallRuntime()
      .deliver(id, { type: "tone", key }, {}, after)
      .catch((error: unknown) => logger.warn({ err: error, graphCallId: id }, "key press not handled"));
  });
  setRecordingHandler((graphCallId, recording) => {
    const id = normaliseGraphId(graphCallId);
    const event = {
      type: "recordFinished" as const,
      operationId: recording.operationId,
      ok: recording.ok,
      hasRecording: Boolean(recording.location && recording.accessToken),
    };
    void appCallRuntime()
      .deliver(id, event, { recording }, `record:${recording.operationId}`)
      .catch((error: unknown) => logger.warn({ err: error, graphCallId: id }, "recording not handled"));
  });
}
