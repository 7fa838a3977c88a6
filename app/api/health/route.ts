import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await checkHealth();
  return NextResponse.json(report, { status: report.serving ? 200 : 503, headers: { "cache-control": "no-store" } });
}
