// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql for the
// changes made to prisma/schema.prisma. Runs `prisma migrate dev --create-only` against a throwaway
// embedded PostgreSQL (started here, removed after), so it needs no server and no internet; the folder it
// writes is Prisma's normal format and `prisma migrate deploy` applies it anywhere.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "./embedded-postgres";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <name>   (lowercase letters, digits and _)");
  process.exit(2);
}

const server = await startEmbeddedPostgres({
  dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "consulta-migration-pg-")),
  persistent: false,
});
let status = 1;
try {
  const child = spawn(
    process.execPath,
    [path.join(import.meta.dirname, "prisma.mjs"), "migrate", "dev", "--create-only", "--name", name],
    // the shadow database is created and dropped on the same throwaway server
    { stdio: "inherit", env: { ...process.env, DATABASE_URL: server.url, SHADOW_DATABASE_URL: "" } },
  );
  status = (await new Promise<number | null>((resolve) => child.once("exit", resolve))) ?? 1;
} finally {
  await server.stop();
}
process.exit(status);
