// The load balancer in front of the web instances, as Azure's ingress is: requests go to the instances in
// turn, the caller's address is appended to X-Forwarded-For, and a request that cannot reach an instance (it
// refused the connection, or died before answering) is sent to the next one. Retrying is safe for what the
// test sends through it: the webhook dedupes notifications, bookings carry an Idempotency-Key, the rest are
// reads. It records which instance answered what, so the test can say who served each request.
import http from "node:http";

interface Served {
  backend: number;
  method: string;
  path: string;
  status: number;
  /** the request's body (the webhook's notifications), as text */
  body: string;
}

export interface LoadBalancer {
  url: string;
  served: Served[];
  close(): Promise<void>;
}

function forward(port: number, req: http.IncomingMessage, body: Buffer, headers: http.OutgoingHttpHeaders) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const out = http.request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    out.on("error", reject);
    out.end(body);
  });
}

export async function startLoadBalancer(port: number, backends: number[]): Promise<LoadBalancer> {
  const served: Served[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const caller = req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "unknown";
      const forwardedFor = req.headers["x-forwarded-for"];
      const headers = {
        ...req.headers,
        "x-forwarded-for": forwardedFor ? `${forwardedFor}, ${caller}` : caller,
        "x-forwarded-host": req.headers.host,
        "x-forwarded-proto": "http",
      };
      const first = next++ % backends.length;
      for (let attempt = 0; attempt < backends.length; attempt++) {
        const backend = backends[(first + attempt) % backends.length]!;
        try {
          const answer = await forward(backend, req, body, headers);
          served.push({
            backend,
            method: req.method ?? "GET",
            path: req.url ?? "/",
            status: answer.status,
            body: body.toString(),
          });
          const { "transfer-encoding": _chunked, connection: _connection, ...passed } = answer.headers;
          res.writeHead(answer.status, { ...passed, "content-length": String(answer.body.length) });
          res.end(answer.body);
          return;
        } catch {
          // this instance is gone: the next one takes the request
        }
      }
      res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
