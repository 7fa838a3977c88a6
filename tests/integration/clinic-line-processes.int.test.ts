// The clinic line's IVR across processes: its position is in the database, so a call answered by one process
// is driven on by another — after a restart, or in a split deployment where the worker applies notifications
// and a web process receives the key presses and recordings. Each service instance here stands for a process
// (its own memory, the shared database). A flow whose driver is gone is ended by the sweep.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BotNotification } from "@/lib/bot/schema";
import { STALLED_AFTER_MS, type ClinicLineService } from "@/lib/clinic-line/service";
import type { LineState } from "@/lib/bot/flows/clinic-line";
import { waitFor, type BotTestFlow } from "./bot-helpers";
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
  type LineTestEnv,
} from "./clinic-line-helpers";
import { freshPhone, RECEPTION_OID } from "../helpers/telephony";

let env: LineTestEnv;

beforeAll(async () => {
  env = await startLineEnv();
});
beforeEach(() => env.captureLogs());
afterAll(async () => {
  env.route(env.service);
  await env?.close();
});

/** The update that starts the menu: the call established with its audio active (after the plain `established`). */
const isEstablished = (n: BotNotification) =>
  n.kind === "call" && n.state === "established" && n.mediaAudio === "active";

/**
 * The first process answers the call and starts the menu, then is gone; the second (restarted, with empty
 * memory) receives everything after. `restarted` resolves once the first is done.
 */
function restart(first: ClinicLineService, second: ClinicLineService | null) {
  let done!: () => void;
  const restarted = new Promise<void>((resolve) => (done = resolve));
  let firstChain = Promise.resolve();
  let firstGone = false;
  const flow: BotTestFlow = {
    async handleNotifications(notifications) {
      if (!firstGone) {
        // the deliveries up to the call's establishment, one after the other (as the bot-notification job)
        if (notifications.some(isEstablished)) firstGone = true;
        firstChain = firstChain.then(() => first.handleNotifications(notifications));
        await firstChain;
        if (notifications.some(isEstablished)) done();
        return;
      }
      await restarted;
      await second?.handleNotifications(notifications);
    },
    async handleTone(graphCallId, tone) {
      await restarted;
      await second?.handleTone(graphCallId, tone);
    },
    async handleRecording(graphCallId, recording) {
      await restarted;
      await second?.handleRecording(graphCallId, recording);
    },
  };
  return { flow, restarted };
}

const flowRow = (graphCallId: string) => env.database.db.clinicLineFlow.findUnique({ where: { graphCallId } });

describe("clinic line across processes", () => {
  it("a restarted process drives on the IVR another answered: 1 confirms and the bot hangs up", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    const { flow, restarted } = restart(env.newService(), env.newService());
    env.route(flow);
    const graphCallId = await callClinic(env, phone);
    await restarted;

    // what the first process left: the position and the patient, not the caller's number
    const left = await flowRow(graphCallId);
    expect(left).toMatchObject({ patientId: appointment.patientId, locale: "pt-BR", speechLanguage: "pt-BR" });
    expect(left?.state as unknown as LineState).toMatchObject({ step: "menu", established: true });
    expect(JSON.stringify(left)).not.toContain(phone.slice(1));

    const call = await finishedCall(env, graphCallId, ["confirmed"]);
    expect(call.appointmentId).toBe(appointment.id);
    const row = await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } });
    expect(row.status).toBe("CONFIRMED");
    // the bot ended the call after saying so, and the flow's state is gone
    expect(await promptsPlayed(env, call.id)).toEqual(["line:lineMenu", "line:confirmed"]);
    expect(call.resultCode).toBe(200);
    expect((await emulatorCall(env, graphCallId))?.state).toBe("terminated");
    expect(await flowRow(graphCallId)).toBeNull();
  });

  it("a key that reaches two processes at once is acted on once", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    const [one, two] = [env.newService(), env.newService()];
    env.route({
      handleNotifications: (notifications) => one.handleNotifications(notifications),
      // each process steps the flow with the same key: the second finds it already acting
      handleTone: (graphCallId, tone) =>
        Promise.all([one.handleTone(graphCallId, tone), two.handleTone(graphCallId, tone)]),
    });
    const call = await finishedCall(env, await callClinic(env, phone), ["confirmed"]);
    const prompts = await env.database.db.callOperation.findMany({ where: { callId: call.id, kind: "playPrompt" } });
    expect(prompts.map((p) => p.clientContext).sort()).toEqual(["line:confirmed", "line:lineMenu"]);
    const confirms = await env.database.db.auditLog.count({
      where: { action: "appointment.confirm", entityId: appointment.id },
    });
    expect(confirms).toBe(1);
  });

  it("split deployment: the worker applies notifications, a web process understands the recording it received", async () => {
    const phone = freshPhone();
    const appointment = await appointmentFor(env, phone);
    await setEndpoint(env, phone, {
      mode: "answer",
      script: [{ type: "say", text: "quero cancelar", afterPrompts: 1 }],
    });
    const worker = env.newService({ speech: null }); // the worker could not understand anything itself
    const web = env.newService();
    const duringFlow: string[] = [];
    env.route({
      handleNotifications: (notifications) => worker.handleNotifications(notifications),
      handleTone: (graphCallId, tone) => web.handleTone(graphCallId, tone),
      async handleRecording(graphCallId, recording) {
        await web.handleRecording(graphCallId, recording);
        duringFlow.push(JSON.stringify(await env.database.db.clinicLineFlow.findMany()));
      },
    });
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["cancelled"]);
    expect(call.appointmentId).toBe(appointment.id);
    expect((await env.database.db.appointment.findUniqueOrThrow({ where: { id: appointment.id } })).status).toBe(
      "CANCELLED",
    );
    expect(env.meetingSyncs).toContain(appointment.id);
    expect(await flowRow(graphCallId)).toBeNull();

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

  it("a process that dies right after a call finished leaves nothing for the sweep: one outcome, one audit row", async () => {
    const phone = freshPhone();
    await appointmentFor(env, phone);
    await setEndpoint(env, phone, { mode: "answer", script: [{ type: "press", keys: "1", afterPrompts: 1 }] });
    // this process's last step after finishing a flow — deleting what is left of it — never happens
    const { db } = env.database;
    const dying = new Proxy(db, {
      get(target, property) {
        if (property === "clinicLineFlow")
          return new Proxy(target.clinicLineFlow, {
            get: (model, method) =>
              method === "deleteMany"
                ? () => Promise.reject(new Error("process gone"))
                : (Reflect.get(model, method, model) as unknown),
          });
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    env.route(env.newService({ db: dying }));
    const graphCallId = await callClinic(env, phone);
    const call = await finishedCall(env, graphCallId, ["confirmed"]);
    await waitFor("the flow's end applied", async () => (await flowRow(graphCallId)) === null);

    const later = env.newService({ now: () => new Date(Date.now() + STALLED_AFTER_MS + 60_000) });
    expect(await later.sweep()).toEqual({ stalled: 0 });
    const audits = await db.auditLog.findMany({ where: { action: "clinic-line.outcome", entityId: call.id } });
    expect(audits.map((a) => a.details)).toEqual([{ outcome: "confirmed" }]);
    expect((await db.call.findUniqueOrThrow({ where: { id: call.id } })).outcome).toBe("confirmed");
    env.route(env.service);
  });

  it("the sweep ends a call whose IVR lost its driver", async () => {
    const phone = freshPhone();
    await setEndpoint(env, `user:${RECEPTION_OID}`, { mode: "answer" });
    await setEndpoint(env, phone, { mode: "answer" });
    // the process that answered dies after starting the menu, and nothing else hears of the call
    const { flow, restarted } = restart(env.newService(), null);
    env.route(flow);
    const graphCallId = await callClinic(env, phone);
    await restarted;
    const callRow = await env.database.db.call.findUniqueOrThrow({ where: { graphCallId } });

    // a flow that moved recently is left alone
    expect(await env.service.sweep()).toEqual({ stalled: 0 });
    const later = env.newService({ now: () => new Date(Date.now() + STALLED_AFTER_MS + 60_000) });
    expect(await later.sweep()).toEqual({ stalled: 1 });
    await waitFor(
      "the bot hung up",
      async () => (await emulatorCall(env, graphCallId))?.state === "terminated",
      20_000,
    );
    // its termination would finish the flow; nobody hears it, so the next sweep finds the call gone
    expect((await flowRow(graphCallId))?.state).toMatchObject({ step: "ending", outcome: "FAILED" });
    await waitFor(
      "the termination applied",
      async () => (await env.database.db.call.findUnique({ where: { graphCallId } }))?.state === "terminated",
    );
    expect(await later.sweep()).toEqual({ stalled: 1 });
    expect(await flowRow(graphCallId)).toBeNull();
    const call = await env.database.db.call.findUniqueOrThrow({ where: { graphCallId } });
    expect(call.outcome).toBe("failed");
    const audit = await env.database.db.auditLog.findFirst({
      where: { action: "clinic-line.outcome", entityId: callRow.id },
    });
    expect(audit?.details).toMatchObject({ outcome: "failed" });
  });
});
