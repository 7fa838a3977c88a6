import AxeBuilder from "@axe-core/playwright";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { bookFor, emulatorUrl, signIn } from "./fixtures";

// A patient who has not joined their visit gets a rescue call, and staff watch it on the appointment page until
// the patient's phone is in the meeting's roster. Olivia Brown (the seed's, English-speaking) is played by the
// emulator: her phone answers, and the test presses her keys through the emulator's control API.
const OLIVIA_PHONE = "+13125550117";
const endpoint = `/_emulator/endpoints/${encodeURIComponent(OLIVIA_PHONE)}`;

/** The emulator's call ringing or connected to her phone, once the bot listens for her keys on it. */
async function listeningCall(emulator: APIRequestContext): Promise<string> {
  let callId = "";
  await expect
    .poll(
      async () => {
        const leg = (await (await emulator.get(endpoint)).json()) as { leg: { callId: string | null } | null };
        callId = leg.leg?.callId ?? "";
        if (!callId) return false;
        const call = (await (await emulator.get(`/_emulator/calls/${callId}`)).json()) as { toneSubscribed: boolean };
        return call.toneSubscribed;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return callId;
}

test("staff call a missing patient from the appointment page and watch her phone join the meeting", async ({
  page,
}) => {
  test.setTimeout(150_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  const behaviour = await emulator.put(endpoint, { data: { mode: "answer", ringDelayMs: 300 } });
  expect(behaviour.ok()).toBe(true);

  await signIn(page, "staff");
  await bookFor(page, "Olivia", "Olivia Brown");
  await expect(page.getByTestId("meeting-state")).toHaveText("Pronta", { timeout: 30_000 });

  // the bot is in the visit's meeting: it is the bot's meeting call that takes her phone in
  const live = page.getByRole("region", { name: "Reunião ao vivo" });
  await live.getByRole("button", { name: "Robô entra na reunião" }).click();
  await expect(live.getByTestId("call-state")).toHaveText("Na chamada", { timeout: 15_000 });
  const inMeeting = live.getByRole("region", { name: /^Na reunião/ });
  await expect(inMeeting.getByRole("listitem").filter({ hasText: "•••• 0117" })).toHaveCount(0);

  const rescue = page.getByRole("region", { name: "O paciente ainda não entrou?" });
  await expect(rescue.getByTestId("rescue-state")).toHaveText("Nenhuma ligação para o paciente nesta consulta ainda.");
  await rescue.getByRole("button", { name: "Ligar para o paciente agora" }).click();
  // no reload: the panel follows the call
  await expect(rescue.getByTestId("rescue-state")).toContainText("Ligação pedida pela equipe", { timeout: 10_000 });
  await expect(rescue.getByRole("button", { name: "Ligar para o paciente agora" })).toBeDisabled();
  await expect(rescue.getByTestId("rescue-state")).toContainText("o paciente atendeu e está ouvindo as opções", {
    timeout: 30_000,
  });
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // she presses 1 on her phone
  await listeningCall(emulator);
  const press = await emulator.post(`${endpoint}/actions`, { data: { action: "press", keys: "1" } });
  expect(press.ok()).toBe(true);

  await expect(rescue.getByTestId("rescue-state")).toContainText("o paciente entrou na consulta pelo telefone", {
    timeout: 30_000,
  });
  // her phone is in the meeting's roster, masked; the call that rang her is over
  await expect(inMeeting.getByRole("listitem").filter({ hasText: "•••• 0117" })).toBeVisible({ timeout: 15_000 });
  const leg = (await (await emulator.get(endpoint)).json()) as { leg: { state: string; callId: string } };
  const meetingCall = (await (await emulator.get(`/_emulator/calls/${leg.leg.callId}`)).json()) as {
    kind: string;
    state: string;
  };
  expect(leg.leg.state).toBe("connected");
  expect(meetingCall).toMatchObject({ kind: "meeting", state: "established" });
  expect((await new AxeBuilder({ page }).analyze()).violations.map((v) => v.id)).toEqual([]);

  // the history says who called her and how it ended
  await page.reload();
  const history = page.getByRole("region", { name: "Histórico" });
  await expect(history).toContainText("ligou para o paciente, que não tinha entrado na consulta, para trazê-lo.");
  await expect(history).toContainText(
    "A ligação para o paciente ausente terminou: ele entrou na consulta pelo telefone.",
  );

  // the bot leaves; her phone leaves with the meeting's end in Teams, not here
  await live.getByRole("button", { name: "Robô sai da reunião" }).click();
  await expect(live.getByText("O robô não está na reunião.")).toBeVisible({ timeout: 10_000 });
  await emulator.post(`${endpoint}/actions`, { data: { action: "hangup" } });
  await emulator.dispose();
});
