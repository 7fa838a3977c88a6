// The one runner of Graph commands on a held call (play, record, stop prompts, subscribe to tones, transfer, hang up,
// keepAlive, invite). A command's failure is not thrown: it becomes the event the flow reacts to, and the
// operations Graph started are handed back to be written with the turn's next save, so a command costs its
// Graph request and no transaction of its own. Logs carry call ids and statuses only.
import "server-only";
import type { InvitationParticipantInfo } from "@microsoft/microsoft-graph-types";
import { target, userIdentity } from "@/lib/graph/call-identities";
import type { CallsApi } from "@/lib/graph/gateway";
import { isNotFound } from "@/lib/graph/errors";
import { graphIdForRequest } from "@/lib/graph/ids";
import { logger } from "@/lib/logger";
import { promptUri, type PromptStore } from "@/lib/prompts/store";
import type { PromptLocale } from "@/lib/prompts/texts";
import type { GraphCommand, RuntimeEvent } from "./flow";

export interface RunnerDeps {
  calls: CallsApi;
  /** PUBLIC_BASE_URL: prompt audio is served under it */
  publicBaseUrl: string;
  prompts: PromptStore;
  tenantId: string;
  /** Entra object id of the reception's Teams user (RECEPTION_USER_ID): where transfers go */
  receptionUserId: string | null;
}

/** An operation Graph started, to be recorded (CallOperation) in the turn's next transaction. */
interface StartedOperation {
  graphOperationId: string;
  kind: string;
  status: "RUNNING" | "COMPLETED" | "FAILED";
  clientContext: string;
}

export interface CommandTarget {
  /** Call.id, for logs */
  callId: string;
  graphCallId: string;
  locale: PromptLocale;
  /** prefix of the operations' clientContext ("reminder", "line") */
  context: string;
}

export interface CommandResult {
  events: RuntimeEvent[];
  operation?: StartedOperation;
}

const statusOf = (error: unknown) => (error as { status?: number } | null)?.status ?? null;

const operationStatus = (status: string | null) =>
  status === "completed" ? "COMPLETED" : status === "failed" ? "FAILED" : "RUNNING";

// recordResponse: a short answer after the prompt (what the clinic line's IVR asks for)
const RECORD_OPTIONS = {
  bargeInAllowed: true,
  playBeep: true,
  initialSilenceTimeoutInSeconds: 5,
  maxSilenceTimeoutInSeconds: 2,
  maxRecordDurationInSeconds: 10,
  stopTones: ["#"],
};

export function commandRunner(deps: RunnerDeps) {
  async function run(call: CommandTarget, command: GraphCommand): Promise<CommandResult> {
    const callId = graphIdForRequest(call.graphCallId);
    const log = { callId: call.callId };
    switch (command.type) {
      case "subscribeToTone":
        try {
          await deps.calls.subscribeToTone(callId, { clientContext: `${call.context}:${call.callId}` });
        } catch (error) {
          // the prompt still plays; keys will not come, and the flow ends as for silence
          logger.warn({ ...log, status: statusOf(error) }, "subscribeToTone failed");
        }
        return { events: [] };
      case "play":
      case "record": {
        const clientContext = `${call.context}:${command.prompt}`;
        try {
          // the text in force now (an admin may have edited it), said about the call's appointment: its hash
          // is in the URL
          const about = command.type === "play" ? command.about : null;
          const prompt = await promptUri(deps.publicBaseUrl, deps.prompts, call.locale, command.prompt, about);
          const op =
            command.type === "play"
              ? await deps.calls.playPrompt(callId, { prompts: [prompt], clientContext })
              : await deps.calls.recordResponse(callId, { prompt, ...RECORD_OPTIONS, clientContext });
          const operation: StartedOperation = {
            graphOperationId: op.id,
            kind: command.type === "play" ? "playPrompt" : "record",
            status: operationStatus(op.status),
            clientContext,
          };
          if (command.type === "record") return { events: [{ type: "recordStarted", operationId: op.id }], operation };
          const events: RuntimeEvent[] = [{ type: "playStarted", operationId: op.id }];
          // an operation that is already finished in the response gets no notification
          if (operation.status !== "RUNNING")
            events.push({ type: "promptFinished", operationId: op.id, ok: operation.status === "COMPLETED" });
          return { events, operation };
        } catch (error) {
          logger.warn({ ...log, status: statusOf(error) }, `${command.type} failed`);
          return { events: [{ type: command.type === "play" ? "playFailed" : "recordFailed" }] };
        }
      }
      case "stopPrompts":
        try {
          await deps.calls.cancelMediaProcessing(callId, { clientContext: `${call.context}:stop` });
        } catch (error) {
          // the prompt plays to its end and what comes next waits for it: late, not lost
          logger.warn({ ...log, status: statusOf(error) }, "cancelMediaProcessing failed");
        }
        return { events: [] };
      case "transfer":
        if (!deps.receptionUserId) {
          logger.warn(log, "no reception user configured (RECEPTION_USER_ID)");
          return { events: [{ type: "transferFailed" }] };
        }
        try {
          // accepted: the outcome comes as the call's state (terminated 7015, or back to established)
          await deps.calls.transfer(callId, {
            transferTarget: target(userIdentity(deps.receptionUserId, undefined, deps.tenantId)),
          });
          return { events: [] };
        } catch (error) {
          logger.warn({ ...log, status: statusOf(error) }, "transfer failed");
          return { events: [{ type: "transferFailed" }] };
        }
      case "hangUp":
        try {
          await deps.calls.hangUp(callId);
          return { events: [{ type: "hungUp" }] };
        } catch (error) {
          // Graph no longer knows the call: it is over, whether or not its termination reaches us
          if (isNotFound(error)) return { events: [{ type: "terminated", resultCode: null, resultSubcode: null }] };
          logger.warn({ ...log, status: statusOf(error) }, "hang up failed");
          return { events: [{ type: "hangUpFailed" }] };
        }
    }
  }

  /** keepAlive: "kept", "gone" (Graph no longer knows the call) or "failed" (try again later). */
  async function keepAlive(call: Pick<CommandTarget, "callId" | "graphCallId">): Promise<"kept" | "gone" | "failed"> {
    try {
      await deps.calls.keepAlive(graphIdForRequest(call.graphCallId));
      return "kept";
    } catch (error) {
      if (isNotFound(error)) return "gone";
      logger.warn({ callId: call.callId, status: statusOf(error) }, "keepAlive failed");
      return "failed";
    }
  }

  /** Hangs up a call nobody drives; false when Graph no longer knows it. Other failures are thrown. */
  async function hangUpUnlessGone(graphCallId: string): Promise<boolean> {
    try {
      await deps.calls.hangUp(graphIdForRequest(graphCallId));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Invites participants (meetings and group calls); the operation is recorded by the caller. */
  async function invite(
    call: Pick<CommandTarget, "graphCallId">,
    participants: InvitationParticipantInfo[],
    clientContext: string,
  ) {
    return deps.calls.invite(graphIdForRequest(call.graphCallId), { participants, clientContext });
  }

  return { run, keepAlive, hangUpUnlessGone, invite };
}

export type CommandRunner = ReturnType<typeof commandRunner>;
