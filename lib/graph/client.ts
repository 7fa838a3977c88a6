// The Graph transport: Microsoft's graph-client with our middleware chain
//   capture errors → authentication (TokenSource) → telemetry → retry (429/503/504) → fetch
// and one `request` function that turns every answer into parsed JSON or a GraphError.
// The SDK is used in RAW mode: it would otherwise rebuild errors into its own type and lose the
// `innererror` spelling, Retry-After and our typed authentication errors.
import "server-only";
import {
  AuthenticationHandler,
  Client,
  ResponseType,
  TelemetryHandler,
  type Context,
  type Middleware,
  type MiddlewareOptions,
} from "@microsoft/microsoft-graph-client";
import { GraphAuthError, GraphError, graphErrorFrom } from "./errors";
import {
  defaultRetryPolicy,
  RetryMiddleware,
  RetryNever,
  RetryOnlyThrottling,
  systemClock,
  type Clock,
  type RetryPolicy,
} from "./retry";
import type { TokenSource } from "./tokens";

type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

interface GraphResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body (204, 202). */
  body: T;
}

interface RequestOptions {
  /**
   * "throttling": retry 429 only. For requests a 5xx or a timeout may follow after Graph carried them out
   * (creating a call), which must not be sent again blindly. "never": no retry in the gateway, the caller
   * owns it (a patient message's job).
   */
  retryOn?: "throttling" | "never";
  /** Extra request headers, e.g. `Prefer: odata.maxpagesize=50` on a delta query. */
  headers?: Record<string, string>;
}

/** What the meeting and call functions need: one request, answered with JSON or a thrown GraphError. */
export interface GraphClient {
  request(method: HttpMethod, path: string, body?: unknown, options?: RequestOptions): Promise<GraphResponse>;
}

export interface GraphClientOptions {
  /** GRAPH_BASE_URL, without the version: https://graph.microsoft.com or the emulator's origin. */
  baseUrl: string;
  tokenSource: TokenSource;
  /** The network (default: global fetch). An injection point for proxies or extra trusted CAs. */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** How long one attempt may wait for an answer (default DEFAULT_ATTEMPT_TIMEOUT_MS). */
  attemptTimeoutMs?: number;
}

const GRAPH_HOST = "graph.microsoft.com";

/** Per-request slot where our middleware records the original error before the SDK rewraps it. */
class ErrorTrace implements MiddlewareOptions {
  error: unknown;
}

class CaptureErrors implements Middleware {
  private next?: Middleware;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    try {
      await this.next!.execute(context);
    } catch (error) {
      const trace = context.middlewareControl?.getMiddlewareOptions(ErrorTrace) as ErrorTrace | undefined;
      if (trace) trace.error = error;
      throw error;
    }
  }
}

/** Graph's slowest documented answers take seconds; an attempt without an answer after this is abandoned. */
const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;

class FetchHandler implements Middleware {
  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const init = (context.options ?? {}) as RequestInit;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    context.response = await this.fetchImpl(context.request, { ...init, signal });
  }
}

function createGraphSdkClient(options: GraphClientOptions): Client {
  const base = new URL(options.baseUrl);
  const capture = new CaptureErrors();
  const auth = new AuthenticationHandler({ getAccessToken: () => options.tokenSource.getToken() });
  const retry = new RetryMiddleware({ ...defaultRetryPolicy, ...options.retry }, options.clock ?? systemClock);
  const send = new FetchHandler(
    options.fetch ?? ((input, init) => fetch(input, init)),
    options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
  );
  return Client.initWithMiddleware({
    baseUrl: base.origin,
    defaultVersion: "v1.0",
    // the authentication middleware only attaches the token for Graph's host or these
    customHosts: base.hostname === GRAPH_HOST ? undefined : new Set([base.hostname]),
    // the SDK's telemetry handler gives every request a client-request-id (Microsoft support traces it),
    // set before the retries so that they carry the same one
    middleware: [capture, auth, new TelemetryHandler(), retry, send],
  });
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const sdk = createGraphSdkClient(options);
  const now = () => (options.clock ?? systemClock).now();
  return {
    async request(method, path, body, options = {}) {
      const trace = new ErrorTrace();
      const call = sdk
        .api(path)
        .responseType(ResponseType.RAW)
        .headers(options.headers ?? {})
        .middlewareOptions(
          options.retryOn === "throttling"
            ? [trace, new RetryOnlyThrottling()]
            : options.retryOn === "never"
              ? [trace, new RetryNever()]
              : [trace],
        );
      let response: Response;
      try {
        response = (await (method === "GET"
          ? call.get()
          : method === "POST"
            ? call.post(body)
            : method === "PATCH"
              ? call.patch(body)
              : call.delete())) as Response;
      } catch (error) {
        const original = trace.error ?? error;
        if (original instanceof GraphAuthError || original instanceof GraphError) throw original;
        throw new GraphError({
          status: 0,
          code: "networkError",
          message: "Microsoft Graph could not be reached",
          cause: original,
        });
      }
      const text = await response.text();
      if (!response.ok) throw graphErrorFrom(response.status, response.headers, text, now());
      let parsed: unknown;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new GraphError({
            status: response.status,
            code: "invalidResponse",
            message: "Graph answered with a body that is not JSON",
            requestId: response.headers.get("request-id") ?? undefined,
            cause: error,
          });
        }
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
  };
}
