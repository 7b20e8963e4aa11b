// The agent desk: log in, state buttons with a live timer, the screen pop, disposition, call-back,
// transfers and preview dialing. Live news arrives on /api/events (Server-Sent Events).
"use strict";
import { api, applyLabels, duration, el, fill, languageToggle, setCsrf, t } from "/static/common.js";

const $ = (id) => document.getElementById(id);
const POP_FIELDS = [["Caller", "caller"], ["Customer", "customer_name"], ["Tier", "tier"], ["IVR path", "ivr_path"],
                    ["Digits", "digits"]];
const SHOWN = new Set(["caller", "customer_name", "tier", "ivr_path", "digits", "wait_s", "open_case", "case_id",
                       "case_state", "case_summary", "case_queue", "case_owner", "consult", "consult_of",
                       "consulted_by", "consulted_from_queue"]);
const desk = { user: null, agent: null, pop: null, since: Date.now(), events: null };

async function start() {
  $("tools").append(languageToggle(render), el("button", { type: "button", id: "web-logout", onclick: logout }, t("Log out")));
  $("login").addEventListener("submit", login);
  $("btn-login").addEventListener("click", () => command({ cmd: "login" }));
  $("btn-ready").addEventListener("click", () => command({ cmd: "ready" }));
  $("btn-pause").addEventListener("click", () => command({ cmd: "pause", reason: $("pause-reason").value }));
  $("btn-end-wrapup").addEventListener("click", () => command({ cmd: "end_wrapup" }));
  $("btn-logout").addEventListener("click", () => command({ cmd: "logout" }));
  $("btn-hangup").addEventListener("click", () => command({ cmd: "hangup" }));
  $("btn-transfer").addEventListener("click", () => command({ cmd: "transfer", target: $("xfer-queue").value }));
  $("btn-consult").addEventListener("click", () => command({ cmd: "consult", target: $("xfer-queue").value }));
  $("btn-consult-complete").addEventListener("click", () => command({ cmd: "consult_complete" }));
  $("btn-consult-cancel").addEventListener("click", () => command({ cmd: "consult_cancel" }));
  $("btn-record-start").addEventListener("click", () => command({ cmd: "record_start" }));
  $("btn-record-pause").addEventListener("click", () => command({ cmd: "record_pause" }));  // card numbers
  $("btn-record-resume").addEventListener("click", () => command({ cmd: "record_resume" }));
  $("disposition").addEventListener("submit", (e) => { e.preventDefault();
    command({ cmd: "disposition", code: $("disp-code").value, note: $("disp-note").value }); });
  $("callback").addEventListener("submit", (e) => { e.preventDefault(); const at = $("cb-at").value;
    command({ cmd: "callback", number: $("cb-number").value || undefined, note: $("cb-note").value,
              at: at ? new Date(at).toISOString() : undefined }); });
  setInterval(tick, 1000);
  const me = await api("GET", "/api/me");
  me.ok ? enter(me) : showLogin();
}

function showLogin() { $("login").hidden = false; $("desk").hidden = true; fill($("who")); applyLabels(); }

async function login(event) {
  event.preventDefault();
  const reply = await api("POST", "/api/login", { user: $("login-user").value, password: $("login-password").value });
  if (!reply.ok) {
    $("login-error").textContent = reply.status === 429 ? `${t("Too many attempts")}: ${reply.message}` : t("Wrong user or password");
    return;
  }
  $("login-password").value = ""; $("login-error").textContent = "";
  enter(reply);
}

async function logout() {
  await api("POST", "/api/logout");
  if (desk.events) desk.events.close();
  showLogin();
}

async function enter(me) {
  setCsrf(me.csrf); desk.user = me.user;
  if (!desk.user.agent) { location.href = "/wallboard"; return; }
  $("login").hidden = true; $("desk").hidden = false;
  fill($("who"), `${desk.user.id}`);
  await reload();
  listen();
}

async function reload() {
  const view = await api("GET", `/api/agents/${encodeURIComponent(desk.user.agent)}`);
  if (!view.ok) { message(view); return; }
  desk.agent = view.agent; desk.pop = view.pop; desk.since = Date.now() - 1000 * (view.agent.since_s || 0);
  fill($("pause-reason"), (view.pause_reasons || []).map(r => el("option", { value: r }, r)));
  fill($("xfer-queue"), (view.queues || []).map(q => el("option", { value: q }, q)));
  render();
}

function listen() {
  if (desk.events) desk.events.close();
  const source = new EventSource("/api/events");
  desk.events = source;
  source.onopen = () => { $("link").textContent = t("live"); $("link").className = "link up"; };
  source.onerror = () => { $("link").textContent = t("offline"); $("link").className = "link down"; };
  source.addEventListener("state", (e) => { const s = JSON.parse(e.data);
    Object.assign(desk.agent, { state: s.state, reason: s.reason }); desk.since = Date.now(); render(); });
  for (const name of ["screenpop", "preview"]) source.addEventListener(name, (e) => { desk.pop = JSON.parse(e.data); render(); });
  source.addEventListener("consult", (e) => { const c = JSON.parse(e.data); message({ ok: true, message: `${t("Consult")}: ${c.event} ${c.agent || ""}` }); });
  source.addEventListener("resync", reload);
  source.addEventListener("bye", () => { source.close(); showLogin(); });
}

async function command(body) {
  const reply = await api("POST", `/api/agents/${encodeURIComponent(desk.user.agent)}/commands`, body);
  if (reply.status === 401) { showLogin(); return; }
  if (reply.ok && body.cmd === "disposition") { desk.pop = null; $("disp-code").value = ""; $("disp-note").value = ""; render(); }
  if (reply.ok && body.cmd.startsWith("preview_")) { desk.pop = null; render(); }
  message(reply, body.cmd);
}

function message(reply, cmd = "") {
  const node = $("message");
  node.className = reply.ok ? "message ok" : "message error";
  node.textContent = reply.ok ? `${cmd} ✓ ${reply.message || ""}` : `${cmd} ✗ ${reply.error_id || ""}: ${reply.message || ""}`;
}

function tick() { if (desk.agent) $("timer").textContent = duration((Date.now() - desk.since) / 1000); }

function render() {
  applyLabels();
  if (!desk.agent) return;
  const state = desk.agent.state;
  $("state").textContent = t(state); $("state").className = `badge s-${state}`; $("state").dataset.state = state;
  $("reason").textContent = desk.agent.reason || "";
  const can = { "btn-login": state === "logged_out", "btn-ready": ["paused", "wrap_up"].includes(state),
                "btn-pause": ["ready", "wrap_up"].includes(state), "btn-end-wrapup": state === "wrap_up",
                "btn-logout": state !== "logged_out" };
  for (const [id, enabled] of Object.entries(can)) $(id).disabled = !enabled;
  tick();
  fill($("pop"), desk.pop ? (desk.pop.event === "preview" ? previewView(desk.pop) : popView(desk.pop)) : el("p", { class: "empty" }, t("No call")));
}

function row(label, value, cls) { return value === undefined || value === null || value === "" ? null :
  el("div", { class: `row ${cls || ""}` }, el("dt", {}, t(label)), el("dd", { "data-field": label }, value)); }

// An IVR path breaks between its steps, never inside one: by_tier>menu>agent as spans.
function steps(path) { return String(path).split(/(?<=>)/).map(s => el("span", { class: "step" }, s)); }

function popView(pop) {
  const c = pop.context || {};
  const rows = POP_FIELDS.map(([label, key]) => row(label, key === "ivr_path" && c[key] ? steps(c[key]) : c[key],
                                                    key === "tier" ? `tier-${c.tier}` : ""));
  rows.push(row("Queue", pop.queue), row("Wait", c.wait_s !== undefined ? duration(c.wait_s) : pop.wait_s !== undefined ? duration(pop.wait_s) : null));
  if (c.consult_of || c.consulted_by) rows.push(row("Consult", `${t("consulted by")} ${c.consulted_by || "?"} · ${c.consulted_from_queue || ""} · ${c.consult_of || ""}`, "consult"));
  if (c.open_case === "yes" || c.case_id) rows.push(row("Open case", `${c.case_id || ""} · ${c.case_state || ""} · ${c.case_summary || ""}`, "case"));
  const other = Object.entries(c).filter(([k]) => !SHOWN.has(k));
  return [el("dl", { class: "pop-fields", id: "pop-fields" }, rows),
          other.length ? el("details", {}, el("summary", {}, t("Other details")),
                            el("dl", { class: "pop-other" }, other.map(([k, v]) => row(k, typeof v === "object" ? JSON.stringify(v) : String(v))))) : null];
}

function previewView(p) {
  const fields = Object.entries(p.fields || p.data || {}).map(([k, v]) => row(k, v));
  return [el("h3", {}, t("Preview")), el("dl", { class: "pop-fields" }, row("Campaign", p.campaign), row("Lead", p.lead),
          row("Number", p.number), row("Name", p.name), fields, row("Script", p.script)),
          el("div", { class: "buttons" },
             el("button", { type: "button", class: "go", id: "btn-preview-accept", onclick: () => command({ cmd: "preview_accept" }) }, t("Call")),
             el("button", { type: "button", id: "btn-preview-skip", onclick: () => command({ cmd: "preview_skip" }) }, t("Skip")))];
}

start();
