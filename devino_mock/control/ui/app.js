// devino-mock QA UI. Plain JavaScript, no dependencies: every action is a documented /_mock/
// call (see /_mock/openapi.json), and the page follows the /_mock/events stream.
"use strict";

const API = "/_mock";
const state = { tab: "messages", selected: null };

// --- helpers ---------------------------------------------------------------------------

// Builds DOM nodes; text is always set as text (never parsed as HTML).
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}
const $ = (selector) => document.querySelector(selector);

function showError(text) {
  const box = $("#error");
  box.textContent = text;
  box.hidden = !text;
}

async function call(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(API + path, options);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const text = (data && data.error) || `${response.status} ${response.statusText}`;
    showError(`${method} ${API}${path}: ${text}`);
    throw new Error(text);
  }
  showError("");
  return data;
}

function query(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (value !== "") params.set(key, value);
  const text = params.toString();
  return text ? "?" + text : "";
}

function formObject(form) {
  const out = {};
  for (const [key, value] of new FormData(form)) if (value !== "") out[key] = value;
  return out;
}

const time = (iso) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "");
const short = (text, n = 80) => (text && text.length > n ? text.slice(0, n) + "…" : text || "");

function debounce(fn, ms) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

// --- the clock -----------------------------------------------------------------------------

async function loadClock(clock) {
  clock = clock || await call("GET", "/clock");
  $("#now").textContent = time(clock.now);
  $("#frozen").hidden = !clock.frozen;
  $("#freeze").textContent = clock.frozen ? "Unfreeze" : "Freeze";
  $("#freeze").dataset.frozen = clock.frozen ? "1" : "";
}

async function advance(seconds) {
  await loadClock(await call("POST", "/clock/advance", { seconds: Number(seconds) }));
  refresh();
}

// --- messages ------------------------------------------------------------------------------

function statusCell(m) {
  const cls = m.final ? (m.status_name === "delivered" || m.status_name === "read" ? "ok" : "bad") : "wait";
  return h("span", { class: `status ${cls}`, title: m.status_text || "" }, m.status_name, m.error ? ` (${m.error})` : "");
}

async function loadMessages() {
  const items = await call("GET", "/messages" + query($("#message-filters")));
  const body = $("#messages tbody");
  body.replaceChildren(...items.slice().reverse().map((m) => h("tr", {
    "data-id": m.id, class: state.selected === m.id ? "selected" : null, onclick: () => openMessage(m.id),
  }, h("td", { title: time(m.created_at) }, time(m.created_at).slice(11, 19)), h("td", {}, m.channel), h("td", {}, m.transport), h("td", {}, m.login),
  h("td", {}, m.destination), h("td", { class: "text" }, short(m.subject ? `${m.subject}: ${m.text}` : m.text)),
  h("td", {}, statusCell(m)))));
  if (state.selected) openMessage(state.selected, true);
}

async function chainOf(message) {
  // The whole fallback chain: walk `parent` up to the first stage, then `fallback` down.
  let first = message;
  const seen = new Set([message.id]);
  while (first.parent && !seen.has(first.parent)) { seen.add(first.parent); first = await call("GET", `/messages/${encodeURIComponent(first.parent)}`); }
  const chain = [first];
  while (chain[chain.length - 1].fallback && chain.length < 10) {
    chain.push(await call("GET", `/messages/${encodeURIComponent(chain[chain.length - 1].fallback)}`));
  }
  return chain;
}

async function openMessage(id, quiet) {
  state.selected = id;
  let message;
  try {
    message = await call("GET", `/messages/${encodeURIComponent(id)}`);
  } catch (error) {
    if (quiet) { state.selected = null; $("#detail").hidden = true; return; }
    throw error;
  }
  const [chain, callbacks, requests] = await Promise.all([
    chainOf(message), call("GET", `/callbacks?message_id=${encodeURIComponent(id)}`),
    call("GET", `/requests?q=${encodeURIComponent(id)}`),
  ]);
  const detail = $("#detail");
  detail.hidden = false;
  detail.replaceChildren(
    h("button", { class: "close", onclick: () => { state.selected = null; detail.hidden = true; }, "aria-label": "close" }, "×"),
    h("h2", {}, `${message.channel} ${message.id}`),
    h("dl", {},
      ...[["status", statusCell(message)], ["account", message.login], ["transport", message.transport],
        ["from", message.source], ["to", message.destination], ["text", message.text],
        ["segments", message.segments], ["price", message.price], ["created", time(message.created_at)],
        ["expires", time(message.expires_at)]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("h3", {}, chain.length > 1 ? "Timeline across the chain" : "Timeline"),
    h("ol", { class: "timeline", "data-testid": "timeline" }, chain.flatMap((stage) => [
      ...(chain.length > 1 ? [h("li", { class: "stage" }, `${stage.channel} ${stage.id} (${stage.transport})`)] : []),
      ...stage.history.map((s) => h("li", { class: "done" }, `${time(s.at)} ${stage.channel} ${s.status}${s.error ? " " + s.error : ""}`)),
      ...stage.planned.map((s) => h("li", { class: "planned" }, `${time(s.at)} ${stage.channel} ${s.status} (planned)`)),
    ])),
    h("form", { class: "inline", onsubmit: async (event) => {
      event.preventDefault();
      await call("POST", "/incoming", { parent_id: message.id, text: event.target.text.value });
      event.target.reset();
      refresh();
    } }, h("input", { name: "text", placeholder: "subscriber's reply", required: true, "aria-label": "reply text" }),
    h("button", {}, "Reply as subscriber")),
    h("h3", {}, `Callbacks (${callbacks.length})`),
    callbacks.map(callbackCard),
    h("h3", {}, `Requests (${requests.length})`),
    requests.map(requestCard),
  );
  for (const row of document.querySelectorAll("#messages tr")) row.classList.toggle("selected", row.dataset.id === id);
}

// --- callbacks, requests, incoming -------------------------------------------------------------

function callbackCard(c) {
  return h("details", { class: "card" },
    h("summary", {}, `#${c.id} ${c.kind} → ${c.url} `, h("span", { class: `status ${c.state === "delivered" ? "ok" : c.state === "gave_up" ? "bad" : "wait"}` }, c.state),
      ` ${c.attempts.length} attempt(s)`),
    h("ul", {}, c.attempts.map((a) => h("li", {}, `${time(a.at)} ${a.http_status ?? ""} ${a.error ?? ""}`))),
    c.next_attempt_at ? h("p", {}, `next attempt ${time(c.next_attempt_at)}`) : null,
    h("pre", {}, c.body));
}

function requestCard(r) {
  const failed = typeof r.status === "number" ? r.status >= 400 : r.status && !/^(2|ESME_ROK)/.test(String(r.status));
  return h("details", { class: `card ${failed ? "failed" : ""}`, "data-surface": r.surface },
    h("summary", {}, `${time(r.at)} ${r.surface} ${r.method} ${r.path} `,
      h("span", { class: `status ${failed ? "bad" : "ok"}` }, r.status ?? "no answer"),
      r.login ? ` ${r.login}` : "", r.message_ids.length ? ` → ${r.message_ids.join(", ")}` : ""),
    r.query ? h("p", {}, "?" + r.query) : null,
    h("h4", {}, "sent"), h("pre", {}, r.body || ""),
    h("h4", {}, "answered"), h("pre", {}, r.response || ""));
}

async function loadCallbacks() {
  const items = await call("GET", "/callbacks");
  $("#callbacks").replaceChildren(...(items.length ? items.reverse().map(callbackCard) : [h("p", {}, "No callbacks yet.")]));
}

async function loadRequests() {
  const items = await call("GET", "/requests" + query($("#request-filters")));
  $("#requests").replaceChildren(...(items.length ? items.reverse().slice(0, 300).map(requestCard) : [h("p", {}, "No requests yet.")]));
}

async function loadIncoming() {
  const items = await call("GET", "/incoming");
  $("#incoming tbody").replaceChildren(...items.reverse().map((m) => h("tr", {},
    h("td", {}, time(m.created_at)), h("td", {}, m.channel), h("td", {}, m.login), h("td", {}, m.source),
    h("td", {}, m.destination), h("td", { class: "text" }, m.text), h("td", {}, m.parent_id || ""))));
}

// --- rules, accounts, faults -----------------------------------------------------------------

async function loadRules() {
  const rules = await call("GET", "/rules");
  $("#rules tbody").replaceChildren(...rules.map((r) => h("tr", { class: r.id.startsWith("f") ? "fixture" : "own" },
    h("td", {}, r.id), h("td", {}, r.channel), h("td", {}, r.destination || ""), h("td", {}, r.source || ""),
    h("td", {}, r.login || ""), h("td", {}, r.reject ? `reject: ${r.reject}` : `${r.status}${r.error ? " " + r.error : ""}`),
    h("td", {}, r.description || ""),
    h("td", {}, r.id.startsWith("f") ? "magic number" : h("button", {
      onclick: async () => { await call("DELETE", `/rules/${encodeURIComponent(r.id)}`); loadRules(); } }, "Remove")))));
}

async function loadAccounts() {
  const accounts = await call("GET", "/accounts");
  $("#accounts tbody").replaceChildren(...accounts.map((a) => h("tr", {},
    h("td", {}, a.login), h("td", { class: "number" }, a.balance.toFixed(2)), h("td", {}, a.enabled ? "yes" : "no"),
    h("td", {}, a.senders.join(", ")), h("td", {}, a.incoming_numbers.join(", ")),
    h("td", {}, Object.entries(a.callbacks).map(([k, v]) => `${k}: ${v}`).join("\n")))));
}

async function loadFaults() {
  const faults = await call("GET", "/faults");
  $("#faults tbody").replaceChildren(...faults.map((f) => h("tr", {},
    h("td", {}, f.id), h("td", {}, f.surface), h("td", {}, f.kind),
    h("td", {}, [f.status && `status ${f.status}`, f.delay_ms && `${f.delay_ms} ms`, f.rate < 1 && `rate ${f.rate}`,
      f.count && `count ${f.count}`, f.seed !== null && f.seed !== undefined && `seed ${f.seed}`].filter(Boolean).join(", ")),
    h("td", {}, f.fired),
    h("td", {}, h("button", { onclick: async () => { await call("DELETE", `/faults/${f.id}`); loadFaults(); } }, "Remove")))));
}

// --- tabs, forms, the event stream -------------------------------------------------------------

const LOADERS = { messages: loadMessages, incoming: loadIncoming, callbacks: loadCallbacks, requests: loadRequests,
  rules: loadRules, accounts: loadAccounts, faults: loadFaults };

function refresh() {
  LOADERS[state.tab]().catch(() => {});
}
const refreshSoon = debounce(refresh, 150);

function showTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== `tab-${name}`;
  refresh();
}

function onSubmit(selector, action) {
  $(selector).addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await action(event.target); } catch (error) { /* shown in the error bar */ }
  });
}

function numbers(data, ...names) {
  for (const name of names) if (data[name] !== undefined) data[name] = Number(data[name]);
  return data;
}

function connect() {
  const source = new EventSource(`${API}/events`);
  source.onopen = () => { $("#live").classList.remove("off"); refresh(); };
  source.onerror = () => $("#live").classList.add("off");  // EventSource reconnects by itself
  const follow = {
    message_accepted: ["messages"], status_changed: ["messages"], incoming_received: ["incoming", "messages"],
    callback_attempted: ["callbacks", "messages"], submission_recorded: [], request_recorded: ["requests", "faults"],
  };
  for (const [type, tabs] of Object.entries(follow)) {
    source.addEventListener(type, (event) => {
      if (type === "status_changed") loadClock().catch(() => {});
      if (tabs.includes(state.tab) && !(type === "request_recorded" && state.tab === "messages")) refreshSoon();
    });
  }
}

async function setup() {
  // The channels and surfaces are the emulator's own lists, not a copy kept here.
  const [channels, surfaces] = await Promise.all([call("GET", "/channels"), call("GET", "/surfaces")]);
  for (const { name } of channels) {
    $("#message-filters [name=channel]").append(h("option", { value: name }, name));
    $("#rule-form [name=channel]").append(h("option", { value: name }, name));
  }
  for (const name of surfaces) $("#fault-form [name=surface]").append(h("option", { value: name }, name));
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  for (const button of document.querySelectorAll("[data-advance]")) button.addEventListener("click", () => advance(button.dataset.advance).catch(() => {}));
  for (const form of ["#message-filters", "#request-filters"]) {
    $(form).addEventListener("input", refreshSoon);
    $(form).addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
  }
  onSubmit("#advance-form", (form) => advance(form["advance-seconds"].value || 0));
  onSubmit("#set-form", async (form) => {
    await loadClock(await call("POST", "/clock/set", { now: form["set-now"].value + "Z" }));
    refresh();
  });
  $("#freeze").addEventListener("click", async () => {
    await loadClock(await call("POST", $("#freeze").dataset.frozen ? "/clock/unfreeze" : "/clock/freeze")).catch(() => {});
  });
  $("#reset").addEventListener("click", async () => {
    if (!confirm("Forget every message, callback, rule and fault?")) return;
    await call("POST", "/reset");
    state.selected = null;
    $("#detail").hidden = true;
    loadClock();
    refresh();
  });
  $("#generate").addEventListener("click", async () => { await call("POST", "/generate", { messages: 30 }); refresh(); });
  onSubmit("#incoming-sms", async (form) => { await call("POST", "/incoming", { channel: "sms", ...formObject(form) }); loadIncoming(); });
  onSubmit("#incoming-reply", async (form) => { await call("POST", "/incoming", formObject(form)); form.reset(); loadIncoming(); });
  onSubmit("#rule-form", async (form) => {
    const data = formObject(form);
    if (data.status && /^-?\d+$/.test(data.status)) data.status = Number(data.status);
    await call("POST", "/rules", data);
    form.reset();
    loadRules();
  });
  onSubmit("#account-form", async (form) => { await call("POST", "/accounts", formObject(form)); form.reset(); loadAccounts(); });
  onSubmit("#fault-form", async (form) => {
    const data = numbers(formObject(form), "status", "delay_ms", "rate", "count", "seed");
    await call("POST", "/faults", data);
    loadFaults();
  });
  $("#clear-faults").addEventListener("click", async () => { await call("DELETE", "/faults"); loadFaults(); });
  loadClock().catch(() => {});
  setInterval(() => loadClock().catch(() => {}), 1000);  // the clock runs in real time between events
  showTab("messages");
  connect();
}

setup();
