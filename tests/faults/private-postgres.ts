// A PostgreSQL server of the test's own (initdb + pg_ctl on a temporary folder and a port of its own), so a
// test can stop and start the database under a running app. The cluster belongs to the "postgres" system
// user, as PostgreSQL refuses to run as root.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "./helpers";

const BIN = process.env.POSTGRES_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  url: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

function asOwner(command: string, args: string[]): string {
  const full = path.join(BIN, command);
  const isRoot = process.getuid?.() === 0;
  return execFileSync(isRoot ? "runuser" : full, isRoot ? ["-u", "postgres", "--", full, ...args] : args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function startPrivatePostgres(port: number): PrivatePostgres {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-faults-pg-"));
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  asOwner("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () => void asOwner("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "log"), "-w", "start"]);
  // fast: the server disconnects every client at once, like a crash or a failover does
  const stop = () => void asOwner("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  start();
  asOwner("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "consulta"]);
  const url = `postgresql://postgres@127.0.0.1:${port}/consulta`;
  execFileSync(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    stdio: "pipe",
  });
  return {
    url,
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
