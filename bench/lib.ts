// Helpers shared by the benchmarks: a throwaway PostgreSQL database (on the embedded server unless one is
// given) and percentile summaries.
// Benchmarks print figures; they never assert timings.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../scripts/embedded-postgres";

export const root = path.resolve(import.meta.dirname, "..");

let embedded: Promise<EmbeddedPostgres> | undefined;

/**
 * The server the benchmark databases are made on: BENCH_DATABASE_URL or DATABASE_URL, else the embedded
 * PostgreSQL that `npm start` uses, as it runs there (persistent, durable commits), in a folder removed at exit.
 */
export async function serverUrl(): Promise<string> {
  const configured = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL;
  if (configured) return configured;
  embedded ??= (async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "consulta-bench-pg-"));
    process.once("exit", () => fs.rmSync(folder, { recursive: true, force: true }));
    return startEmbeddedPostgres({ dataDir: path.join(folder, "data") });
  })();
  return (await embedded).adminUrl;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(await serverUrl(), "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates and migrates a fresh database; returns its URL and a function that drops it. */
export async function freshDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `consulta_bench_${label}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  const url = withDatabase(await serverUrl(), name);
  const child = spawn(process.execPath, [path.join(root, "scripts/prisma.mjs"), "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    stdio: "ignore",
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error("migration of the benchmark database failed");
  return { url, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), n: sorted.length };
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;

export function machine(): string {
  return `${process.platform} ${process.arch}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/**
 * Starts the built app (`scripts/start.ts`, which runs `next build` first when the build is stale) on
 * `port` against `databaseUrl`, and waits until /api/ping answers. No identity provider is contacted:
 * benchmark sessions are rows in the database. Job workers are off.
 */
export async function startApp(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const base = `http://localhost:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      CONSULTA_DATA_DIR: path.join(os.tmpdir(), `consulta-bench-${process.pid}`),
      AUTH_MICROSOFT_ENTRA_ID_ID: "bench",
      AUTH_MICROSOFT_ENTRA_ID_SECRET: "bench",
      AUTH_MICROSOFT_ENTRA_ID_ISSUER: "https://login.microsoftonline.com/bench/v2.0",
      // no Graph is contacted; a non-Microsoft host lets the app start on plain http (lib/env.ts)
      GRAPH_BASE_URL: "http://127.0.0.1:9",
      AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
      PUBLIC_BASE_URL: base,
      CONSULTA_WORKERS: "off",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error("the app exited while starting");
    try {
      if ((await fetch(`${base}/api/ping`)).status === 204) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill("SIGTERM");
  throw new Error("the app did not start");
}

/** Runs `request` in a loop on `clients` concurrent clients for `seconds`; returns completed requests/s. */
export async function closedLoop(clients: number, seconds: number, request: () => Promise<void>): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await request();
        done++;
      }
    }),
  );
  return done / seconds;
}

/** The processes (pid → command line) on this machine that `match` accepts, from /proc. */
export function processesMatching(match: (cmdline: string, pid: number) => boolean): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      if (cmdline && match(cmdline, Number(entry))) found.set(Number(entry), cmdline);
    } catch {
      // ended while listed
    }
  }
  return found;
}

/** The parent of process `pid` (from /proc), or null once it has ended. */
export function parentPid(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // after the parenthesised command name: state, then the parent's pid
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/**
 * Single-row INSERTs per second by pgbench (`clients` connections, 10 s) into a table `createTable` makes,
 * with `insert` as the transaction: the database's own floor for the benchmarks' ratios.
 */
export function pgbenchRate(databaseUrl: string, options: { clients: number; createTable: string; insert: string }) {
  const script = path.join(os.tmpdir(), `consulta-bench-${process.pid}.sql`);
  fs.writeFileSync(script, `${options.insert}\n`);
  try {
    const created = spawnSync("psql", [databaseUrl, "-qc", options.createTable], { encoding: "utf8" });
    if (created.status !== 0) throw new Error(`pgbench table not created: ${created.stderr}`);
    const result = spawnSync(
      "pgbench",
      ["-n", "-c", String(options.clients), "-j", "2", "-T", "10", "-f", script, databaseUrl],
      { encoding: "utf8" },
    );
    const tps = /tps = ([\d.]+)/.exec(result.stdout ?? "");
    return tps ? Number(tps[1]) : NaN;
  } finally {
    fs.rmSync(script, { force: true });
  }
}

// /proc/<pid>/stat counts CPU in clock ticks; Linux reports them at 100 per second (USER_HZ)
const MS_PER_TICK = 10;

/** CPU time (user + system, ms) the processes have used so far; a process that has ended counts 0. */
export function cpuMs(pids: Iterable<number>): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
    } catch {
      // ended
    }
  }
  return total;
}

export type ProcessGroups = Record<string, (cmdline: string, pid: number) => boolean>;

/**
 * The processes of the PostgreSQL server at `databaseUrl` only (its postmaster, found by its port, and the
 * backends and helpers it started): "postgres:" alone would count every cluster on a shared machine, other
 * people's test servers included.
 */
export function postgresServing(databaseUrl: string): (cmdline: string, pid: number) => boolean {
  const port = new URL(databaseUrl).port || "5432";
  const postmaster = [
    ...processesMatching((c) => /(^|\/)postgres\s/.test(c) && c.includes(" -D ") && c.includes(` -p ${port}`)).keys(),
  ][0];
  // a server whose command line does not name its port (a system service): every PostgreSQL process
  if (postmaster === undefined) return (cmdline) => cmdline.startsWith("postgres:");
  return (_cmdline, pid) => pid === postmaster || parentPid(pid) === postmaster;
}

/** Each group's processes with the CPU they have used so far: the start of a measurement. */
function cpuSnapshot(groups: ProcessGroups): Record<string, Map<number, number>> {
  return Object.fromEntries(
    Object.entries(groups).map(([name, match]) => [
      name,
      new Map([...processesMatching(match).keys()].map((pid) => [pid, cpuMs([pid])])),
    ]),
  );
}

/**
 * CPU (ms) each group used since `snapshot`; processes started since count from zero (a new database
 * backend, a restarted app), processes that have ended since count nothing (their CPU is gone from /proc).
 */
function cpuSince(groups: ProcessGroups, snapshot: Record<string, Map<number, number>>): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [name, match] of Object.entries(groups)) {
    used[name] = 0;
    for (const pid of processesMatching(match).keys())
      used[name] += Math.max(0, cpuMs([pid]) - (snapshot[name]?.get(pid) ?? 0));
  }
  return used;
}

/**
 * Starts measuring the CPU each group of processes, and this process (as `ownLabel`), uses; `stop` reads
 * what each used since. Read from /proc.
 */
export function cpuMeter(groups: ProcessGroups, ownLabel = "benchmark client"): { stop(): Record<string, number> } {
  const snapshot = cpuSnapshot(groups);
  const ownBefore = process.cpuUsage();
  return {
    stop() {
      const own = process.cpuUsage(ownBefore);
      return { ...cpuSince(groups, snapshot), [ownLabel]: (own.user + own.system) / 1000 };
    },
  };
}

/** The CPU each group of processes, and this process, uses while `work` runs. */
export async function cpuDuring<T>(
  groups: ProcessGroups,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: Record<string, number> }> {
  const meter = cpuMeter(groups);
  const result = await work();
  return { result, cpu: meter.stop() };
}
