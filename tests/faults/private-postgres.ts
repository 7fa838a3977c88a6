// A PostgreSQL server of the test's own (an embedded cluster in a temporary folder, on a port of its own), so a
// test can stop and start the database under a running app without touching anyone else's server.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "@/scripts/embedded-postgres";
import { root } from "./helpers";

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-faults-pg-"));
  // persistent: the data must outlive stop() so that start() brings the same database back
  const server: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port });
  execFileSync(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: server.url },
    stdio: "pipe",
  });
  return {
    url: server.url,
    stop: () => server.stop(),
    start: () => server.start(),
    async destroy() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
