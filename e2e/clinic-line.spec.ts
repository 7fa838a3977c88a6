import { expect, request as playwrightRequest, test } from "@playwright/test";
import { emulatorUrl, signIn } from "./fixtures";

// The clinic line in the browser: a caller dials the clinic from the emulator's phone page (its softphone, in
// manual mode while the page is open) and presses 0 in the menu; the bot hands the call to the reception's
// Teams user, whose simulated phone rings and takes it. The emulator's control API shows where the caller's
// leg went; staff see the call as transferred in the call log.
const CALLER = "+5511955550310";
const RECEPTION_OID = "0a1c2e30-4444-4a00-8000-000000000002"; // Recepção Aurora in the demo directory

interface EmulatorCall {
  legs: { endpoint: string; state: string; endReason: string | null }[];
}

test("a caller to the clinic line presses 0 and the reception user's simulated phone rings", async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  const emulator = await playwrightRequest.newContext({ baseURL: emulatorUrl, ignoreHTTPSErrors: true });
  // the reception's phone rings for a moment, then picks up
  const reception = await emulator.put(`/_emulator/endpoints/user:${RECEPTION_OID}`, {
    data: { mode: "answer", ringDelayMs: 1_500 },
  });
  expect(reception.ok()).toBe(true);

  const phones = await browser.newContext({ ignoreHTTPSErrors: true, locale: "en-US" });
  const caller = await phones.newPage();
  await caller.goto(`${emulatorUrl}/_emulator/phone?endpoint=${encodeURIComponent(CALLER)}`);
  await expect(caller.locator("#state")).toHaveText("Idle");
  await caller.getByRole("button", { name: /^Call the clinic/ }).click();
  // the bot answers into the menu
  await expect(caller.locator("#state")).toHaveText("In call", { timeout: 20_000 });

  const transferredTo = async () => {
    const response = await emulator.get("/_emulator/calls");
    const { value } = (await response.json()) as { value: EmulatorCall[] };
    return (
      value.flatMap((c) => c.legs).find((leg) => leg.endpoint === `phone:${CALLER}` && leg.endReason)?.endReason ?? null
    );
  };
  // 0 in the menu. The bot subscribes to tones as the menu starts, so a key in the very first instant can be
  // early: press again if nothing happened (once the transfer has begun, further keys are ignored).
  await expect(async () => {
    await caller.getByRole("button", { name: "0", exact: true }).click();
    await expect.poll(transferredTo, { timeout: 15_000 }).toBe(`transferred to user:${RECEPTION_OID}`);
  }).toPass({ timeout: 60_000 });
  // the caller is now with reception, not the bot
  await expect(caller.locator("#state")).not.toHaveText("In call", { timeout: 10_000 });
  await expect(caller.locator("#err")).toHaveText("");

  await signIn(page, "staff");
  await expect(async () => {
    await page.goto("/calls");
    const row = page.getByTestId("call-row").filter({ hasText: "Linha da clínica" }).filter({ hasText: "•••• 0310" });
    await expect(row.first()).toContainText("Transferida", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  await phones.close();
  await emulator.dispose();
});
