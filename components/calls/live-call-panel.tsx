"use client";

import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { invitationDetail } from "@/lib/calls/result-codes";
import {
  E164,
  getRoster,
  LIVE_CALL_STATES,
  normalisePhone,
  postJson,
  type Roster,
  type RosterParticipant,
} from "./api";

export interface PanelPerson {
  id: string;
  entraObjectId: string;
  name: string;
}

const POLL_MS = 1500;

const buttonClass =
  "rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50";
const primaryClass =
  "rounded bg-brand-700 px-3 py-1 font-semibold text-white hover:bg-brand-900 disabled:cursor-not-allowed disabled:opacity-50";

/**
 * The bot in a Teams meeting (an appointment's) or a group call: join, live roster (polled), mute,
 * remove, invite a colleague or a phone, leave. `canControl` = staff/admin (invite, mute, remove);
 * the server checks the same again on every request.
 */
export function LiveCallPanel({
  appointmentId,
  initialCallId,
  canControl,
  people,
}: {
  /** set for an appointment's meeting: the panel offers "Bot joins the meeting" */
  appointmentId?: string;
  initialCallId: string | null;
  canControl: boolean;
  people: PanelPerson[];
}) {
  const t = useTranslations("calls.panel");
  const [callId, setCallId] = useState<string | null>(initialCallId);
  const [roster, setRoster] = useState<Roster | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const previous = useRef<Roster | null>(null);

  const errorText = useCallback(
    (code: string) => (t.has(`errors.${code}`) ? t(`errors.${code}`) : t("errors.INTERNAL")),
    [t],
  );

  const nameOf = useCallback((p: RosterParticipant) => p.displayName ?? t("unknownName"), [t]);

  // Poll the roster while the bot is on the call; announce who joined, left, waits or was muted.
  useEffect(() => {
    if (!callId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const result = await getRoster(callId);
      if (stopped) return;
      if (result.ok) {
        const next = result.data;
        const changes = describeChanges(previous.current, next, nameOf, t);
        previous.current = next;
        setRoster(next);
        if (changes.length) setAnnouncement(changes.join(" "));
        if (!LIVE_CALL_STATES.includes(next.call.state)) return; // ended: stop polling
      } else if (result.status === 404 || result.status === 401) {
        setError(errorText(result.code));
        return;
      }
      timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [callId, errorText, nameOf, t]);

  async function run<T = unknown>(key: string, url: string, body?: unknown): Promise<T | null> {
    setPending(key);
    setError(null);
    const result = await postJson<T>(url, body);
    setPending(null);
    if (!result.ok) setError(errorText(result.code));
    return result.ok ? result.data : null;
  }

  async function join() {
    if (!appointmentId) return;
    setPending("join");
    setError(null);
    const result = await postJson<{ call: { id: string } }>("/api/calls/join", { appointmentId });
    setPending(null);
    if (!result.ok) {
      setError(errorText(result.code));
      return;
    }
    previous.current = null;
    setRoster(null);
    setCallId(result.data.call.id);
  }

  const live = roster ? LIVE_CALL_STATES.includes(roster.call.state) : callId !== null;
  const ended = roster !== null && !live;
  const inMeeting = roster?.participants.filter((p) => !p.isInLobby) ?? [];
  const inLobby = roster?.participants.filter((p) => p.isInLobby) ?? [];
  const base = callId ? `/api/calls/${encodeURIComponent(callId)}` : "";

  return (
    <div className="space-y-4">
      <p role="status" aria-live="polite" aria-atomic="true" className="sr-only">
        {announcement}
      </p>
      <div role="alert" className="text-sm text-red-800 empty:hidden">
        {error}
      </div>

      {(!callId || ended) && (
        <div className="space-y-2">
          {ended && <p className="text-sm text-slate-700">{appointmentId ? t("botLeft") : t("callEnded")}</p>}
          {appointmentId && (
            <button type="button" className={primaryClass} onClick={join} disabled={pending !== null}>
              {pending === "join" ? t("joining") : t("join")}
            </button>
          )}
        </div>
      )}

      {callId && !ended && (
        <>
          <div className="flex flex-wrap items-center gap-3">
            <p className="text-sm">
              <span className="font-medium">{t("botState")}: </span>
              <span data-testid="call-state">{stateLabel(roster?.call.state ?? "establishing", t)}</span>
            </p>
            <button
              type="button"
              className={buttonClass}
              disabled={pending !== null}
              onClick={() => void run("leave", `${base}/leave`)}
            >
              {appointmentId ? t("leave") : t("leaveGroup")}
            </button>
          </div>

          <div className="grid gap-4 md:grid-cols-2">
            <ParticipantList
              title={
                appointmentId ? t("inMeeting", { count: inMeeting.length }) : t("inCall", { count: inMeeting.length })
              }
              empty={t("nobodyInMeeting")}
              participants={inMeeting}
              canControl={canControl}
              canMute={roster?.call.canMute ?? false}
              pending={pending}
              nameOf={nameOf}
              onMute={(p) => void run(`mute:${p.id}`, `${base}/mute`, { participantId: p.graphParticipantId })}
              onRemove={(p) => void run(`remove:${p.id}`, `${base}/remove`, { participantId: p.graphParticipantId })}
            />
            {(appointmentId || inLobby.length > 0) && (
              <ParticipantList
                title={t("inLobby", { count: inLobby.length })}
                empty={t("nobodyInLobby")}
                participants={inLobby}
                canControl={canControl}
                canMute={roster?.call.canMute ?? false}
                pending={pending}
                nameOf={nameOf}
                onMute={(p) => void run(`mute:${p.id}`, `${base}/mute`, { participantId: p.graphParticipantId })}
                onRemove={(p) => void run(`remove:${p.id}`, `${base}/remove`, { participantId: p.graphParticipantId })}
              />
            )}
          </div>

          {canControl && (
            <InviteForms
              people={people}
              roster={roster}
              disabled={pending !== null}
              onInvite={async (body, key) =>
                (await run<{ operationId: string }>(key, `${base}/invite`, body))?.operationId ?? null
              }
            />
          )}

          <Invitations roster={roster} people={people} />
        </>
      )}
    </div>
  );
}

type T = ReturnType<typeof useTranslations>;

function stateLabel(state: string, t: T): string {
  return t.has(`state.${state}`) ? t(`state.${state}`) : state;
}

function describeChanges(
  before: Roster | null,
  after: Roster,
  nameOf: (p: RosterParticipant) => string,
  t: T,
): string[] {
  if (!before) return [];
  const old = new Map(before.participants.map((p) => [p.id, p]));
  const now = new Set(after.participants.map((p) => p.id));
  const changes: string[] = [];
  for (const p of after.participants) {
    const was = old.get(p.id);
    const name = nameOf(p);
    if (!was) changes.push(p.isInLobby ? t("announce.waiting", { name }) : t("announce.joined", { name }));
    else if (was.isInLobby && !p.isInLobby) changes.push(t("announce.joined", { name }));
    else if (!was.isMuted && p.isMuted) changes.push(t("announce.muted", { name }));
  }
  for (const p of before.participants) if (!now.has(p.id)) changes.push(t("announce.left", { name: nameOf(p) }));
  if (before.call.state !== after.call.state) changes.push(`${t("botState")}: ${stateLabel(after.call.state, t)}`);
  return changes;
}

function ParticipantList({
  title,
  empty,
  participants,
  canControl,
  canMute,
  pending,
  nameOf,
  onMute,
  onRemove,
}: {
  title: string;
  empty: string;
  participants: RosterParticipant[];
  canControl: boolean;
  /** Graph mutes in meetings and group calls only: no mute button in a peer-to-peer call */
  canMute: boolean;
  pending: string | null;
  nameOf: (p: RosterParticipant) => string;
  onMute: (p: RosterParticipant) => void;
  onRemove: (p: RosterParticipant) => void;
}) {
  const t = useTranslations("calls.panel");
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-3">
      <h3 id={headingId} className="font-semibold">
        {title}
      </h3>
      {participants.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">{empty}</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100">
          {participants.map((p) => {
            const name = nameOf(p);
            return (
              <li key={p.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                <span className="min-w-0 break-words">
                  <span className="font-medium">{name}</span>
                  {p.isBot && <Badge>{t("bot")}</Badge>}
                  {!p.isBot && t.has(`kind.${p.kind}`) && <Badge>{t(`kind.${p.kind}`)}</Badge>}
                  {p.isMuted && <Badge tone="amber">{t("muted")}</Badge>}
                </span>
                {canControl && !p.isBot && (
                  <span className="flex gap-2">
                    {canMute && (
                      <button
                        type="button"
                        className={buttonClass}
                        disabled={pending !== null || p.isMuted}
                        onClick={() => onMute(p)}
                      >
                        {t("mute")}
                        <span className="sr-only"> {name}</span>
                      </button>
                    )}
                    <button
                      type="button"
                      className={buttonClass}
                      disabled={pending !== null}
                      onClick={() => onRemove(p)}
                    >
                      {t("remove")}
                      <span className="sr-only"> {name}</span>
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Badge({ children, tone = "slate" }: { children: React.ReactNode; tone?: "slate" | "amber" }) {
  const colours = tone === "amber" ? "bg-amber-100 text-amber-900" : "bg-slate-100 text-slate-800";
  return <span className={`ml-2 inline-block rounded px-1.5 py-0.5 text-xs font-medium ${colours}`}>{children}</span>;
}

/** The invitation staff just sent, followed in the roster until it is answered or fails. */
interface SentInvitation {
  operationId: string;
  name: string;
}

function InviteForms({
  people,
  roster,
  disabled,
  onInvite,
}: {
  people: PanelPerson[];
  roster: Roster | null;
  disabled: boolean;
  /** the invitation's operation id, or null when it was refused */
  onInvite: (body: unknown, key: string) => Promise<string | null>;
}) {
  const t = useTranslations("calls.panel");
  const id = useId();
  const [personId, setPersonId] = useState("");
  const [phone, setPhone] = useState("");
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [sent, setSent] = useState<SentInvitation | null>(null);
  // "Inviting …" only while it rings: once the roster has its outcome, the status says that instead
  const outcome = sent ? roster?.invitations.find((inv) => inv.operationId === sent.operationId)?.outcome : undefined;
  const done = !sent
    ? ""
    : !outcome || outcome === "ringing"
      ? t("invited", { name: sent.name })
      : t("inviteEnded", { name: sent.name, outcome: t.has(`outcome.${outcome}`) ? t(`outcome.${outcome}`) : outcome });

  async function invitePerson(event: React.FormEvent) {
    event.preventDefault();
    const person = people.find((p) => p.id === personId);
    if (!person) return;
    const operationId = await onInvite({ kind: "user", userId: person.id }, "invite-user");
    if (operationId) {
      setSent({ operationId, name: person.name });
      setPersonId("");
    }
  }

  async function invitePhone(event: React.FormEvent) {
    event.preventDefault();
    const e164 = normalisePhone(phone);
    if (!E164.test(e164)) {
      setPhoneError(t("phoneInvalid"));
      return;
    }
    setPhoneError(null);
    const operationId = await onInvite({ kind: "phone", e164 }, "invite-phone");
    if (operationId) {
      setSent({ operationId, name: `•••• ${e164.slice(-4)}` });
      setPhone("");
    }
  }

  return (
    <section aria-labelledby={`${id}-title`} className="rounded-lg border border-slate-200 bg-white p-3">
      <h3 id={`${id}-title`} className="font-semibold">
        {t("inviteTitle")}
      </h3>
      <div className="mt-2 grid gap-4 md:grid-cols-2">
        <form onSubmit={invitePerson} className="space-y-1">
          <label htmlFor={`${id}-person`} className="block text-sm font-medium">
            {t("person")}
          </label>
          <div className="flex flex-wrap gap-2">
            <select
              id={`${id}-person`}
              value={personId}
              onChange={(e) => setPersonId(e.target.value)}
              required
              className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-2 py-1"
            >
              <option value="">{t("choosePerson")}</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button type="submit" className={buttonClass} disabled={disabled || !personId}>
              {t("invitePerson")}
            </button>
          </div>
          <p className="text-xs text-slate-600">{t("personHint")}</p>
        </form>
        <form onSubmit={invitePhone} noValidate className="space-y-1">
          <label htmlFor={`${id}-phone`} className="block text-sm font-medium">
            {t("phone")}
          </label>
          <div className="flex flex-wrap gap-2">
            <input
              id={`${id}-phone`}
              type="tel"
              inputMode="tel"
              autoComplete="off"
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              aria-invalid={phoneError ? true : undefined}
              aria-describedby={`${id}-phone-hint${phoneError ? ` ${id}-phone-error` : ""}`}
              placeholder="+5511987654321"
              className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-2 py-1 font-mono"
            />
            <button type="submit" className={buttonClass} disabled={disabled || !phone.trim()}>
              {t("invitePhone")}
            </button>
          </div>
          <p id={`${id}-phone-hint`} className="text-xs text-slate-600">
            {t("phoneHint")}
          </p>
          {phoneError && (
            <p id={`${id}-phone-error`} className="text-sm text-red-800">
              {phoneError}
            </p>
          )}
        </form>
      </div>
      <p role="status" className="mt-2 text-sm text-emerald-800 empty:hidden">
        {done}
      </p>
    </section>
  );
}

function Invitations({ roster, people }: { roster: Roster | null; people: PanelPerson[] }) {
  const t = useTranslations("calls.panel");
  const id = useId();
  const invitations = roster?.invitations ?? [];
  if (invitations.length === 0) return null;
  const byOid = new Map(people.map((p) => [p.entraObjectId.toLowerCase(), p.name]));
  const labelOf = (label: string | null) => {
    if (label?.startsWith("user:")) return byOid.get(label.slice(5).toLowerCase()) ?? t("unknownName");
    if (label?.startsWith("phone:")) return label.slice(6);
    return t("unknownName");
  };
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white p-3">
      <h3 id={id} className="font-semibold">
        {t("invitations")}
      </h3>
      <ul className="mt-2 space-y-1 text-sm" data-testid="invitations">
        {invitations.map((inv) => (
          <li key={inv.operationId}>
            <span className="font-medium">{labelOf(inv.label)}</span> —{" "}
            <span>{t.has(`outcome.${inv.outcome}`) ? t(`outcome.${inv.outcome}`) : inv.outcome}</span>
            <InvitationDetail outcome={inv.outcome} code={inv.resultCode} subcode={inv.resultSubcode} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Why an invitation ended, in words where Teams' code is documented (lib/calls/result-codes.ts). */
function InvitationDetail({
  outcome,
  code,
  subcode,
}: {
  outcome: string;
  code: number | null;
  subcode: number | null;
}) {
  const t = useTranslations("calls");
  const detail = invitationDetail(outcome, code, subcode);
  if (!detail) return null;
  return (
    <span className="text-slate-600">
      {" — "}
      {"reason" in detail ? t(`reason.${detail.reason}`) : t("panel.resultCode", detail)}
    </span>
  );
}
