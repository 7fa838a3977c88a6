// /api/health's database check means "this code can run here": every migration of this build applied and
// finished, and a query through Prisma's client answers — not only that the server takes a SELECT 1.
import { describe, expect, it } from "vitest";
import { checkDatabaseSchema, expectedMigrations } from "@/lib/health";
import { databasePerFile } from "../helpers/per-file";

const database = databasePerFile();

describe("health: the database schema", () => {
  it("passes on a database migrated to this build", async () => {
    const expected = expectedMigrations();
    expect(expected).toContain("20261206051139_clinic_line_flow");
    await expect(checkDatabaseSchema(database.db, expected)).resolves.toBeUndefined();
  });

  it("fails when a migration of this build was never applied, or one stopped halfway", async () => {
    const expected = expectedMigrations();
    const newest = expected.at(-1)!;
    await database.db.$executeRaw`DELETE FROM _prisma_migrations WHERE migration_name = ${newest}`;
    await expect(checkDatabaseSchema(database.db, expected)).rejects.toThrow("1 migration(s) not applied");

    await database.db.$executeRaw`
      INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
      VALUES ('halfway', 'x', ${newest}, now(), 0)`;
    await expect(checkDatabaseSchema(database.db, expected)).rejects.toThrow("failed or is in progress");
  });

  it("fails when a table the client needs is gone, though SELECT 1 still answers", async () => {
    await database.db.$executeRawUnsafe(`DROP TABLE "User" CASCADE`);
    await database.db.$executeRaw`DELETE FROM _prisma_migrations WHERE finished_at IS NULL`;
    await expect(database.db.$queryRaw`SELECT 1`).resolves.toBeDefined();
    await expect(checkDatabaseSchema(database.db, [])).rejects.toThrow();
  });
});
