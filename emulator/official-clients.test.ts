import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "./server";
import { ANA, REPO, startTestEmulator } from "./test/helpers";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

it("official @azure/msal-node (client credentials) and @microsoft/microsoft-graph-client work unchanged against the emulator", async () => {
  // NODE_EXTRA_CA_CERTS is read at process start only, so the official clients run in a child process.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(REPO, "emulator/test/official-clients.mts"),
      emu.url,
      emu.directory.tenantId,
      emu.registration.clientId,
      emu.registration.clientSecret,
      ANA,
    ],
    { cwd: REPO, env: { ...process.env, NODE_EXTRA_CA_CERTS: emu.caPath }, timeout: 30_000 },
  );
  const out = JSON.parse(stdout);
  expect(out.tokenType).toBe("Bearer");
  expect(out.fromCache).toBe(true);
  expect(out.found).toEqual([out.meetingId]);
  expect(out.notFound).toEqual({ statusCode: 404, code: "itemNotFound" });
}, 40_000);
