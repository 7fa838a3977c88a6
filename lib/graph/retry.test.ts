import { describe, expect, it } from "vitest";
import { empty, graphErrorBody, json, manualClock, scriptedFetch, staticToken } from "./__fixtures__/fake-graph";
import { createGraphClient } from "./client";
import { GraphError } from "./errors";
import { backoffDelayMs, decideRetry, defaultRetryPolicy } from "./retry";

const BASE = "https://graph.microsoft.com";

function setup(fetchImpl: typeof fetch, clock = manualClock(), retry = {}) {
  return {
    clock,
    client: createGraphClient({ baseUrl: BASE, tokenSource: staticToken, fetch: fetchImpl, clock, retry }),
  };
}

describe("retry policy", () => {
  it("honours Retry-After in seconds on 429 and then succeeds", async () => {
    const net = scriptedFetch(
      json(429, graphErrorBody("TooManyRequests"), { "Retry-After": "2" }),
      json(429, graphErrorBody("TooManyRequests"), { "Retry-After": "3" }),
      json(200, { id: "call-1" }),
    );
    const { client, clock } = setup(net.fetch);
    const response = await client.request("GET", "/communications/calls/call-1");
    expect(response.body).toEqual({ id: "call-1" });
    expect(clock.sleeps).toEqual([2000, 3000]);
    expect(net.requests).toHaveLength(3);
    // every attempt carries the token and goes to v1.0
    expect(net.requests.every((r) => r.headers.authorization === "Bearer test-token")).toBe(true);
    expect(net.requests[0]!.url).toBe(`${BASE}/v1.0/communications/calls/call-1`);
  });

  it("honours Retry-After given as an HTTP date on 503", async () => {
    const clock = manualClock(Date.UTC(2030, 0, 1, 12, 0, 0));
    const at = new Date(Date.UTC(2030, 0, 1, 12, 0, 7)).toUTCString();
    const net = scriptedFetch(json(503, graphErrorBody("serviceNotAvailable"), { "Retry-After": at }), empty(204));
    const { client } = setup(net.fetch, clock);
    const response = await client.request("DELETE", "/communications/calls/x");
    expect(response.status).toBe(204);
    expect(clock.sleeps).toEqual([7000]);
  });

  it("backs off exponentially with jitter when Retry-After is absent (503, 504)", async () => {
    const net = scriptedFetch(
      json(503, graphErrorBody("serviceNotAvailable")),
      empty(504),
      json(503, graphErrorBody("serviceNotAvailable")),
      json(200, { ok: true }),
    );
    const { client, clock } = setup(net.fetch, manualClock(0, 0.5));
    await client.request("GET", "/me/onlineMeetings/m");
    // equal jitter at random()=0.5: three quarters of 500, 1000, 2000
    expect(clock.sleeps).toEqual([375, 750, 1500]);
  });

  it("keeps each backoff between half and all of its capped step", () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 500, maxDelayMs: 4000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(250);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(500);
    expect(backoffDelayMs(10, policy, () => 0)).toBe(2000);
    expect(backoffDelayMs(10, policy, () => 1)).toBe(4000);
  });

  it("gives up within the bounded total time and reports the last answer as a GraphError", async () => {
    const net = scriptedFetch(
      json(503, graphErrorBody("serviceNotAvailable", "down", "r-503"), { "Retry-After": "10" }),
    );
    const { client, clock } = setup(net.fetch, manualClock(0), { maxTotalMs: 25_000, maxAttempts: 100 });
    const error = await client.request("GET", "/communications/calls/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      status: 503,
      code: "serviceNotAvailable",
      requestId: "r-503",
      retryAfterSeconds: 10,
    });
    // attempts at 0 s, 10 s, 20 s; a third wait would end at 30 s > 25 s
    expect(clock.sleeps).toEqual([10_000, 10_000]);
    expect(net.requests).toHaveLength(3);
    expect(clock.now()).toBeLessThanOrEqual(25_000);
  });

  it("gives up after maxAttempts even when time is left", async () => {
    const net = scriptedFetch(json(429, graphErrorBody("TooManyRequests"), { "Retry-After": "1" }));
    const { client } = setup(net.fetch, manualClock(0), { maxAttempts: 3 });
    await expect(client.request("GET", "/x")).rejects.toMatchObject({ status: 429, code: "TooManyRequests" });
    expect(net.requests).toHaveLength(3);
  });

  it("gives up at once when Retry-After alone exceeds the budget", async () => {
    const net = scriptedFetch(json(429, graphErrorBody("TooManyRequests"), { "Retry-After": "120" }));
    const { client, clock } = setup(net.fetch);
    await expect(client.request("GET", "/x")).rejects.toMatchObject({ status: 429, retryAfterSeconds: 120 });
    expect(clock.sleeps).toEqual([]);
    expect(net.requests).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 409, 500])("never retries %i", async (status) => {
    const net = scriptedFetch(json(status, graphErrorBody("someCode"), { "Retry-After": "1" }));
    const { client, clock } = setup(net.fetch);
    await expect(client.request("POST", "/communications/calls", {})).rejects.toMatchObject({ status });
    expect(net.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("decideRetry names why it stops", () => {
    const clock = manualClock(0);
    const policy = defaultRetryPolicy;
    expect(decideRetry({ status: 404, retryAfter: null, attempt: 1, elapsedMs: 0 }, policy, clock)).toEqual({
      retry: false,
      reason: "final-status",
    });
    expect(
      decideRetry({ status: 429, retryAfter: "1", attempt: policy.maxAttempts, elapsedMs: 0 }, policy, clock),
    ).toEqual({ retry: false, reason: "max-attempts" });
    expect(decideRetry({ status: 429, retryAfter: "5", attempt: 1, elapsedMs: 26_000 }, policy, clock)).toEqual({
      retry: false,
      reason: "deadline",
    });
    expect(decideRetry({ status: 429, retryAfter: "5", attempt: 1, elapsedMs: 0 }, policy, clock)).toEqual({
      retry: true,
      delayMs: 5000,
      basis: "retry-after",
    });
  });
});

describe("transport errors", () => {
  it("turns a network failure into GraphError status 0 without retrying", async () => {
    const net = scriptedFetch(new TypeError("fetch failed"));
    const { client } = setup(net.fetch);
    const error = await client.request("GET", "/x").catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "GraphError", status: 0, code: "networkError" });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(net.requests).toHaveLength(1);
  });

  it("passes a token source's own error through unchanged", async () => {
    const failure = new Error("token boom");
    const net = scriptedFetch(json(200, {}));
    const client = createGraphClient({
      baseUrl: BASE,
      tokenSource: { getToken: () => Promise.reject(failure) },
      fetch: net.fetch,
      clock: manualClock(),
    });
    await expect(client.request("GET", "/me")).rejects.toMatchObject({ status: 0, cause: failure });
    expect(net.requests).toHaveLength(0);
  });

  it("sends the token to a custom Graph host (the emulator) and keeps the version prefix", async () => {
    const net = scriptedFetch(json(200, { value: [] }));
    const client = createGraphClient({
      baseUrl: "https://localhost:4443/",
      tokenSource: staticToken,
      fetch: net.fetch,
      clock: manualClock(),
    });
    await client.request("GET", "/communications/calls/a/participants");
    expect(net.requests[0]).toMatchObject({
      url: "https://localhost:4443/v1.0/communications/calls/a/participants",
      headers: { authorization: "Bearer test-token" },
    });
  });
});
