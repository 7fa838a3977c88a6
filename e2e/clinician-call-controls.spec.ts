import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { withDb } from "./db";
import { bookFor, emulatorUrl, signIn } from "./fixtures";

// A clinician acts in her own visit as the desk does: the bot joins, she invites an interpreter by phone,
// mutes and removes them. Another clinician cannot act in that call, even knowing its id.
test("a clinician invites a phone into her own visit, mutes and removes it; another clinician cannot", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  await signIn(page, "clinician");
  const { appointmentId } = await bookFor(page, "Lucas", "Lucas Barbosa");
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });

  const live = page.getByRole("region", { name: "Reunião ao vivo" });
  await live.getByRole("button", { name: "Robô entra na reunião" }).click();
  await expect(live.getByTestId("call-state")).toHaveText("Na chamada", { timeout: 15_000 });
  const inMeeting = live.getByRole("region", { name: /^Na reunião/ });

  // the interpreter's phone answers
  const answer = await emulator.put(`/_emulator/endpoints/${encodeURIComponent("+5511955550011")}`, {
    data: { mode: "answer", ringDelayMs: 300 },
  });
  expect(answer.ok()).toBe(true);
  await live.getByLabel("Número de telefone").fill("+55 11 95555-0011");
  await live.getByRole("button", { name: "Ligar e convidar" }).click();
  const interpreter = inMeeting.getByRole("listitem").filter({ hasText: "•••• 0011" });
  await expect(interpreter).toBeVisible({ timeout: 10_000 });
  await interpreter.getByRole("button", { name: "Silenciar •••• 0011" }).click();
  await expect(interpreter.getByText("Sem áudio")).toBeVisible({ timeout: 5_000 });
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);
  await interpreter.getByRole("button", { name: "Remover •••• 0011" }).click();
  await expect(inMeeting.getByRole("listitem").filter({ hasText: "•••• 0011" })).toHaveCount(0, { timeout: 5_000 });

  // audited as today, under her name
  const audited = await withDb(async (db) => {
    const { rows } = await db.query<{ action: string }>(
      `select a.action from "AuditLog" a join "Call" c on c.id::text = a."entityId"
        where c."appointmentId" = $1 and a."actorId" = (select id::text from "User" where name = 'Dra. Ana Ribeiro')`,
      [appointmentId],
    );
    return rows.map((r) => r.action);
  });
  expect(audited).toEqual(expect.arrayContaining(["graph.call.invite", "graph.call.mute", "graph.call.remove"]));

  // another clinician, with the call's id in hand, finds nothing to act on
  const callId = await withDb(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `select id from "Call" where "appointmentId" = $1 and purpose = 'MEETING_JOIN' order by "createdAt" desc limit 1`,
      [appointmentId],
    );
    return rows[0]!.id;
  });
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, "otherClinician");
  for (const [action, body] of [
    ["invite", { kind: "phone", e164: "+5511955550012" }],
    ["mute", { participantId: "anyone" }],
    ["remove", { participantId: "anyone" }],
  ] as const) {
    const response = await other.request.post(`/api/calls/${callId}/${action}`, {
      data: body,
      headers: { origin: baseURL! },
    });
    expect(response.status(), action).toBe(404);
  }
  await otherContext.close();

  // and the bot leaves her meeting again
  await live.getByRole("button", { name: "Robô sai da reunião" }).click();
  await expect(live.getByText("O robô não está na reunião.")).toBeVisible({ timeout: 10_000 });
  await emulator.dispose();
});
