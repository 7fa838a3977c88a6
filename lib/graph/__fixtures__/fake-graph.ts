// Test doubles for lib/graph unit tests: a scripted fetch that records requests and a manual clock.
import type { Clock } from "../retry";

interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Scripted = Response | (() => Response) | Error;

export function scriptedFetch(...script: Scripted[]) {
  const requests: RecordedRequest[] = [];
  let last: Scripted | undefined;
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const raw = init?.body;
    requests.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers,
      body: typeof raw === "string" && raw ? JSON.parse(raw) : undefined,
    });
    // the last scripted answer repeats forever (an outage, a storm)
    const next = script.length > 0 ? script.shift()! : last;
    last = next;
    if (!next) throw new Error("scriptedFetch: no answer scripted");
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next() : next.clone();
  }) as typeof fetch;
  return { fetch: fetchImpl, requests };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): () => Response {
  return () =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function empty(status: number, headers: Record<string, string> = {}): () => Response {
  return () => new Response(null, { status, headers });
}

export function graphErrorBody(code: string, message = "boom", requestId = "req-1") {
  return { error: { code, message, innerError: { "request-id": requestId, date: "2030-01-01T00:00:00" } } };
}

/** Time moves only when someone sleeps. */
export function manualClock(start = Date.UTC(2030, 0, 1), random = 0.5): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    random: () => random,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

export const staticToken = { getToken: async () => "test-token" };
