// Shared by the desk and the wallboard: DOM building (text only: nothing shown is parsed as HTML),
// the JSON API with the session's CSRF token, labels in English and Mandarin, durations.
"use strict";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function fill(node, ...children) { node.replaceChildren(); node.append(...children.flat().filter(c => c != null)); }

let csrf = "";
export function setCsrf(token) { csrf = token || ""; }

export async function api(method, path, body) {
  const init = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, init);
  let data = {};
  try { data = await response.json(); } catch (e) { data = { ok: false, message: response.statusText }; }
  return { status: response.status, ...data };
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? `${h}:` : "") + `${mm}:${String(s).padStart(2, "0")}`;
}

export function percent(v) { return v === null || v === undefined ? "-" : `${Math.round(v)}%`; }

const LABELS = {
  en: { "reserved": "ringing", "on_call": "on call", "wrap_up": "wrap-up", "logged_out": "logged out" },
  // otherwise English is the key itself
  zh: {
    "Agent desk": "坐席工作台", "Wallboard": "监控大屏", "Log in": "登录", "Log out": "退出", "User": "用户",
    "Password": "密码", "State": "状态", "Ready": "就绪", "Pause": "小休", "End wrap-up": "结束话后处理",
    "Agent log out": "坐席签出", "Agent log in": "坐席签入", "ready": "就绪", "reserved": "振铃",
    "on_call": "通话中", "wrap_up": "话后处理", "paused": "小休", "logged_out": "已签出",
    "Screen pop": "来电弹屏", "No call": "暂无来电", "Caller": "来电号码", "Customer": "客户", "Tier": "等级",
    "IVR path": "IVR 路径", "Digits": "按键", "Queue": "队列", "Wait": "等待", "Consult": "咨询",
    "Open case": "未结工单", "Other details": "其他信息", "Disposition": "通话小结", "Code": "代码",
    "Note": "备注", "Save": "保存", "Call-back": "预约回拨", "Number": "号码", "When": "时间",
    "Book": "预约", "Transfer": "转接", "Blind transfer": "盲转", "Consult transfer": "咨询转接",
    "Complete": "完成", "Cancel": "取消", "Hang up": "挂断", "Preview": "预览外呼", "Call": "呼叫",
    "Recording": "录音", "Record": "开始录音", "Pause recording": "暂停录音", "Resume recording": "继续录音",
    "Skip": "跳过", "Lead": "线索", "Campaign": "活动", "Queues": "队列", "Waiting": "排队",
    "Longest": "最长等待", "SL 60 min": "服务水平 60 分钟", "ASA": "平均应答", "Abandoned": "放弃率",
    "EWT": "预计等待", "Agents": "坐席", "Alerts": "预警", "No alerts": "无预警",
    "Waiting callers": "排队来电", "Time in state": "状态时长", "Reason": "原因", "Language": "语言",
    "live": "实时", "offline": "离线", "Wrong user or password": "用户名或密码错误",
    "Too many attempts": "尝试次数过多", "Target": "目标", "Ringing": "振铃", "On call": "通话中",
    "Wrap-up": "话后处理", "Paused": "小休", "consulted by": "咨询发起人", "case": "工单",
    "Priority": "优先级", "Name": "姓名", "Answered today": "今日接通/来电", "SL today": "今日服务水平",
    "ASA today": "今日平均应答", "Abandoned today": "今日放弃率", "Today's figures": "今日数据", "since": "自",
    "as of": "更新于", "old": "前的数据", "database unreachable": "数据库不可用",
    "Listen": "监听", "Whisper": "密语", "Barge": "强插", "Stop": "结束", "Monitoring": "监听中",
    "ringing your phone": "正在呼叫您的话机",
  },
};
let lang = localStorage.getItem("hotline.lang") || (navigator.language.startsWith("zh") ? "zh" : "en");
export function t(key) { return (LABELS[lang] && LABELS[lang][key]) || key; }
export function language() { return lang; }
export function setLanguage(value) { lang = value; localStorage.setItem("hotline.lang", value); document.documentElement.lang = value === "zh" ? "zh-CN" : "en"; }
export function applyLabels(root = document) {
  for (const node of root.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of root.querySelectorAll("[data-t-placeholder]")) node.placeholder = t(node.dataset.tPlaceholder);
}
export function languageToggle(onChange) {
  const button = el("button", { type: "button", class: "lang", id: "lang",
    onclick: () => { setLanguage(lang === "zh" ? "en" : "zh"); button.textContent = lang === "zh" ? "English" : "中文"; applyLabels(); onChange(); } },
    lang === "zh" ? "English" : "中文");
  setLanguage(lang);
  return button;
}
