// `npm run db:migrate` and `npm run db:seed`: apply migrations / load demo data into DATABASE_URL, or into
// the embedded database when none is set: the running app's server if `npm start` is up, else the cluster
// under .data/postgres started for the command and stopped after it.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startEmbeddedPostgres } from "./embedded-postgres";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.resolve(root, process.env.CONSULTA_DATA_DIR || ".data");
const command = process.argv[2];
const steps: Record<string, string[][]> = {
  migrate: [["scripts/prisma.mjs", "migrate", "deploy"]],
  // the seed imports lib/, whose modules are "server-only": they load only under the react-server condition
  seed: [["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"]],
  setup: [
    ["scripts/prisma.mjs", "migrate", "deploy"],
    ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"],
  ],
};

function runningEmbeddedUrl(): string | null {
  const file = path.join(dataDir, "embedded-db.json");
  if (!fs.existsSync(file)) return null;
  const { pid, url } = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number; url: string };
  try {
    process.kill(pid, 0);
    return url;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const plan = command ? steps[command] : undefined;
  if (!plan) throw new Error(`usage: db.ts <${Object.keys(steps).join("|")}>`);
  let url = process.env.DATABASE_URL || runningEmbeddedUrl();
  const embedded = url
    ? null
    : await startEmbeddedPostgres({
        dataDir: path.join(dataDir, "postgres"),
        port: Number(process.env.EMBEDDED_DB_PORT ?? 55432),
      });
  url ??= embedded!.url;
  try {
    for (const args of plan) {
      const child = spawn(process.execPath, args, {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, DATABASE_URL: url },
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code !== 0) throw new Error(`${args.join(" ")} failed`);
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
