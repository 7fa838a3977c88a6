"use client";
// The waiting room in the browser: one poll of GET /api/waiting-room shared by every component that shows
// it (the alert on every page, the day list's lines). It runs only while one of them is on the page: every
// second while the tab is visible — a patient arriving in the lobby shows within about a second of the
// bot's roster — every 10 s while it is hidden, at once when it comes back. It stops for good on 401/403
// (signed out), and keeps the last answer through a network hiccup.
import { useSyncExternalStore } from "react";
import type { WaitingRoom } from "@/lib/waiting-room/types";

const VISIBLE_MS = 1000;
const HIDDEN_MS = 10_000;

let snapshot: WaitingRoom | null = null;
let text = "";
let timer: ReturnType<typeof setTimeout> | undefined;
let running = false;
let inFlight = false;
const listeners = new Set<() => void>();

function schedule(delay: number) {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void poll(), delay);
}

async function poll(): Promise<void> {
  if (!running || inFlight) return;
  inFlight = true;
  try {
    const response = await fetch("/api/waiting-room", { cache: "no-store", credentials: "same-origin" });
    if (response.status === 401 || response.status === 403) {
      running = false;
      return;
    }
    if (response.ok) {
      const body = await response.text();
      // a new snapshot only when something changed: the components re-render only then
      if (body !== text) {
        text = body;
        snapshot = JSON.parse(body) as WaitingRoom;
        for (const listener of listeners) listener();
      }
    }
  } catch {
    // offline for a moment: keep what we have, try again
  } finally {
    inFlight = false;
    if (running) schedule(document.visibilityState === "visible" ? VISIBLE_MS : HIDDEN_MS);
  }
}

function onVisibility() {
  if (document.visibilityState === "visible" && running) schedule(0);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    running = true;
    document.addEventListener("visibilitychange", onVisibility);
    schedule(0);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      running = false;
      if (timer) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    }
  };
}

/** The latest waiting room (null until the first answer). */
export function useWaitingRoom(): WaitingRoom | null {
  return useSyncExternalStore(
    subscribe,
    () => snapshot,
    () => null,
  );
}
