import { expect, request as playwrightRequest, test } from "@playwright/test";
import { emulatorUrl, signIn } from "./fixtures";

// The clinic line in the browser: a caller dials the clinic from the emulator's phone page (its softphone, in
// manual mode while the page is open) and presses 0 in the menu; the bot transfers the call to the reception's
// Teams user, whose own phone page rings; reception answers and the two talk without the bot. Staff see the
// call as transferred in the call log.
const CALLER = "+5511955550310";
const RECEPTION_OID = "0a1c2e30-4444-4a00-8000-000000000002"; // Recepção Aurora in the demo directory

interface EmulatorCall {
  transfer: { target: string; outcome: string; answeredBy: string | null } | null;
  legs: { endpoint: string }[];
}

test("a caller to the clinic line presses 0 and the reception user's simulated phone rings", async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  const phones = await browser.newContext({ ignoreHTTPSErrors: true, locale: "en-US" });

  // reception's softphone: while its page is open the endpoint is in manual mode, so a call rings until answered
  const reception = await phones.newPage();
  await reception.goto(`${emulatorUrl}/_emulator/phone?endpoint=${encodeURIComponent(`user:${RECEPTION_OID}`)}`);
  await expect(reception.locator("#state")).toHaveText("Idle");
  await expect
    .poll(async () => (await (await emulator.get(`/_emulator/endpoints/user:${RECEPTION_OID}`)).json()).behaviour.mode)
    .toBe("manual");

  const caller = await phones.newPage();
  await caller.goto(`${emulatorUrl}/_emulator/phone?endpoint=${encodeURIComponent(CALLER)}`);
  await expect(caller.locator("#state")).toHaveText("Idle");
  await caller.getByRole("button", { name: /^Call the clinic/ }).click();
  // the bot answers into the menu
  await expect(caller.locator("#state")).toHaveText("In call", { timeout: 20_000 });

  // 0 in the menu. The bot subscribes to tones as the menu starts, so a key in the very first instant can be
  // early: press again if reception's phone did not start ringing (once the transfer has begun, keys are ignored).
  await expect(async () => {
    await caller.getByRole("button", { name: "0", exact: true }).click();
    await expect(reception.locator("#state")).toHaveText(/^Ringing/, { timeout: 15_000 });
  }).toPass({ timeout: 60_000 });
  // while reception's phone rings the caller is still on the clinic's call
  await expect(caller.locator("#state")).toHaveText("In call");

  await reception.getByRole("button", { name: "Answer", exact: true }).click();
  await expect(reception.locator("#state")).toHaveText("In call (transferred)", { timeout: 10_000 });
  await expect(caller.locator("#state")).toHaveText("In call (transferred)", { timeout: 10_000 });
  await expect(reception.locator("#err")).toHaveText("");
  await expect(caller.locator("#err")).toHaveText("");

  // the emulator's record of the bot's call: transferred to reception, who answered
  const response = await emulator.get("/_emulator/calls");
  const { value } = (await response.json()) as { value: EmulatorCall[] };
  const transferred = value.filter((c) => c.transfer?.target === `user:${RECEPTION_OID}`);
  expect(transferred.at(-1)?.transfer).toMatchObject({ outcome: "answered", answeredBy: `user:${RECEPTION_OID}` });

  await signIn(page, "staff");
  await expect(async () => {
    await page.goto("/calls");
    const row = page.getByTestId("call-row").filter({ hasText: "Linha da clínica" }).filter({ hasText: "•••• 0310" });
    await expect(row.first()).toContainText("Transferida", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  // reception hangs up: the caller's line goes quiet too
  await reception.getByRole("button", { name: "Hang up", exact: true }).click();
  await expect(caller.locator("#state")).toHaveText("Idle", { timeout: 10_000 });

  await phones.close();
  await emulator.dispose();
});
