import type { Directory } from "../directory";
import { sendHtml } from "../http/context";
import type { Router } from "../http/router";
import { esc, page } from "./html";

/** A softphone for people trying the demo: be any directory user or phone number, ring, answer, press keys, speak. */
export function registerPhonePage(router: Router, directory: Directory): void {
  router.on("GET", "/_emulator/phone", (ctx) => {
    const options = directory.users
      .map(
        (u) =>
          `<option value="${esc(u.userPrincipalName)}">${esc(u.displayName)} (${esc(u.userPrincipalName)})</option>`,
      )
      .join("");
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]
      .map((k) => `<button type="button" data-key="${esc(k)}">${esc(k)}</button>`)
      .join("");
    sendHtml(
      ctx,
      200,
      page(
        "Emulator phone",
        `<h1>Emulator phone</h1>
<p class="muted">Be a patient's phone or a Teams user. While this page is open the endpoint is in <b>manual</b> mode: calls ring here until you answer.</p>
<label>I am <input id="endpoint" list="users" placeholder="+5511987654321 or a UPN" size="34"></label>
<datalist id="users">${options}</datalist>
<button id="use" type="button">Use this endpoint</button>
<fieldset><legend>Call</legend>
<p class="state" id="state" aria-live="polite">Pick an endpoint.</p>
<button id="answer" type="button">Answer</button><button id="decline" type="button">Decline</button><button id="hangup" type="button">Hang up</button>
<button id="callClinic" type="button">Call the clinic (${esc(directory.clinicLine.phone)})</button>
</fieldset>
<fieldset><legend>Screen</legend><button id="share" type="button">Share screen</button><button id="unshare" type="button">Stop sharing</button></fieldset>
<fieldset><legend>Keypad</legend><div class="keys">${keys}</div></fieldset>
<fieldset><legend>Say something</legend><input id="say" size="40" placeholder="e.g. quero remarcar a consulta"><button id="sayBtn" type="button">Say</button></fieldset>
<p class="err" id="err" role="alert"></p>
<p class="muted"><a href="/_emulator/calendar">Outlook calendars</a>: add a busy time to a clinician's calendar.</p>`,
        PHONE_SCRIPT,
      ),
    );
  });
}

const PHONE_SCRIPT = `
const $ = (id) => document.getElementById(id);
let endpoint = new URLSearchParams(location.search).get("endpoint") || "";
$("endpoint").value = endpoint;
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => ({}));
  $("err").textContent = res.ok ? "" : (json.error && json.error.message) || ("HTTP " + res.status);
  return json;
}
const ep = () => "/_emulator/endpoints/" + encodeURIComponent(endpoint);
async function use() {
  endpoint = $("endpoint").value.trim();
  if (!endpoint) return;
  history.replaceState(null, "", "?endpoint=" + encodeURIComponent(endpoint));
  await api("PUT", ep(), { mode: "manual" });
  poll();
}
async function poll() {
  if (!endpoint) return;
  const s = await api("GET", ep());
  const leg = s.leg;
  $("state").textContent = !leg ? "Idle" : leg.state === "ringing" ? "Ringing… (" + leg.callId + ")" : leg.state === "calling" ? "Calling the clinic…" : leg.state === "connected" ? (leg.callId ? "In call" : leg.handedOff === "transfer" ? "In call (transferred)" : "In call (forwarded by the clinic)") : leg.state;
}
const act = (body) => api("POST", ep() + "/actions", body).then(poll);
$("use").onclick = use;
$("answer").onclick = () => act({ action: "answer" });
$("decline").onclick = () => act({ action: "decline" });
$("hangup").onclick = () => act({ action: "hangup" });
$("callClinic").onclick = () => api("POST", "/_emulator/incoming-calls", { from: endpoint }).then(poll);
$("share").onclick = () => act({ action: "startSharing" });
$("unshare").onclick = () => act({ action: "stopSharing" });
$("sayBtn").onclick = () => act({ action: "say", text: $("say").value });
document.querySelectorAll("[data-key]").forEach((b) => (b.onclick = () => act({ action: "press", keys: b.dataset.key })));
if (endpoint) use();
setInterval(poll, 1000);
`;
