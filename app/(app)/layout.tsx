import { NextIntlClientProvider } from "next-intl";
import { AppShell } from "@/components/app-shell";
import { requireViewerPage } from "@/lib/auth/session";

// The shell for signed-in staff. Each page still checks the viewer and the resource itself:
// a layout is not an authorization boundary. Only these pages have client components that translate,
// so only they carry the messages to the browser (the patient page and the landing page ship none).
export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  const viewer = await requireViewerPage();
  return (
    <NextIntlClientProvider>
      <AppShell viewer={viewer}>{children}</AppShell>
    </NextIntlClientProvider>
  );
}
