// Server CPU per request, the figure the booking and patient-page benchmarks' ratios are made of, read
// from the app server's own CPU time (/proc/<pid>/stat: user + system) around a fixed number of
// requests. Less noisy than requests/s on a shared machine: other processes' load does not count
// against the server. `npm run bench:server-cpu` (Linux only).
// BENCH_PROFILE=<dir> also writes a V8 CPU profile of the server per measured kind into that folder
// (bench/cpu-profile-preload.mjs). Profiles taken while the machine is busy blame timer and promise
// frames for the time the server's thread waited for a CPU; take them on a quiet machine.
// Measures, in this order: /api/ping, POST /api/appointments (the booking bench's mix), /j/<token>,
// with CLIENTS concurrent clients; each is warmed before it is measured.
import type { ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createPrismaClient } from "@/lib/db/create-client";
import { cpuMs, freshDatabase, machine, parentPid, processesMatching, root, startApp } from "./lib";
import { alwaysOpenClinic, appointmentWithLink } from "./seed";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const PORT = Number(process.env.BENCH_PORT ?? 3502);
const BASE = `http://localhost:${PORT}`;
const DAY_MS = 86_400_000;
const only = process.env.BENCH_ONLY?.split(",");
const profileDir = process.env.BENCH_PROFILE;

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

function send(
  method: string,
  pathname: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${BASE}${pathname}`, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function run(count: number, request: () => Promise<number>): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let left = count;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (left-- > 0) {
        const status = await request();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
const database = await freshDatabase("server_cpu");
const db = createPrismaClient(database.url, { max: 2 });
let app: ChildProcess | undefined;
try {
  const { type, clinicians, sessionToken, patient } = await alwaysOpenClinic(db, 20);
  const { token: linkToken } = await appointmentWithLink(db, {
    clinicianId: clinicians[0]!.id,
    patientId: patient.id,
    appointmentTypeId: type.id,
    durationMinutes: 15,
  });

  app = await startApp(database.url, PORT, {
    TRUSTED_PROXY_HOPS: "2",
    ...(profileDir
      ? {
          NODE_OPTIONS: `--import=${path.join(root, "bench/cpu-profile-preload.mjs")}`,
          PROFILE_OUT: path.resolve(profileDir),
        }
      : {}),
  });
  // Next renames its process ("next-server (v…)"); the one the start script of this benchmark runs
  const [pid] = [...processesMatching((cmdline) => cmdline.startsWith("next-server")).keys()].filter(
    (candidate) => parentPid(candidate) === app!.pid,
  );
  if (pid === undefined) throw new Error("the Next server process was not found");

  // the booking bench's mix: half at 10 hot slots, half at random cold slots, 10 % resent
  const firstDay = Math.ceil((Date.now() + DAY_MS) / DAY_MS) * DAY_MS;
  const hotSlots = Array.from({ length: 10 }, (_, i) => new Date(firstDay + 10 * 3_600_000 + i * 15 * 60_000));
  const coldSlot = () => new Date(firstDay + DAY_MS + Math.floor(Math.random() * 13 * 96) * 15 * 60_000);
  const sent: { key: string; body: string }[] = [];
  const book = async () => {
    let key: string = crypto.randomUUID();
    let body: string;
    if (sent.length > 0 && Math.random() < 0.1) ({ key, body } = sent[Math.floor(Math.random() * sent.length)]!);
    else {
      const hot = Math.random() < 0.5;
      body = JSON.stringify({
        clinicianId: hot ? clinicians[0]!.id : clinicians[Math.floor(Math.random() * 20)]!.id,
        appointmentTypeId: type.id,
        patientId: patient.id,
        startsAt: (hot ? hotSlots[Math.floor(Math.random() * 10)]! : coldSlot()).toISOString(),
      });
    }
    const response = await send(
      "POST",
      "/api/appointments",
      {
        "content-type": "application/json",
        origin: BASE,
        cookie: `authjs.session-token=${sessionToken}`,
        "idempotency-key": key,
      },
      body,
    );
    if (response.status === 201) sent.push({ key, body });
    return response.status;
  };
  let patientNumber = 0;
  const page = async () => {
    patientNumber++;
    const forwarded = `10.${(patientNumber >> 16) & 255}.${(patientNumber >> 8) & 255}.${patientNumber & 255}`;
    return (await send("GET", `/j/${linkToken}`, { "x-forwarded-for": forwarded })).status;
  };
  const ping = async () => (await send("GET", "/api/ping", {})).status;

  console.info(`server CPU per request — ${machine()}, ${CLIENTS} clients, ${REQUESTS} requests each`);
  const results: Record<string, number> = {};
  for (const [name, request] of [
    ["ping", ping],
    ["booking", book],
    ["page", page],
  ] as const) {
    if (only && !only.includes(name)) continue;
    await run(Math.min(300, REQUESTS), request); // warm
    if (profileDir) process.kill(pid, "SIGUSR2"); // starts the profiler
    const cpu0 = cpuMs([pid]);
    const t0 = performance.now();
    const statuses = await run(REQUESTS, request);
    const seconds = (performance.now() - t0) / 1000;
    const perRequest = (cpuMs([pid]) - cpu0) / REQUESTS;
    results[name] = perRequest;
    if (profileDir) process.kill(pid, "SIGUSR2"); // writes the profile
    console.info(
      `  ${name.padEnd(8)} ${perRequest.toFixed(2)} ms CPU/request  ${(REQUESTS / seconds).toFixed(1)} requests/s  statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }
  if (results.ping) {
    for (const name of ["booking", "page"])
      if (results[name]) console.info(`  ${name} ÷ ping: ${(results[name] / results.ping).toFixed(2)}`);
  }
} finally {
  app?.kill("SIGTERM");
  agent.destroy();
  await new Promise((r) => setTimeout(r, profileDir ? 5000 : 1000));
  await db.$disconnect();
  await database.drop().catch(() => undefined);
}
// the embedded PostgreSQL server of bench/lib keeps the event loop alive
process.exit(0);
