import { expect, test } from "@playwright/test";
import { emulatorUrl, signIn } from "./fixtures";

// The clinic line in the browser: a caller dials the clinic from the emulator's phone page, presses 0 in the
// menu, and the reception's Teams user — another phone page — rings. Both phones are the emulator's softphone
// (manual mode while the page is open), driven like a person would.
const CALLER = "+5511955550310";
const RECEPTION = "recepcao@aurora.example";

test("a caller to the clinic line presses 0 and the reception user's simulated phone rings", async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  const phones = await browser.newContext({ ignoreHTTPSErrors: true, locale: "en-US" });
  const reception = await phones.newPage();
  await reception.goto(`${emulatorUrl}/_emulator/phone?endpoint=${encodeURIComponent(RECEPTION)}`);
  await expect(reception.locator("#state")).toHaveText("Idle");

  const caller = await phones.newPage();
  await caller.goto(`${emulatorUrl}/_emulator/phone?endpoint=${encodeURIComponent(CALLER)}`);
  await expect(caller.locator("#state")).toHaveText("Idle");
  await caller.getByRole("button", { name: /^Call the clinic/ }).click();
  // the bot answers into the menu
  await expect(caller.locator("#state")).toHaveText("In call", { timeout: 20_000 });

  // 0 in the menu: the bot subscribes to tones as it starts the menu, so a key pressed in the first instant
  // can be early; press again until the transfer starts (later presses are ignored once it has)
  await expect(async () => {
    await caller.getByRole("button", { name: "0", exact: true }).click();
    await expect(reception.locator("#state")).toHaveText(/^Ringing/, { timeout: 4_000 });
  }).toPass({ timeout: 45_000 });
  await expect(caller.locator("#err")).toHaveText("");

  // reception picks up; the call log shows the clinic-line call as transferred
  await reception.getByRole("button", { name: "Answer" }).click();
  await expect(reception.locator("#state")).toHaveText("In call", { timeout: 10_000 });

  await signIn(page, "staff");
  await expect(async () => {
    await page.goto("/calls");
    const row = page.getByTestId("call-row").filter({ hasText: "Linha da clínica" }).filter({ hasText: "•••• 0310" });
    await expect(row.first()).toContainText("Transferida", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  await reception.getByRole("button", { name: "Hang up" }).click();
  await phones.close();
});
