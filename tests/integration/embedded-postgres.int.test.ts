// The embedded default (scripts/embedded-postgres.ts) as `npm start` uses it: a persistent cluster whose data
// outlives a restart, a clear refusal when its port is taken, and the extension the schema needs.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres } from "@/scripts/embedded-postgres";

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});
function tempFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-embedded-"));
  folders.push(folder);
  return folder;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  it("keeps its data across a stop and a new start on the same folder, with btree_gist available", async () => {
    const dataDir = path.join(tempFolder(), "postgres");
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    await query(first.url, "CREATE EXTENSION IF NOT EXISTS btree_gist");
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(second.url).toBe(first.url);
      expect(await query<{ note: string }>(second.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
      const [version] = await query<{ server_version_num: string }>(second.url, "SHOW server_version_num");
      expect(Number(version!.server_version_num)).toBeGreaterThanOrEqual(180000);
    } finally {
      await second.stop();
    }
  });

  it("refuses a port that is taken, saying which and how to choose another", async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    try {
      await expect(startEmbeddedPostgres({ dataDir: path.join(tempFolder(), "pg"), port })).rejects.toThrow(
        new RegExp(`Port ${port} .*taken.*EMBEDDED_DB_PORT`),
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("leaves the process's own exit code alone (the library's exit hook once made a failed run exit 0)", () => {
    const child = spawnSync(process.execPath, ["--import", "tsx", "tests/helpers/embedded-exit-code.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(3);
  });
});
