// What an integration test file sets up once and takes down at its end — its database, the Graph emulator, a
// bot or a reminder environment (tests/integration/*-helpers.ts) — is one call at the top of the file, which
// registers the file's beforeAll/afterAll pair and returns a handle:
//
//   const database = databasePerFile();
//   const env = perFile(() => startReminderEnv());
//
// Not Vitest's file-scoped fixtures (test.extend, scope "file"): these files read their setup from module-level
// helpers (`visit()`, `sweepFor()`, …) and from it.each tests, which get no fixture context, so a fixture would
// have to be passed through every test and helper; and a fixture starts inside the first test that asks for it,
// under the test's timeout, where the emulator's start belongs under the hook's.
import { afterAll, beforeAll } from "vitest";
import { setDbForTests } from "@/lib/db";
import { namedTestDatabase, type TestDatabase } from "./database";

/**
 * The file's own database (cloned from the migrated template before its tests, dropped after them), with the
 * app's shared client (lib/db) pointed at it. `url` and `db` are there at once: the file may keep them in
 * module-level constants; the database itself exists from the file's first beforeAll on.
 */
export function databasePerFile(): TestDatabase {
  const database = namedTestDatabase();
  beforeAll(async () => {
    await database.create();
    setDbForTests(database.db);
  });
  afterAll(() => database.close());
  return database;
}

/**
 * What `start` returns, started before the file's tests and closed after them. The handle reads through to it;
 * read before the file's beforeAll hooks have run (at module level), it throws instead of answering undefined.
 */
export function perFile<T extends { close(): Promise<void> }>(start: () => Promise<T>): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!started) throw new Error(`perFile: ${String(key)} read before the file's beforeAll started it`);
      return Reflect.get(started, key);
    },
  });
}
