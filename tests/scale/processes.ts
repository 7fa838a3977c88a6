// The processes of a deployment with several instances, as `npm start` runs them with CONSULTA_WORKERS=separate:
// web instances (`next start` on the one build in .next, workers off) and worker processes (`npm run worker`).
// Children of the test, so it can SIGKILL any of them.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { root, sleep } from "../faults/helpers";

export interface Instance {
  label: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Every process started here, so a failed start of one still ends the others (`killAll`). */
const everyInstance: Instance[] = [];

function started(label: string, child: ChildProcess): Instance {
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(line);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const instance = { label, child, lines, exited };
  everyInstance.push(instance);
  return instance;
}

async function ready(instance: Instance, probe: () => Promise<boolean>, timeoutMs: number): Promise<Instance> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) break;
    if (await probe().catch(() => false)) return instance;
    await sleep(250);
  }
  instance.child.kill("SIGKILL");
  throw new Error(`${instance.label} did not start:\n${instance.lines.slice(-20).join("\n")}`);
}

/** `next start` on `port` (the build must exist: `npm test` builds before it runs this), workers off. */
export async function startWeb(label: string, port: number, env: Record<string, string>): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: root,
      env: { ...process.env, ...env, CONSULTA_WORKERS: "off", NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const instance = started(label, child);
  return ready(instance, async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200, 120_000);
}

/** The standalone worker entry (scripts/worker.ts), ready once it logs so. */
export async function startWorker(label: string, env: Record<string, string>): Promise<Instance> {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", path.join(root, "scripts/worker.ts")],
    // info: its "worker process ready" line is how the test knows it runs
    {
      cwd: root,
      env: { ...process.env, ...env, CONSULTA_WORKERS: "on", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const instance = started(label, child);
  return ready(instance, async () => instance.lines.some((l) => l.includes("worker process ready")), 120_000);
}

export async function kill(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.kill("SIGKILL");
  await instance.exited;
}

export async function killAll(): Promise<void> {
  await Promise.all(everyInstance.map(kill));
}
