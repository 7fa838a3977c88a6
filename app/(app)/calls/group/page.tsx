import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { GroupCallStarter } from "@/components/calls/group-call-starter";
import { requireViewerPage, STAFF_ROLES } from "@/lib/auth/session";
import { groupCallForViewer, invitablePeopleForViewer } from "@/lib/calls/views";

// A case-conference group call (staff and admins): pick 2–5 colleagues, the bot calls them together,
// then the page follows the call's roster. `?call=<id>` reopens a group call after a reload.
export default async function GroupCallPage({ searchParams }: { searchParams: Promise<{ call?: string }> }) {
  await connection();
  const viewer = await requireViewerPage(STAFF_ROLES);
  const t = await getTranslations("calls.group");
  const nav = await getTranslations("nav.roles");
  const requested = (await searchParams).call;
  let callId: string | null = null;
  if (requested !== undefined) {
    const parsed = z.uuid().safeParse(requested);
    callId = parsed.success ? await groupCallForViewer(viewer, parsed.data) : null;
    if (!callId) notFound();
  }
  const people = await invitablePeopleForViewer(viewer);

  return (
    <main id="main" className="mx-auto max-w-4xl p-4">
      <p>
        <Link href="/calls" className="text-sm text-brand-700 underline">
          {t("back")}
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-bold">{t("title")}</h1>
      <p className="mb-4 text-sm text-slate-600">{t("lead")}</p>
      <GroupCallStarter
        initialCallId={callId}
        people={people.map((p) => ({ id: p.id, entraObjectId: p.entraObjectId, name: p.name, roleLabel: nav(p.role) }))}
      />
    </main>
  );
}
