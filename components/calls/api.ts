// Browser side of the calls API (app/api/calls/**): same-origin fetch, so the browser sends the Origin
// header the state-changing routes check. Errors come back as the route's code; the UI translates it.
import type { RosterView } from "@/lib/bot/meeting-calls/types";
import type { Serialized } from "@/lib/http/json";

/** The roster route's reply (lib/bot/meeting-calls: RosterView), as the browser receives it. */
export type Roster = Serialized<RosterView>;
export type RosterParticipant = Roster["participants"][number];

export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; code: string; message: string };

async function call<T>(url: string, init: RequestInit): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "same-origin", cache: "no-store" });
  } catch {
    return { ok: false, status: 0, code: "NETWORK", message: "" };
  }
  let body: unknown = null;
  if (response.status !== 204) body = await response.json().catch(() => null);
  if (response.ok) return { ok: true, data: body as T };
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return { ok: false, status: response.status, code: error?.code ?? "INTERNAL", message: error?.message ?? "" };
}

export function postJson<T>(url: string, body?: unknown): Promise<ApiResult<T>> {
  return call<T>(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function getJson<T>(url: string): Promise<ApiResult<T>> {
  return call<T>(url, { method: "GET" });
}

export function getRoster(callId: string): Promise<ApiResult<Roster>> {
  return call<Roster>(`/api/calls/${encodeURIComponent(callId)}/roster`, { method: "GET" });
}

/** Spaces, dashes, dots and brackets people type are dropped; the rest must be E.164 (+ and 7–15 digits). */
export function normalisePhone(input: string): string {
  return input.replace(/[\s().-]/g, "");
}

export { E164, LIVE_CALL_STATES } from "@/lib/constants";
