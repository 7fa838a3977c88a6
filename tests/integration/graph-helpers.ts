// Shared setup for the lib/graph integration tests: the emulator in-process and a gateway config
// pointing at it. NODE_EXTRA_CA_CERTS is only read at process start, so the emulator's CA is trusted
// through the gateway's network injection point (GraphConfig.fetch): a fetch over node:https with `ca`.
import https from "node:https";
import type { EmulatorLimits } from "@/emulator/config";
import type { RunningEmulator } from "@/emulator/server";
import { request, startTestEmulator } from "@/emulator/test/helpers";
import type { GraphConfig } from "@/lib/graph/gateway";
import { speechSynthesizer } from "@/lib/prompts/synth";

/** The prompts' speech from the emulator's Azure AI Speech text-to-speech stand-in (lib/prompts/synth.ts). */
export function emulatorSpeech(graph: GraphTestEnv) {
  return speechSynthesizer({
    endpoint: `${graph.emu.url}/cognitiveservices/v1`,
    key: "test-key",
    fetch: fetchTrusting(graph.emu.ca),
  });
}

export function fetchTrusting(ca: string): typeof fetch {
  const agent = new https.Agent({ ca });
  return async (input, init) => {
    const req = new Request(input, init);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    req.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return new Promise<Response>((resolve, reject) => {
      const outgoing = https.request(
        req.url,
        { method: req.method, headers, agent, signal: init?.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const responseHeaders = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              for (const v of ([] as string[]).concat(value ?? [])) responseHeaders.append(key, v);
            }
            const status = res.statusCode ?? 0;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers: responseHeaders }));
          });
        },
      );
      outgoing.on("error", reject);
      if (body) outgoing.write(body);
      outgoing.end();
    });
  };
}

export interface GraphTestEnv {
  emu: RunningEmulator;
  config: GraphConfig;
  /** Every URL the gateway fetched, in order (Entra and Graph). */
  fetched: string[];
  close(): Promise<void>;
}

export async function startGraphTestEnv(
  overrides: Partial<GraphConfig> = {},
  emulatorLimits: Partial<EmulatorLimits> = {},
): Promise<GraphTestEnv> {
  const emu = await startTestEmulator({ limits: emulatorLimits });
  const fetched: string[] = [];
  const trusted = fetchTrusting(emu.ca);
  const config: GraphConfig = {
    authority: emu.msalAuthority,
    clientId: emu.registration.clientId,
    clientSecret: emu.registration.clientSecret,
    graphBaseUrl: emu.url,
    fetch: (input, init) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return trusted(input, init);
    },
    ...overrides,
  };
  return { emu, config, fetched, close: () => emu.close() };
}

export async function addFault(emu: RunningEmulator, rule: Record<string, unknown>): Promise<{ id: number }> {
  const res = await request(emu, "POST", "/_emulator/faults", { body: rule });
  if (res.status >= 300) throw new Error(`fault rejected: ${res.status} ${res.text}`);
  return res.json as { id: number };
}

export async function faultHits(emu: RunningEmulator): Promise<number[]> {
  const res = await request(emu, "GET", "/_emulator/faults");
  return (res.json.value as { hits: number }[]).map((f) => f.hits);
}

/** How clients retried what each throttle rule answered 429 (the emulator matches retries by client-request-id). */
export async function faultRetries(
  emu: RunningEmulator,
): Promise<({ honoured: number; early: number; shortestWaitMs: number | null } | undefined)[]> {
  const res = await request(emu, "GET", "/_emulator/faults");
  return (res.json.value as { retries?: { honoured: number; early: number; shortestWaitMs: number | null } }[]).map(
    (f) => f.retries,
  );
}

export async function clearFaults(emu: RunningEmulator): Promise<void> {
  await request(emu, "DELETE", "/_emulator/faults");
}

export async function emulatorMeetings(emu: RunningEmulator): Promise<{ id: string; subject: string }[]> {
  return (await request(emu, "GET", "/_emulator/meetings")).json.value;
}

/**
 * Pins forms the emulator draws per call (emulator/variants.ts) for the calls created from now on; `{}`
 * gives the draw back.
 */
export async function forceEmulatorVariants(emu: RunningEmulator, force: Record<string, unknown>): Promise<void> {
  const res = await request(emu, "PUT", "/_emulator/variants", { body: { force } });
  if (res.status !== 200) throw new Error(`variants rejected: ${res.status} ${res.text}`);
}
