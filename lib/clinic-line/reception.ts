import "server-only";
import demoDirectory from "@/config/demo-directory.json";
import { serverEnv } from "@/lib/env";

/** The reception's Teams user (RECEPTION_USER_ID; on the emulator the demo directory's "Recepção Aurora"). */
export function receptionUser(): { id: string; name: string | null } | null {
  const env = serverEnv();
  if (env.RECEPTION_USER_ID) return { id: env.RECEPTION_USER_ID, name: null };
  if (new URL(env.GRAPH_BASE_URL).hostname === "graph.microsoft.com") return null;
  const demo = demoDirectory.users.find((u) => u.displayName === "Recepção Aurora");
  return demo ? { id: demo.id, name: demo.displayName } : null;
}
