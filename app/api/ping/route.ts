// Liveness: answers without touching anything (a load balancer's probe, and the benchmarks' baseline).
// POST answers the same without reading the body: the no-op baseline for a benchmark that POSTs.
export const dynamic = "force-dynamic";

const noContent = () => new Response(null, { status: 204, headers: { "cache-control": "no-store" } });

export function GET() {
  return noContent();
}

export function POST() {
  return noContent();
}
