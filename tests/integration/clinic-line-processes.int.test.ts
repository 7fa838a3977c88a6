// The clinic line's IVR across processes: the call runtime keeps its position on the call (Call.flow), so a
// call answered by one process is driven on by another — after a restart, or in a split deployment where a
// worker applies notifications and a web process receives the key presses and recordings. Each process here is
// a call runtime of its own (its memory and connections) on the shared database. A flow whose driver is gone
// is ended by the sweep.
import { beforeEach, describe, expect, it } from "vitest";
import type { LineState } from "@/lib/bot/flows/clinic-line-state";
import { STALLED_AFTER_MS } from "@/lib/clinic-line/service";
import { dieBeforeCommit, waitFor, type TestProcess } from "./bot-helpers";
import {
  appointmentFor,
  callClinic,
  emulatorCall,
  finishedCall,
  promptsPlayed,
  recordingSecrets,
  setEndpoint,
  startLineEnv,
  storedText,
} from "./clinic-line-helpers";
import { freshPhone, RECEPTION_OID } from "../helpers/telephony";
import { perFile } from "../helpers/per-file";

const env = perFile(startLineEnv);
beforeEach(() => env.captureLogs());

const lineOf = async (graphCallId: string) => {
  const call = await env.database.db.call.findUnique({ where: { graphCallId } });
  return call && { call, line: call.flow as unknown as LineState | null };
};

/** The worker every test starts with steps aside: a test's own processes take over. */
async function withoutTheWorker(test: () => Promise<void>) {
  await env.worker.runtime.stop();
  try {
    await test();
  } finally {
    env.route(() => env.worker.runtime);
    await env.worker.runtime.start();
  }
}

/** Ages a call's flow as if it had not moved for the stall time (the sweep reads the database's clock). */
const stallFor = (graphCallId: string) =>
  env.database.db.$executeRaw`
    UPDATE "Call" SET "flowAt" = now() - make_interval(secs => ${STALLED_AFTER_MS / 1000 + 60}) WHERE "graphCallId" = ${graphCallId}`;

describe("clinic line across processes", () => {
  it("a restarted process drives on the IVR another answered: 1 confirms and the bot hangs up", async () => {
    await withoutTheWorker(async () => {
      const phone = freshPhone();
      const appointment = await appointmentFor(env, phone);
      await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
      const first = env.newProcess();
      let second: TestProcess | null = null;
      // the key comes to the restarted process, once it is there
      env.route(() => second?.runtime ?? null);
      await first.runtime.start();
      const graphCallId = await callClinic(env, phone);
      // the first process answers and starts the menu, then is gone
      const left = await waitFor("the menu started", async () => {
        const found = await lineOf(graphCallId);
        return found?.line?.step === "menu" && found.line.waitingFor !== null && found.call.heldBy === null
          ? found
          : null;
      });
      await first.close();

      // what the first process left: the position and the patient, not the caller's number
      expect(left.line).toMatchObject({
        step: "menu",
        established: true,
        patientId: appointment.patientId,
        locale: "pt-BR",
        speechLanguage: "pt-BR",
      });
      expect(JSON.stringify(left.call.flow)).not.toContain(phone.slice(1));

      second = env.newProcess();
      await second.runtime.start();
      const call = await finishedCall(env, graphCallId, ["confirmed"]);
      expect(call.appointmentId).toBe(appointment.id);
      const row = await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } });
      expect(row.status).toBe("CONFIRMED");
      // the bot ended the call after saying so; the flow is over and keeps no patient
      expect(await promptsPlayed(env, call.id)).toEqual(["line:lineMenu", "line:confirmed"]);
      expect(call.resultCode).toBe(200);
      expect((await emulatorCall(env, graphCallId))?.state).toBe("terminated");
      expect((await lineOf(graphCallId))?.line).toMatchObject({ step: "done", outcome: "CONFIRMED", patientId: null });
      await second.close();
    });
  });

  it("a key that reaches two processes at once is acted on once", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    const other = env.newProcess();
    // each process steps the flow with the same key: the second finds it already acting
    env.route(
      () =>
        ({
          deliver: (...args: Parameters<typeof other.runtime.deliver>) =>
            Promise.all([env.worker.runtime.deliver(...args), other.runtime.deliver(...args)]).then(() => undefined),
        }) as unknown as typeof other.runtime,
    );
    try {
      const call = await finishedCall(env, await callClinic(env, phone), ["confirmed"]);
      const prompts = await env.database.db.callOperation.findMany({ where: { callId: call.id, kind: "playPrompt" } });
      expect(prompts.map((p) => p.clientContext).sort()).toEqual(["line:confirmed", "line:lineMenu"]);
      const confirms = await env.database.db.auditLog.count({
        where: { action: "appointment.confirm", entityId: appointment.id },
      });
      expect(confirms).toBe(1);
    } finally {
      env.route(() => env.worker.runtime);
    }
  });

  it("split deployment: the worker applies notifications, a web process understands the recording it received", async () => {
    await withoutTheWorker(async () => {
      const phone = freshPhone();
      const appointment = await appointmentFor(env, phone);
      await setEndpoint(env, phone, {
        mode: "answer",
        // the word asks; the key 2, after the question naming the appointment, cancels
        script: [
          { type: "say", text: "quero cancelar", afterPrompts: 1 },
          { type: "press", keys: "2", afterPrompts: 2 },
        ],
      });
      const worker = env.newProcess({ speech: null }); // the worker could not understand anything itself
      await worker.runtime.start();
      const web = env.newProcess(); // its worker loop never runs: it only steps what its webhook receives
      const duringFlow: string[] = [];
      env.route(
        () =>
          ({
            deliver: async (...args: Parameters<typeof web.runtime.deliver>) => {
              await web.runtime.deliver(...args);
              duringFlow.push(
                JSON.stringify(await env.database.db.call.findMany({ select: { id: true, flow: true } })),
              );
            },
          }) as unknown as typeof web.runtime,
      );
      const graphCallId = await callClinic(env, phone);
      const call = await finishedCall(env, graphCallId, ["cancelled"]);
      expect(call.appointmentId).toBe(appointment.id);
      expect((await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe(
        "CANCELLED",
      );
      expect(env.meetingSyncs).toContain(appointment.id);
      await Promise.all([worker.close(), web.close()]);

      // nothing of the media, and not the caller's number, in the rows (the flow's too, while it ran) or logs
      const secrets = await recordingSecrets(env);
      expect(secrets.size).toBeGreaterThan(0);
      expect(duringFlow.join("")).toContain(call.id);
      const texts = [await storedText(env.database.db), env.logs.join("\n"), ...duringFlow];
      for (const text of texts) {
        for (const secret of secrets) expect(text).not.toContain(secret);
        expect(text.toLowerCase()).not.toContain("quero cancelar");
        expect(text).not.toContain("recordingAccessToken");
        expect(text).not.toMatch(/"tone"\s*:\s*"tone/);
        expect(text).not.toContain(phone.slice(1));
      }
    });
  });

  it("a process that dies as a call finishes leaves it whole: one outcome, one audit row, nothing for the sweep", async () => {
    await withoutTheWorker(async () => {
      const phone = freshPhone();
      await appointmentFor(env, phone);
      await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
      // the process dies after writing the outcome and its audit row, before its transaction commits
      const dying = env.newProcess();
      const death = dieBeforeCommit(dying.sql, (values) => values.includes("clinic-line.outcome"));
      env.route(() => dying.runtime);
      await dying.runtime.start();
      const graphCallId = await callClinic(env, phone);
      const call = await finishedCall(env, graphCallId, ["confirmed"]);
      expect(death.deaths()).toBe(1);
      await dying.close();

      // the flow is over: nothing is left for the stall sweep to finish a second time
      expect(await env.database.db.call.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({
        flow: { step: "done", outcome: "CONFIRMED" },
        flowAt: null,
        heldBy: null,
      });
      expect(await env.newProcess().runtime.sweep()).toMatchObject({ stalled: 0 });
      const audits = await env.database.db.auditLog.findMany({
        where: { action: "clinic-line.outcome", entityId: call.id },
      });
      expect(audits.map((a) => a.details)).toEqual([{ outcome: "CONFIRMED" }]);
      expect((await env.database.db.call.findUniqueOrThrow({ where: { id: call.id } })).outcome).toBe("confirmed");
    });
  });

  it("the sweep ends a call whose IVR lost its driver", async () => {
    await withoutTheWorker(async () => {
      const phone = freshPhone();
      await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
      await setEndpoint(env, phone, { mode: "answer" });
      // the process that answered dies after starting the menu, and nothing else hears of the call
      const first = env.newProcess();
      env.route(null);
      await first.runtime.start();
      const graphCallId = await callClinic(env, phone);
      await waitFor("the menu started", async () => {
        const found = await lineOf(graphCallId);
        return found?.line?.step === "menu" && found.line.waitingFor !== null && found.call.heldBy === null;
      });
      await first.close();
      const callRow = await env.database.db.call.findUniqueOrThrow({ where: { graphCallId } });

      // a flow that moved recently is left alone
      const sweeper = env.newProcess();
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 0 });
      await stallFor(graphCallId);
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 1 });
      await waitFor(
        "the bot hung up",
        async () => (await emulatorCall(env, graphCallId))?.state === "terminated",
        20_000,
      );
      // its termination would finish the flow; nobody applies it, so the next sweep finds the call gone
      expect((await lineOf(graphCallId))?.line).toMatchObject({ step: "ending", outcome: "FAILED" });
      await stallFor(graphCallId);
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 1 });
      const call = await env.database.db.call.findUniqueOrThrow({ where: { graphCallId } });
      expect(call).toMatchObject({ state: "terminated", outcome: "failed", flowAt: null });
      expect(call.flow).toMatchObject({ step: "done", outcome: "FAILED" });
      const audit = await env.database.db.auditLog.findFirst({
        where: { action: "clinic-line.outcome", entityId: callRow.id },
      });
      expect(audit?.details).toMatchObject({ outcome: "FAILED" });
      // once ended, nothing more for the sweep
      expect(await sweeper.runtime.sweep()).toMatchObject({ stalled: 0 });
    });
  });
});
