// Liveness: answers without touching anything (a load balancer's probe, and the benchmarks' baseline).
export const dynamic = "force-dynamic";

export function GET() {
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
}
