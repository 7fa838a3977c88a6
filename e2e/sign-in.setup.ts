// Signs each demo role in once, through the local Entra ID's sign-in page, and keeps the browser state for
// the run: tests start signed in with it (signIn in fixtures.ts) instead of repeating the OAuth round trip
// 44 times. Tests that sign out use a session of their own (signInThroughPage), so these stay valid.
import fs from "node:fs";
import path from "node:path";
import { test as setup } from "@playwright/test";
import { type DemoRole, demoUsers, signedInStatePath, signInThroughPage } from "./fixtures";

for (const who of Object.keys(demoUsers) as DemoRole[]) {
  setup(`sign in as ${who}`, async ({ page }) => {
    await signInThroughPage(page, who);
    fs.mkdirSync(path.dirname(signedInStatePath(who)), { recursive: true });
    await page.context().storageState({ path: signedInStatePath(who) });
  });
}
