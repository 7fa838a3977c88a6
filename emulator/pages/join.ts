import { sendHtml } from "../http/context";
import type { Router } from "../http/router";
import type { MeetingStore } from "../graph/meetings";
import { esc, page } from "./html";

/**
 * Meeting join page at the joinWebUrl path (/l/meetup-join/{threadId}/{messageId}): a guest types a name,
 * waits in the lobby until admitted (control API or lobby bypass), and can leave.
 */
export function registerJoinPage(router: Router, meetings: MeetingStore): void {
  router.on("GET", "/l/meetup-join/:threadId/:messageId", (ctx) => {
    const meeting = meetings.byThreadId(ctx.params.threadId!);
    if (!meeting) {
      sendHtml(
        ctx,
        404,
        page(
          "Meeting not found",
          "<h1>Meeting not found</h1><p>This meeting link is not known to the emulator (it may have been reset).</p>",
        ),
      );
      return;
    }
    const id = meeting.body.id ?? "";
    sendHtml(
      ctx,
      200,
      page(
        "Join meeting",
        `<h1>${esc(meeting.body.subject ?? "Teams meeting")}</h1>
<p class="muted">${esc(meeting.body.startDateTime ?? "")} – ${esc(meeting.body.endDateTime ?? "")}</p>
<form id="join"><label>Your name <input id="name" required maxlength="100" autocomplete="name"></label><button type="submit">Join now</button></form>
<p class="state" id="state" aria-live="polite"></p>
<button id="leave" type="button" hidden>Leave</button>`,
        `const meetingId = ${JSON.stringify(id)};
let guest = null;
const $ = (id) => document.getElementById(id);
async function poll() {
  if (!guest) return;
  const res = await fetch("/_emulator/meetings/" + encodeURIComponent(meetingId) + "/guests/" + guest);
  const g = await res.json();
  $("state").textContent = g.state === "lobby" ? "Someone in the meeting should let you in soon." : g.state === "connected" ? "You're in the meeting." : "You left the meeting.";
  if (g.state !== "left") setTimeout(poll, 1000); else $("leave").hidden = true;
}
$("join").onsubmit = async (e) => {
  e.preventDefault();
  const res = await fetch("/_emulator/meetings/" + encodeURIComponent(meetingId) + "/guests", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: $("name").value }) });
  const g = await res.json();
  if (!res.ok) { $("state").textContent = (g.error && g.error.message) || "Could not join."; return; }
  guest = g.participantId; $("join").hidden = true; $("leave").hidden = false; poll();
};
$("leave").onclick = () => fetch("/_emulator/meetings/" + encodeURIComponent(meetingId) + "/guests/" + guest + "/leave", { method: "POST" }).then(poll);`,
      ),
    );
  });
}
