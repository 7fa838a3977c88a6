// The patient's join page (/j/<token>) from the production build on a PostgreSQL server.
// 1. First-load JS: the scripts the page's HTML makes a browser load (module scripts; `nomodule`
//    polyfills are skipped by every current browser), next to the framework's shared JS: the scripts
//    of the app's 404 page, a page without client components (the build manifest's rootMainFiles
//    plus the App Router's own client chunk: layout router, error and not-found boundaries).
// 2. Time to first byte under CLIENTS concurrent requests, next to a static file (a built JS chunk)
//    and a no-op dynamic route (/api/ping) from the same server under the same load; rounds alternate
//    so machine noise hits all three alike. The no-op route is the floor of any dynamic answer: if it
//    alone is above 2 × the static file, no page can meet that target on this machine.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import zlib from "node:zlib";
import type { ChildProcess } from "node:child_process";
import { createPrismaClient } from "@/lib/db/create-client";
import { freshDatabase, machine, ms, root, startApp, summary } from "./lib";
import { appointmentWithLink } from "./seed";

const CLIENTS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = 2;
const PORT = Number(process.env.BENCH_PORT ?? 3501);
const BASE = `http://localhost:${PORT}`;

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

/** Time from sending the request to the response's first byte (status line and headers), in ms. */
function timeToFirstByte(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const request = http.get(`${BASE}${pathname}`, { agent, headers }, (response) => {
      const elapsed = performance.now() - t0;
      response.on("end", () => resolve({ ms: elapsed, status: response.statusCode ?? 0 }));
      response.on("error", reject);
      response.resume();
    });
    request.on("error", reject);
  });
}

async function measure(
  pathname: string,
  seconds: number,
  headers: () => Record<string, string>,
  into: number[],
  expected = 200,
) {
  const until = performance.now() + seconds * 1000;
  let failures = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const { ms: elapsed, status } = await timeToFirstByte(pathname, headers());
        if (status === expected) into.push(elapsed);
        else failures++;
      }
    }),
  );
  return failures;
}

interface Script {
  src: string;
  noModule: boolean;
}

function scriptsOf(html: string): Script[] {
  const scripts: Script[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>/g)) {
    const attributes = match[1] ?? "";
    const src = /\bsrc="([^"]+)"/.exec(attributes)?.[1];
    if (src) scripts.push({ src: src.replace(/&amp;/g, "&"), noModule: /\bnoModule\b|\bnomodule\b/.test(attributes) });
  }
  return scripts;
}

async function sizes(paths: string[]): Promise<{ raw: number; gzip: number }> {
  let raw = 0;
  let gzip = 0;
  for (const p of new Set(paths)) {
    const body = Buffer.from(await (await fetch(new URL(p, BASE))).arrayBuffer());
    raw += body.length;
    gzip += zlib.gzipSync(body).length;
  }
  return { raw, gzip };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

const database = await freshDatabase("patient_page");
const db = createPrismaClient(database.url, { max: 2 });
let app: ChildProcess | undefined;
try {
  const type = await db.appointmentType.create({
    data: { slug: "bench", name: "Consulta", durationMinutes: 30, cancellationCutoffMinutes: 60 },
  });
  const clinician = await db.user.create({
    data: { email: "clinician@bench.example", name: "Dra. Bench", role: "CLINICIAN", timeZone: "America/Sao_Paulo" },
  });
  const patient = await db.patient.create({
    data: { firstName: "Ana", lastName: "Bench", locale: "pt-BR", timeZone: "America/Sao_Paulo" },
  });
  const { token: linkToken, appointment } = await appointmentWithLink(db, {
    clinicianId: clinician.id,
    patientId: patient.id,
    appointmentTypeId: type.id,
    durationMinutes: 30,
  });
  await db.onlineMeeting.create({
    data: {
      appointmentId: appointment.id,
      externalId: crypto.randomUUID(),
      organizerId: clinician.id,
      tokenKind: "APPLICATION",
      state: "READY",
      joinWebUrl: "https://teams.microsoft.com/l/meetup-join/bench",
      subject: "Consulta",
      startsAt: appointment.startsAt,
      endsAt: appointment.endsAt,
    },
  });

  // One proxy in front of the app (TRUSTED_PROXY_HOPS=2: ours and the socket): every simulated patient
  // has an address of its own, as on the internet, so the per-address link budget does not refuse them.
  app = await startApp(database.url, PORT, { TRUSTED_PROXY_HOPS: "2" });
  let patientNumber = 0;
  const patientHeaders = () => {
    patientNumber++;
    return {
      "x-forwarded-for": `10.${(patientNumber >> 16) & 255}.${(patientNumber >> 8) & 255}.${patientNumber & 255}`,
    };
  };
  const pagePath = `/j/${linkToken}`;

  // --- first-load JS ---------------------------------------------------------------------------------
  const pageResponse = await fetch(`${BASE}${pagePath}`, { headers: patientHeaders() });
  const html = await pageResponse.text();
  if (pageResponse.status !== 200 || !html.includes("teams.microsoft.com"))
    throw new Error("the patient page did not render");
  const modules = (document: string) =>
    scriptsOf(document)
      .filter((s) => !s.noModule)
      .map((s) => new URL(s.src, BASE).pathname);
  const loaded = modules(html);
  const notFound = await fetch(`${BASE}/bench-no-such-page`);
  if (notFound.status !== 404) throw new Error("the 404 page did not answer 404");
  const shared = modules(await notFound.text());
  const manifest = JSON.parse(fs.readFileSync(path.join(root, ".next/build-manifest.json"), "utf8")) as {
    rootMainFiles: string[];
  };
  const rootMain = manifest.rootMainFiles.map((file) => `/_next/${file}`);
  const own = loaded.filter((p) => !shared.includes(p));
  const rootMainSize = await sizes(rootMain);
  const sharedSize = await sizes(shared);
  const pageSize = await sizes(loaded);
  const ownSize = await sizes(own);

  // --- time to first byte ------------------------------------------------------------------------------
  const staticPath = rootMain.at(-1)!;
  const pageSamples: number[] = [];
  const staticSamples: number[] = [];
  const pingSamples: number[] = [];
  let pageFailures = 0;
  let staticFailures = 0;
  let pingFailures = 0;
  // warm both paths (compiled routes, connection pools) before measuring
  await measure(pagePath, 2, patientHeaders, []);
  await measure(staticPath, 2, () => ({}), []);
  await measure("/api/ping", 2, () => ({}), [], 204);
  const slice = SECONDS / (2 * ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    staticFailures += await measure(staticPath, slice, () => ({}), staticSamples);
    pingFailures += await measure("/api/ping", slice, () => ({}), pingSamples, 204);
    pageFailures += await measure(pagePath, slice, patientHeaders, pageSamples);
  }
  const page = summary(pageSamples);
  const file = summary(staticSamples);
  const ping = summary(pingSamples);

  console.info(`patient join page — ${machine()}`);
  console.info(`  first-load JS (module scripts in the page's HTML, raw / gzip):`);
  console.info(
    `    /j/[token]:                        ${kB(pageSize.raw)} / ${kB(pageSize.gzip)}  (${loaded.length} files)`,
  );
  console.info(
    `    baseline framework shared JS:      ${kB(sharedSize.raw)} / ${kB(sharedSize.gzip)}  (${shared.length} files: the 404 page's)`,
  );
  console.info(`      of which rootMainFiles:          ${kB(rootMainSize.raw)} / ${kB(rootMainSize.gzip)}`);
  console.info(
    `    difference:                        ${kB(pageSize.raw - sharedSize.raw)} / ${kB(pageSize.gzip - sharedSize.gzip)}  (target ≤ 3 kB)`,
  );
  console.info(
    `    files beyond the shared ones:      ${own.length ? own.join(", ") : "none"}  (${kB(ownSize.gzip)} gzip)`,
  );
  console.info(`    HTML document:                     ${kB(Buffer.byteLength(html))}`);
  console.info(
    `  time to first byte, ${CLIENTS} concurrent clients, ${SECONDS / 2} s each in ${ROUNDS} alternating rounds:`,
  );
  console.info(
    `    /j/[token]:        p50 ${ms(page.p50)}  p95 ${ms(page.p95)}  p99 ${ms(page.p99)}  (${page.n} answers, ${pageFailures} not 200)`,
  );
  console.info(
    `    baseline static:   p50 ${ms(file.p50)}  p95 ${ms(file.p95)}  p99 ${ms(file.p99)}  (${file.n} answers, ${staticFailures} not 200; ${staticPath})`,
  );
  console.info(
    `    baseline no-op route: p50 ${ms(ping.p50)}  p95 ${ms(ping.p95)}  p99 ${ms(ping.p99)}  (${ping.n} answers, ${pingFailures} not 204; /api/ping)`,
  );
  console.info(`    ratio p95 page ÷ static: ${(page.p95 / file.p95).toFixed(2)}  (target ≤ 2)`);
  console.info(
    `    ratio p95 no-op route ÷ static: ${(ping.p95 / file.p95).toFixed(2)}  (the floor for any dynamic answer)`,
  );
  console.info(`    ratio p95 page ÷ no-op route: ${(page.p95 / ping.p95).toFixed(2)}`);
} finally {
  app?.kill("SIGTERM");
  agent.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  await db.$disconnect();
  await database.drop().catch(() => undefined);
}
// the embedded PostgreSQL server of bench/lib keeps the event loop alive
process.exit(0);
