// The supervisor wallboard: queues, agents with time in state, waiting callers and alerts, of the
// supervisor's scope. A `board` snapshot arrives on /api/events every second; alerts also live.
// Each queue shows the last 60 minutes (the ACD's live window) beside today's figures (read from
// the database every ~30 s; old ones are marked with their age when the database lags).
"use strict";
import { api, applyLabels, duration, el, fill, language, languageToggle, percent, setCsrf, t } from "/static/common.js";

const $ = (id) => document.getElementById(id);
const STATES = ["ready", "reserved", "on_call", "wrap_up", "paused"];
const STATE_HEAD = { ready: "Ready", reserved: "Ringing", on_call: "On call", wrap_up: "Wrap-up", paused: "Paused" };
const board = { data: null, received: Date.now(), alerts: new Map(), events: null };

async function start() {
  $("tools").append(languageToggle(render), el("button", { type: "button", id: "web-logout", onclick: logout }, t("Log out")));
  $("login").addEventListener("submit", login);
  setInterval(() => { $("clock").textContent = new Date().toLocaleTimeString(); render(); }, 1000);
  const me = await api("GET", "/api/me");
  me.ok ? enter(me) : showLogin();
}

function showLogin() { $("login").hidden = false; $("board").hidden = true; applyLabels(); }

async function login(event) {
  event.preventDefault();
  const reply = await api("POST", "/api/login", { user: $("login-user").value, password: $("login-password").value });
  if (!reply.ok) { $("login-error").textContent = reply.status === 429 ? t("Too many attempts") : t("Wrong user or password"); return; }
  $("login-password").value = "";
  enter(reply);
}

async function logout() { await api("POST", "/api/logout"); if (board.events) board.events.close(); showLogin(); }

async function enter(me) {
  setCsrf(me.csrf);
  if (!["supervisor", "admin"].includes(me.user.role)) { location.href = "/desk"; return; }
  $("login").hidden = true; $("board").hidden = false; $("who").textContent = me.user.id;
  const snapshot = await api("GET", "/api/wallboard");
  if (snapshot.ok) take(snapshot);
  const source = new EventSource("/api/events");
  board.events = source;
  source.onopen = () => { $("link").textContent = t("live"); $("link").className = "link up"; };
  source.onerror = () => { $("link").textContent = t("offline"); $("link").className = "link down"; };
  source.addEventListener("board", (e) => take(JSON.parse(e.data)));
  source.addEventListener("alert", (e) => { const a = JSON.parse(e.data);
    if (a.event === "cleared" || a.state === "cleared") board.alerts.delete(alertKey(a)); else board.alerts.set(alertKey(a), a); render(); });
  source.addEventListener("bye", () => { source.close(); showLogin(); });
}

function alertText(a) {  // the alert service sends {en, zh}; fall back to the kind
  const m = a.message;
  return (m && typeof m === "object" ? m[language()] || m.en : m) || a.kind || a.rule || JSON.stringify(a);
}
function alertLabel(a) {  // the alert service's {en, zh} message already opens with the queue
  return a.queue && typeof a.message !== "object" ? [el("strong", {}, a.queue), " "] : [];
}
function alertKey(a) { return a.id || `${a.queue || ""}/${a.kind || a.rule || a.name || ""}`; }

function take(snapshot) {
  board.data = snapshot; board.received = Date.now();
  board.alerts = new Map((snapshot.alerts || []).map(a => [alertKey(a), a]));
  render();
}

function level(value, warn, alarm) { return value >= alarm ? "alarm" : value >= warn ? "warn" : ""; }

function render() {
  applyLabels();
  const d = board.data;
  if (!d) return;
  const th = d.thresholds, age = (Date.now() - board.received) / 1000;
  const alerts = [...board.alerts.values()];
  fill($("alerts"), alerts.length ? alerts.map(a => el("li", { class: `alert ${a.severity || "warn"}` },
      ...alertLabel(a), alertText(a)))
    : el("li", { class: "empty" }, t("No alerts")));
  const head = el("tr", {}, ["Queue", "Waiting", "Longest", "SL 60 min", "ASA", "Abandoned",
                             "Answered today", "SL today", "ASA today", "Abandoned today", "EWT",
                             ...STATES.map(s => STATE_HEAD[s])].map(h => el("th", { class: h.endsWith("today") ? "today" : "" }, t(h))));
  fill($("queues"), el("thead", {}, head), el("tbody", {}, d.queues.map(q => queueRow(q, th))));
  todayNote(d.queues.find(q => q.today)?.today, th, age);
  const agents = [...d.agents].sort((a, b) => STATES.concat("logged_out").indexOf(a.state) - STATES.concat("logged_out").indexOf(b.state) || a.id.localeCompare(b.id));
  fill($("agents"), agents.map(a => agentCard(a, th, age)));
  const callers = d.queues.flatMap(q => q.callers || []).sort((a, b) => b.wait_s - a.wait_s);
  fill($("callers"), el("thead", {}, el("tr", {}, ["Queue", "Caller", "Tier", "Priority", "Wait"].map(h => el("th", {}, t(h))))),
       el("tbody", {}, callers.map(c => el("tr", { class: level(c.wait_s + age, th.wait_warn_s, th.wait_alarm_s) },
         el("td", {}, c.queue), el("td", {}, c.kind === "consult" ? `${c.caller} (${t("Consult")})` : c.caller),
         el("td", {}, c.tier || ""), el("td", { class: "num" }, c.priority), el("td", { class: "num" }, duration(c.wait_s + age))))));
}

function slClass(sl, target, th) {
  return sl === null || sl === undefined ? "" : sl >= target ? "good" : sl >= target - th.sl_warn_margin ? "warn" : "alarm";
}

// Under the table: since when "today" counts, and how old the figures are when the database lags.
function todayNote(today, th, age) {
  const note = $("today-note");
  if (!today || !today.as_of) { note.textContent = today && today.error ? `${t("Today's figures")}: ${t("database unreachable")}` : ""; note.className = "note"; return; }
  const old = (today.age_s || 0) + age, stale = Boolean(today.error) || old > th.today_stale_s;
  const locale = language() === "zh" ? "zh-CN" : undefined, clock = (iso, opts) => new Date(iso).toLocaleTimeString(locale, opts);
  const since = today.since ? clock(today.since, { hour: "2-digit", minute: "2-digit" }) : "00:00";
  note.className = `note ${stale ? "warn" : ""}`;
  note.textContent = `${t("Today's figures")}: ${t("since")} ${since}, ${t("as of")} ${clock(today.as_of)}` +
    (stale ? ` (${duration(old)} ${t("old")}${today.error ? `; ${t("database unreachable")}` : ""})` : "");
}

function queueRow(q, th) {
  const w = (q.windows || {})["60"] || {};
  const sl = w.service_level, target = q.sl_target_percent;
  const d = q.today || {}, known = d.offered !== undefined;
  const longest = q.waiting || q.reserved ? q.longest_wait_s : null;
  const agents = q.agents || {};
  return el("tr", { "data-queue": q.queue },
    el("th", {}, q.queue),
    el("td", { class: `num waiting ${q.waiting ? "warn" : ""}`, "data-field": "waiting" }, q.waiting),
    el("td", { class: `num ${longest === null ? "" : level(longest, th.wait_warn_s, th.wait_alarm_s)}` }, duration(longest)),
    el("td", { class: `num ${slClass(sl, target, th)}` }, `${percent(sl)} / ${percent(target)}`),
    el("td", { class: "num" }, duration(w.asa_s)),
    el("td", { class: "num" }, percent(w.abandonment_rate)),
    el("td", { class: "num today", "data-field": "answered-today" }, known ? `${d.answered} / ${d.offered}` : "-"),
    el("td", { class: `num today ${slClass(d.service_level, target, th)}`, "data-field": "sl-today" }, percent(d.service_level)),
    el("td", { class: "num today", "data-field": "asa-today" }, duration(d.asa_s)),
    el("td", { class: "num today", "data-field": "abandoned-today" }, percent(d.abandonment_rate)),
    el("td", { class: "num" }, duration(q.ewt_s)),
    STATES.map(s => el("td", { class: `num s-${s}-text` }, agents[s] || 0)));
}

function agentCard(a, th, age) {
  const since = a.since_s + age;
  const cls = a.state === "logged_out" ? "" : level(since, (th.state_warn_s[a.state] ?? Infinity), (th.state_alarm_s[a.state] ?? Infinity));
  return el("div", { class: `agent s-${a.state} ${cls}`, "data-agent": a.id, "data-state": a.state },
    el("div", { class: "agent-id" }, a.id), el("div", { class: "agent-name" }, a.name),
    el("div", { class: "agent-state" }, t(a.state), a.reason ? ` · ${a.reason}` : ""),
    el("div", { class: "agent-time" }, a.state === "logged_out" ? "" : duration(since)),
    monitorActions(a));
}

// Live monitoring (docs/monitoring.md): for an agent on a call in the supervisor's monitoring scope,
// Listen / Whisper / Barge ring the supervisor's own phone; during his session, the other modes and
// Stop. The engine checks the scope again and logs every session (POST /api/supervise).
const MODES = { listen: "Listen", whisper: "Whisper", barge: "Barge" };
function monitorActions(a) {
  const m = board.data.monitor;
  if (!m) return null;
  const session = m.session && m.session.agent === a.id ? m.session : null;
  const mine = m.agents.some(x => x.id === a.id && x.call);
  if (!session && (!mine || a.state !== "on_call" || m.session)) return null;
  const button = (name, label, body) => el("button", { type: "button", class: `spy spy-${name}`, "data-spy": name,
    onclick: () => supervise(body) }, t(label));
  if (!session) return el("div", { class: "spy-actions" }, Object.entries(MODES).map(([mode, label]) => button(mode, label, { cmd: mode, agent: a.id })));
  return el("div", { class: "spy-actions", "data-session": session.mode },
    el("span", { class: "spy-mode" }, `${t("Monitoring")}: ${t(MODES[session.mode])}${session.state === "starting" ? ` (${t("ringing your phone")})` : ""}`),
    Object.entries(MODES).filter(([mode]) => mode !== session.mode && session.state === "active").map(([mode, label]) => button(mode, label, { cmd: "mode", mode })),
    button("stop", "Stop", { cmd: "stop" }));
}

async function supervise(body) {
  const reply = await api("POST", "/api/supervise", body);
  $("spy-status").textContent = reply.ok ? "" : reply.message || reply.error_id;
  if (reply.ok && reply.session && board.data.monitor) { board.data.monitor.session = reply.session; render(); }
}

start();
