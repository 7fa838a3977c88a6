// Server CPU per request, the figure the booking and patient-page benchmarks' ratios are made of, read
// from the app server's own CPU time (/proc/<pid>/stat: user + system) around a fixed number of
// requests. Less noisy than requests/s on a shared machine: other processes' load does not count
// against the server. `npm run bench:server-cpu` (Linux only).
// BENCH_PROFILE=<dir> also writes a V8 CPU profile of the server per measured kind into that folder
// (bench/cpu-profile-preload.mjs). Profiles taken while the machine is busy blame timer and promise
// frames for the time the server's thread waited for a CPU; take them on a quiet machine.
// Measures, in this order: /api/ping, POST /api/appointments (the booking bench's mix), /j/<token>,
// with CLIENTS concurrent clients; each is warmed before it is measured.
import { execFileSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { hashJoinToken, newJoinToken } from "@/lib/appointments/join-token";
import { createPrismaClient } from "@/lib/db/create-client";
import { freshDatabase, machine, root, startApp } from "./lib";

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

/** The Next server: the start script's child that runs `next start`. */
function serverPid(startPid: number): number {
  // Next renames its process ("next-server (v…)"), so match either name
  const out = execFileSync("pgrep", ["-P", String(startPid), "-f", "next"], { encoding: "utf8" }).trim();
  return Number(out.split("\n")[0]);
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // fields after "(comm) ": state is [0], utime [11], stime [12]
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
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
  const type = await db.appointmentType.create({
    data: { slug: "bench", name: "Bench", durationMinutes: 15, minimumNoticeMinutes: 0, bookingHorizonDays: 30 },
  });
  const clinicians = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      db.user.create({
        data: {
          email: `clinician-${i}@bench.example`,
          name: `Bench clinician ${i}`,
          role: "CLINICIAN",
          timeZone: "UTC",
          appointmentTypes: { connect: { id: type.id } },
          weeklyAvailability: {
            create: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 1440 })),
          },
        },
      }),
    ),
  );
  const staff = await db.user.create({ data: { email: "staff@bench.example", name: "Bench staff", role: "STAFF" } });
  const sessionToken = crypto.randomBytes(32).toString("hex");
  await db.session.create({ data: { sessionToken, userId: staff.id, expires: new Date(Date.now() + DAY_MS) } });
  const patient = await db.patient.create({
    data: { firstName: "Ana", lastName: "Bench", locale: "pt-BR", timeZone: "America/Sao_Paulo" },
  });
  const link = newJoinToken();
  const startsAt = new Date(Math.ceil((Date.now() + 2 * DAY_MS) / 3_600_000) * 3_600_000);
  const endsAt = new Date(startsAt.getTime() + 15 * 60_000);
  await db.appointment.create({
    data: {
      clinicianId: clinicians[0]!.id,
      patientId: patient.id,
      appointmentTypeId: type.id,
      startsAt,
      endsAt,
      blockedFrom: startsAt,
      blockedUntil: endsAt,
      joinTokenHash: hashJoinToken(link.token),
      joinTokenExpiresAt: new Date(endsAt.getTime() + DAY_MS),
    },
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
  const pid = serverPid(app.pid!);

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
    return (await send("GET", `/j/${link.token}`, { "x-forwarded-for": forwarded })).status;
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
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    const statuses = await run(REQUESTS, request);
    const seconds = (performance.now() - t0) / 1000;
    const perRequest = (cpuMs(pid) - cpu0) / REQUESTS;
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
