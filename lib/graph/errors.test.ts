import { describe, expect, it } from "vitest";
import {
  GraphAuthError,
  GraphError,
  describeGraphFailure,
  graphErrorFrom,
  graphStatusOf,
  isForbidden,
  isNotFound,
  isThrottled,
  isTransientGraphFailure,
  needsReauthentication,
  parseRetryAfter,
  syncFailureRecord,
  toAppError,
} from "./errors";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const headers = (h: Record<string, string> = {}) => new Headers(h);

describe("graphErrorFrom", () => {
  it("reads code, message and request id from innerError (the examples' spelling)", () => {
    const body = JSON.stringify({
      error: {
        code: "itemNotFound",
        message: "The onlineMeeting 'x' was not found.",
        innerError: { "request-id": "req-a", "client-request-id": "cli-a", date: "2030-01-01T12:00:00" },
      },
    });
    const error = graphErrorFrom(404, headers(), body, NOW);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      status: 404,
      code: "itemNotFound",
      message: "The onlineMeeting 'x' was not found.",
      requestId: "req-a",
      clientRequestId: "cli-a",
      date: "2030-01-01T12:00:00",
    });
  });

  it("reads innererror (the schema's spelling), nested levels and the innermost code", () => {
    const body = JSON.stringify({
      error: {
        code: "TooManyRequests",
        message: "Please retry again later.",
        innererror: { code: "outer", innerError: { code: "429", "request-id": "req-b", status: "429" } },
      },
    });
    const error = graphErrorFrom(429, headers({ "Retry-After": "4" }), body, NOW);
    expect(error).toMatchObject({
      status: 429,
      code: "TooManyRequests",
      requestId: "req-b",
      innerCode: "429",
      retryAfterSeconds: 4,
    });
  });

  it("survives a non-JSON body (an HTML gateway page) and falls back to the status", () => {
    const error = graphErrorFrom(502, headers({ "request-id": "hdr-1" }), "<html>Bad gateway</html>", NOW);
    expect(error).toMatchObject({ status: 502, code: "generalException", requestId: "hdr-1" });
    expect(error.message).toContain("Bad gateway");
  });

  it("survives an empty body and a JSON body of the wrong shape", () => {
    expect(graphErrorFrom(503, headers(), "", NOW)).toMatchObject({
      code: "serviceNotAvailable",
      message: "Graph answered 503 with no body",
    });
    expect(graphErrorFrom(404, headers(), JSON.stringify({ error: "nope" }), NOW)).toMatchObject({
      code: "itemNotFound",
    });
    expect(graphErrorFrom(403, headers(), JSON.stringify({ error: { code: 7 } }), NOW)).toMatchObject({
      code: "accessDenied",
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, never negative, ignores junk", () => {
    expect(parseRetryAfter("10", NOW)).toBe(10);
    expect(parseRetryAfter(new Date(NOW + 2500).toUTCString(), NOW)).toBe(2);
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe("helpers", () => {
  const of = (status: number) => new GraphError({ status, code: "x", message: "m" });
  it("classify by status", () => {
    expect([isNotFound(of(404)), isNotFound(of(403)), isNotFound(new Error("404"))]).toEqual([true, false, false]);
    expect([isThrottled(of(429)), isThrottled(of(503))]).toEqual([true, false]);
    expect([isForbidden(of(403)), isForbidden(of(401))]).toEqual([true, false]);
    expect(needsReauthentication(new GraphAuthError("reauthenticate", "m"))).toBe(true);
    expect(needsReauthentication(new GraphAuthError("appTokenUnavailable", "m"))).toBe(false);
  });

  it("call a failure worth retrying only when no answer came, Graph throttled or failed, or no app token for now", () => {
    const transient = [of(0), of(429), of(500), of(503), of(504), new GraphAuthError("appTokenUnavailable", "m")];
    const final = [
      of(400),
      of(403),
      of(404),
      of(409),
      new GraphAuthError("reauthenticate", "m"),
      // a bug in our own code fails the same way every time: retrying it only hides it
      new TypeError("cannot read properties of undefined"),
      Object.assign(new Error("looks like Graph"), { status: 503 }),
      undefined,
    ];
    expect(transient.map(isTransientGraphFailure)).toEqual(transient.map(() => true));
    expect(final.map(isTransientGraphFailure)).toEqual(final.map(() => false));
  });

  it("read the status and describe a failure for people, never with Graph's message", () => {
    expect([graphStatusOf(of(404)), graphStatusOf(of(0)), graphStatusOf(new TypeError("x"))]).toEqual([404, 0, null]);
    expect(describeGraphFailure(new GraphError({ status: 403, code: "accessDenied", message: "secret" }))).toBe(
      "403 accessDenied",
    );
    expect(describeGraphFailure(new GraphAuthError("appTokenUnavailable", "secret"))).toBe("appTokenUnavailable");
    expect(describeGraphFailure(new RangeError("secret"))).toBe("unexpected error");
  });

  it("record a failed sync: a permanent failure fails a row not yet ready, a transient one keeps its state", () => {
    const permanent = of(403);
    const transient = of(503);
    expect(syncFailureRecord(permanent, "PENDING")).toEqual({
      transient: false,
      data: { attempts: { increment: 1 }, failureReason: "403 x", state: "FAILED" },
    });
    // a meeting people already have the link of stays READY: the next change retries it
    expect(syncFailureRecord(permanent, "READY").data.state).toBe("READY");
    expect(syncFailureRecord(transient, "PENDING")).toMatchObject({ transient: true, data: { state: "PENDING" } });
    expect(syncFailureRecord(new TypeError("bug"), "DELETED").data).toMatchObject({
      failureReason: "unexpected error",
      state: "FAILED",
    });
  });

  it("map to the app's public errors without Graph's message", () => {
    expect(toAppError(new GraphAuthError("reauthenticate", "secret detail"))).toMatchObject({
      code: "UNAUTHENTICATED",
      details: { reason: "reauthenticate" },
    });
    const throttled = toAppError(new GraphError({ status: 429, code: "x", message: "internal", retryAfterSeconds: 3 }));
    expect(throttled).toMatchObject({ code: "RATE_LIMITED", details: { retryAfterSeconds: 3 } });
    expect(throttled?.message).not.toContain("internal");
    expect(toAppError(of(0))?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(toAppError(of(404))?.code).toBe("NOT_FOUND");
    expect(toAppError(of(400))).toBeUndefined();
    expect(toAppError(new Error("other"))).toBeUndefined();
  });
});
