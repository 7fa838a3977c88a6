import { sendHtml } from "../http/context";
import type { Router } from "../http/router";
import { page } from "./html";

/**
 * What each simulated patient received: the e-mails the clinic's mailbox sent (rendered in a sandboxed frame,
 * with their attachments) and the texts ACS sent, with their delivery and a box to text back (STOP opts out).
 */
export function registerOutboxPage(router: Router): void {
  router.on("GET", "/_emulator/outbox", (ctx) =>
    sendHtml(
      ctx,
      200,
      page(
        "Emulator outbox",
        `<h1>Outbox</h1>
<p class="muted">Everything the clinic sent to patients: e-mail from its mailbox (Graph sendMail) and text messages (ACS SMS). Pick a person; texts can be answered from here (STOP opts the number out).</p>
<label>Person <select id="who"><option value="">everyone</option></select></label>
<button id="clear" type="button">Empty the outbox</button>
<div id="list" aria-live="polite"></div>
<p class="err" id="err" role="alert"></p>
<style>.msg{border:1px solid #ccc;border-radius:6px;padding:.6rem;margin:.8rem 0}.msg h2{font-size:1.05rem;margin:.2rem 0}
iframe{width:100%;height:24rem;border:1px solid #ddd;background:#fff}.bubble{white-space:pre-wrap;background:#eef5f9;border-radius:8px;padding:.5rem}
.in .bubble{background:#f3f3f3}</style>`,
        OUTBOX_SCRIPT,
      ),
    ),
  );
}

const OUTBOX_SCRIPT = `
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
let who = new URLSearchParams(location.search).get("to") || "";
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => ({}));
  $("err").textContent = res.ok ? "" : (json.error && json.error.message) || ("HTTP " + res.status);
  return json;
}
function mailCard(m) {
  const card = el("article", undefined, "msg");
  card.append(el("h2", "E-mail: " + m.subject));
  card.append(el("p", "From " + m.from + " to " + m.to.map((t) => t.address).join(", ") + " · " + new Date(m.receivedAt).toLocaleString(), "muted"));
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-popups allow-popups-to-escape-sandbox");
  frame.title = "E-mail body: " + m.subject;
  frame.srcdoc = m.bodyType === "html" ? '<base target="_blank">' + m.body : "<pre style='white-space:pre-wrap'>" + m.body.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]) + "</pre>";
  card.append(frame);
  for (const a of m.attachments) {
    const link = el("a", "Attachment: " + a.name + " (" + a.size + " bytes)");
    link.href = "/_emulator/outbox/mail/" + m.id + "/attachments/" + a.index;
    const line = el("p");
    line.append(link);
    card.append(line);
  }
  return card;
}
function smsCard(s) {
  const card = el("article", undefined, "msg " + (s.direction === "incoming" ? "in" : "out"));
  const head = s.direction === "incoming" ? "Text from " + s.from + " to " + s.to : "Text to " + s.to + " from " + s.from;
  card.append(el("h2", head));
  card.append(el("p", s.encoding + ", " + s.segments + " part(s) · " + (s.direction === "outgoing" ? "delivery: " + s.delivery + (s.deliveryDetail ? " (" + s.deliveryDetail + ")" : "") + " · " : "") + new Date(s.receivedAt).toLocaleString(), "muted"));
  card.append(el("p", s.text, "bubble"));
  if (s.direction === "outgoing") {
    const form = document.createElement("form");
    const input = el("input"); input.placeholder = "Reply as " + s.to; input.setAttribute("aria-label", "Reply as " + s.to);
    const send = el("button", "Reply"); send.type = "submit";
    const stop = el("button", "Reply STOP"); stop.type = "button";
    stop.onclick = () => api("POST", "/_emulator/sms/replies", { from: s.to, to: s.from, text: "STOP" }).then(load);
    form.onsubmit = (e) => { e.preventDefault(); if (input.value.trim()) api("POST", "/_emulator/sms/replies", { from: s.to, to: s.from, text: input.value.trim() }).then(load); };
    form.append(input, send, stop);
    card.append(form);
  }
  return card;
}
async function load() {
  const people = (await api("GET", "/_emulator/outbox/recipients")).value || [];
  const select = $("who");
  const current = who;
  select.replaceChildren(el("option", "everyone"));
  select.firstChild.value = "";
  for (const p of people) { const o = el("option", p); o.value = p; if (p === current) o.selected = true; select.append(o); }
  const q = who ? (who.includes("@") ? "?to=" + encodeURIComponent(who) : "?with=" + encodeURIComponent(who)) : "";
  const mail = who && !who.includes("@") ? [] : (await api("GET", "/_emulator/outbox/mail" + (who ? q : ""))).value || [];
  const sms = who && who.includes("@") ? [] : (await api("GET", "/_emulator/outbox/sms" + (who ? q : ""))).value || [];
  const items = [...mail.map((m) => ({ at: m.receivedAt, node: () => mailCard(m) })), ...sms.map((s) => ({ at: s.receivedAt, node: () => smsCard(s) }))];
  items.sort((a, b) => (a.at < b.at ? 1 : -1));
  $("list").replaceChildren(...(items.length ? items.map((i) => i.node()) : [el("p", "Nothing sent yet.", "muted")]));
}
$("who").onchange = () => { who = $("who").value; history.replaceState(null, "", who ? "?to=" + encodeURIComponent(who) : location.pathname); load(); };
$("clear").onclick = () => api("DELETE", "/_emulator/outbox").then(load);
load();
`;
