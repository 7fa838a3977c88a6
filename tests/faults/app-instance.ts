// One app instance without Next, for the fault tests: the bot's webhook, the prompt audio and the health
// check on APP_PORT (the same lib/ handlers the route handlers call), plus the real standalone worker entry
// (scripts/worker.ts: startWorkers() and the graceful stop on SIGTERM). Like `npm start` with workers
// in-process, the webhook and the jobs share one process, so key presses reach the flows in memory.
// Run as a child process (`node --conditions=react-server --import tsx`), so a test can SIGKILL it.
import http from "node:http";

const port = Number(process.env.APP_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("APP_PORT is not set");

const { handleNotificationRequest } = await import("@/lib/bot/intake");
const { intakeDeps } = await import("@/lib/bot/wiring");
const { checkHealth } = await import("@/lib/health");
const { handlePromptRequest, promptStore } = await import("@/lib/prompts/store");

async function answer(req: http.IncomingMessage, body: Buffer): Promise<Response> {
  const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
  const prompt = /^\/api\/prompts\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (prompt) return handlePromptRequest(promptStore(), decodeURIComponent(prompt[1]!), prompt[2]!);
  if (url.pathname === "/api/health") {
    const report = await checkHealth();
    return Response.json(report, { status: report.serving ? 200 : 503 });
  }
  if (url.pathname === "/api/calls/notifications" && req.method === "POST") {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    return handleNotificationRequest(
      new Request(url, { method: "POST", headers, body: new Uint8Array(body) }),
      intakeDeps(),
    );
  }
  return new Response(null, { status: 404 });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    answer(req, Buffer.concat(chunks))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch(() => res.writeHead(500).end());
  });
});
await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

await import("../../scripts/worker");
// the parent waits for this line before it injects faults
console.info("app-instance ready");
