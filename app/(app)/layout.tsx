import { AppShell } from "@/components/app-shell";
import { requireViewerPage } from "@/lib/auth/session";

// The shell for signed-in staff. Each page still checks the viewer and the resource itself:
// a layout is not an authorization boundary.
export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  const viewer = await requireViewerPage();
  return <AppShell viewer={viewer}>{children}</AppShell>;
}
