import path from "node:path";
import { defineConfig } from "vitest/config";

// Projects: fast unit tests (pure logic, the emulator in-process), integration tests that need a
// database, and the fault scenarios (processes killed and restarted). TZ is an odd non-UTC zone (UTC+5:45)
// so that code which forgets a time zone fails loudly.
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "tests/setup/server-only.ts"),
    },
  },
  test: {
    // AUTH_SECRET: a fixed test key, since bookings seal the patient's link under it (lib/appointments/join-token.ts)
    // EMULATOR_VARIANTS: every emulated call gets its documented forms drawn from a seed (emulator/variants.ts);
    // each emulator prints the seed it drew, and EMULATOR_SEED=<seed> replays a failing run
    env: {
      TZ: "Asia/Kathmandu",
      AUTH_SECRET: "vitest-only-secret-for-sealing-patient-links-0123456789",
      EMULATOR_VARIANTS: "random",
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "emulator/**/*.test.ts", "tests/unit/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          setupFiles: ["tests/setup/fail-on-console-error.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude: ["node_modules/**", "e2e/**"],
          setupFiles: ["tests/setup/fail-on-console-error.ts"],
          globalSetup: ["tests/setup/database-global.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // `npm run test:faults`: the app as a child process killed, stopped and restarted, the database
          // restarted under it, 429 storms (tests/faults); one file at a time, they start real processes
          name: "faults",
          include: ["tests/faults/**/*.fault.test.ts"],
          setupFiles: ["tests/setup/fail-on-console-error.ts"],
          globalSetup: ["tests/setup/database-global.ts"],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          // `npm run test:scale`: two web instances (the built app) and two workers on one database behind a
          // load balancer (tests/scale); needs `next build` first
          name: "scale",
          include: ["tests/scale/**/*.scale.test.ts"],
          setupFiles: ["tests/setup/fail-on-console-error.ts"],
          globalSetup: ["tests/setup/database-global.ts"],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
