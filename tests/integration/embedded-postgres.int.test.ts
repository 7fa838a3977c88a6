import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "@/lib/db/create-client";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/scripts/embedded-postgres";

let server: EmbeddedPostgres;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-embedded-"));
  server = await startEmbeddedPostgres({ dataDir });
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("embedded PostgreSQL server", () => {
  it("keeps each connection's parameterised queries intact under concurrency", async () => {
    // many connections, each sending parameterised statements of a different shape at once: every
    // answer must belong to its own question (booking.int.test's race on PGlite is the case that
    // first showed interleaved Parse/Bind messages)
    const db = createPrismaClient(server.url, { max: 12 });
    try {
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, i) => {
          const params = Array.from({ length: (i % 6) + 1 }, (_, k) => i * 10 + k);
          const sql = `SELECT (${params.map((_, k) => `$${k + 1}::int`).join(" + ")})::int AS total`;
          return db
            .$queryRawUnsafe<{ total: number }[]>(sql, ...params)
            .then((rows) => [rows[0]?.total, params.reduce((a, b) => a + b)]);
        }),
      );
      for (const [got, expected] of results) expect(got).toBe(expected);
    } finally {
      await db.$disconnect();
    }
  });

  it("lets a transaction on one connection finish while others wait", async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 4 });
    try {
      await pool.query("CREATE TABLE counter (n int)");
      await pool.query("INSERT INTO counter VALUES (0)");
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const client = await pool.connect();
          try {
            await client.query("BEGIN");
            const { rows } = await client.query<{ n: number }>("SELECT n FROM counter");
            await client.query("UPDATE counter SET n = $1", [rows[0]!.n + 1]);
            await client.query("COMMIT");
          } finally {
            client.release();
          }
        }),
      );
      expect((await pool.query<{ n: number }>("SELECT n FROM counter")).rows[0]?.n).toBe(20);
    } finally {
      await pool.end();
    }
  });
});
