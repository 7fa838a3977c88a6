import { defineConfig, devices } from "@playwright/test";

// End-to-end tests drive the built app, the local Microsoft cloud and a fresh embedded database in
// Debian's Chromium (Playwright's own browser download is not reachable from these machines).
const port = Number(process.env.E2E_PORT ?? 3100);
const emulatorPort = Number(process.env.E2E_EMULATOR_PORT ?? 4543);
export const e2eDataDir = ".data/e2e";

// Debian's Chromium, as the tests' browser and the sign-in project's
const chromium = {
  ...devices["Desktop Chrome"],
  locale: "pt-BR",
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  },
};

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    // localhost, not 127.0.0.1: the OAuth redirect URI must match the host the browser uses
    baseURL: `http://localhost:${port}`,
    ignoreHTTPSErrors: true,
    locale: "pt-BR",
    trace: "retain-on-failure",
  },
  projects: [
    {
      // each role signed in once for the run (e2e/sign-in.setup.ts)
      name: "sign-in",
      testMatch: /\.setup\.ts$/,
      use: chromium,
    },
    {
      name: "chromium",
      testIgnore: /leak-scan\.spec\.ts$/,
      dependencies: ["sign-in"],
      use: chromium,
    },
    {
      // reads the server's log of the whole run and the built bundles: after everything else
      name: "leak-scan",
      testMatch: /leak-scan\.spec\.ts$/,
      dependencies: ["chromium"],
    },
  ],
  webServer: {
    command: "node --import tsx scripts/start.ts --fresh",
    url: `http://localhost:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "pipe",
    env: {
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      CONSULTA_DATA_DIR: e2eDataDir,
      EMBEDDED_DB_PORT: "0",
      LOG_LEVEL: "info",
      // e2e/leak-scan.spec.ts reads the server's output from here
      CONSULTA_LOG_FILE: `${e2eDataDir}/server.log`,
      DATABASE_URL: "",
      AUTH_MICROSOFT_ENTRA_ID_ID: "",
    },
  },
});
