"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { getRoster, LIVE_CALL_STATES, postJson, type Roster, type RosterParticipant } from "./api";
import { InvitationList } from "./invitation-list";
import { InviteForms } from "./invite-forms";
import { buttonClass, primaryClass, type PanelPerson } from "./panel-common";
import { ParticipantList } from "./participant-list";
import { describeChanges, stateLabel } from "./roster-announcements";

export type { PanelPerson } from "./panel-common";

const POLL_MS = 1500;

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

          <InvitationList roster={roster} people={people} />
        </>
      )}
    </div>
  );
}
