// escalert desk: the page. Plain JavaScript, no framework, no network but this server.
// Every text from the store goes in through textContent (never innerHTML).
"use strict";

const TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
  "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"];
const KINDS = { signals: "signal", events: "event", alerts: "alert" };
const names = {};
const state = { view: null, filters: {}, show: "signals", feedCount: 0, es: null };
const main = () => document.getElementById("main");

// -- small helpers ------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// The desk token: sent with every request (reads need it when the desk runs with
// ESCALERT_DESK_READS=token); kept for this browser session only. The cookie is for the live
// feed, which an EventSource opens without headers; the server takes it for reads, never changes.
const TOKEN_COOKIE = "escalert_desk_token";
function token() { return sessionStorage.getItem("desk-token") || ""; }
function setToken(value) {
  sessionStorage.setItem("desk-token", value);
  document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(value)}; path=/; SameSite=Strict`;
}

async function api(path, opts) {
  const headers = { ...((opts && opts.headers) || {}) };
  if (token() && !headers.Authorization) headers.Authorization = `Bearer ${token()}`;
  const resp = await fetch(path, { ...(opts || {}), headers });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail || resp.status));
    err.needToken = resp.status === 401 && !(opts && opts.method && opts.method !== "GET");
    throw err;
  }
  if (body && body.names) Object.assign(names, body.names);
  return body;
}

function label(code) {
  const n = names[code];
  return n ? `${code} (${n})` : code;
}

function when(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return el("time", { datetime: iso, title: iso }, d.toISOString().slice(0, 16).replace("T", " ") + " UTC");
}

function sevBadge(sev) { return el("span", { class: `badge sev${sev}`, title: `severity ${sev} of 5` }, `S${sev}`); }

function safeLink(url, text) {
  if (!url || !/^https?:\/\//i.test(url)) return null;
  return el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, text || "source");
}

function setBusy(node, text) { node.replaceChildren(el("p", { class: "empty" }, text || "Loading…")); }
function showError(node, err) {
  if (err && err.needToken) { node.replaceChildren(tokenForm()); return; }
  node.replaceChildren(el("p", { class: "error", role: "alert" }, String(err.message || err)));
}

function tokenForm() {
  const input = el("input", { id: "t-token", type: "password", autocomplete: "off", size: 24, required: true });
  const form = el("form", { class: "panel", id: "token-form", "aria-label": "Desk token" },
    el("p", { role: "alert" }, token() ? "The desk did not accept this token." :
      "This desk is read with its token (ESCALERT_DESK_TOKEN, or the file the desk names at start)."),
    el("label", { for: "t-token" }, "Desk token", input), el("button", { type: "submit" }, "Open"));
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    setToken(input.value.trim());
    connectLive();
    route();
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

// -- cards --------------------------------------------------------------------------------------

function evidence(ev) {
  if (!ev || !ev.sentence) return null;
  const s = ev.sentence;
  const a = Math.max(0, (ev.trigger_start ?? 0) - (ev.start ?? 0));
  const b = Math.min(s.length, (ev.trigger_end ?? 0) - (ev.start ?? 0));
  const q = el("blockquote", { class: "evidence" });
  if (b > a && s.slice(a, b)) {
    q.append(s.slice(0, a), el("mark", { title: "trigger" }, s.slice(a, b)), s.slice(b));
  } else {
    q.append(s);
  }
  return q;
}

function actorsLine(actors, location) {
  const src = (actors?.source || []).map(a => label(a.code));
  const tgt = (actors?.target || []).map(a => label(a.code));
  const parts = [];
  if (src.length || tgt.length) parts.push(`${src.join(", ") || "?"} → ${tgt.join(", ") || "—"}`);
  if (location && (location.name || location.country)) {
    parts.push("in " + [location.name, location.country ? label(location.country) : null].filter(Boolean).join(", "));
  }
  return el("p", { class: "actors" }, parts.join(" · "));
}

function signalCard(s) {
  const art = s.article || {};
  return el("li", { "data-id": s.signal_id, "data-kind": "signal" },
    el("div", { class: "card-head" },
      sevBadge(s.severity), el("span", { class: "badge kind" }, s.type),
      el("span", { class: "meta" }, s.modality + (art.genre === "opinion" ? " · opinion page" : "")
        + (s.event_date ? ` · on ${s.event_date}` : "")),
      el("h3", {}, el("a", { href: `#/signal/${encodeURIComponent(s.signal_id)}` }, art.title || s.signal_id))),
    actorsLine(s.actors, s.location),
    evidence(s.evidence),
    el("p", { class: "meta" }, art.source || "unknown outlet", " · published ", when(art.published_at),
      art.published_at_assumed ? " (time read, no date given)" : "", " ", safeLink(art.url, "source ↗")));
}

function eventCard(e) {
  const rep = e.representative || {};
  const art = rep.article || {};
  const state = [e.status === "retracted" ? "retracted" : null, e.schedule, e.modality,
    e.event_date ? `on ${e.event_date}` : null].filter(Boolean).join(" · ");
  return el("li", { "data-id": e.event_id, "data-kind": "event" },
    el("div", { class: "card-head" },
      sevBadge(e.severity || 1), el("span", { class: "badge kind" }, e.type),
      el("span", { class: "meta" }, state),
      el("h3", {}, el("a", { href: `#/event/${encodeURIComponent(e.event_id)}` }, art.title || e.event_id))),
    actorsLine(e.actors, e.location),
    evidence(rep.evidence),
    el("p", { class: "meta" }, `${e.article_count ?? (e.articles || []).length} article(s) · `,
      `${e.corroboration ?? "?"} independent source(s)`, (e.sources || []).length ? ` (${e.sources.slice(0, 5).join(", ")})` : "",
      " · first seen ", when(e.first_seen), " · last seen ", when(e.last_seen), " ", safeLink(art.url, "source ↗")));
}

function alertCard(a) {
  const first = (a.signals || [])[0] || {};
  return el("li", { "data-id": a.alert_id, "data-kind": "alert" },
    el("div", { class: "card-head" },
      sevBadge(a.severity), el("span", { class: `badge status-${a.status}` }, a.status),
      el("span", { class: "meta" }, `to ${a.subscription}` + (a.silenced_by ? ` · silenced by ${a.silenced_by}` : "")),
      el("h3", {}, el("a", { href: `#/alert/${encodeURIComponent(a.alert_id)}` }, a.title))),
    first.actors ? actorsLine(first.actors, first.location) : null,
    evidence(first.evidence),
    el("p", { class: "meta" }, "decided ", when(a.created_at), ` · ${a.signal_count || (a.signals || []).length} signal(s) · `,
      (a.matched || []).join("; ")));
}

const CARD = { signal: signalCard, event: eventCard, alert: alertCard };

// -- live feed ----------------------------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] || "feed", arg: parts[1] || null, params: new URLSearchParams(query || "") };
}

function filterQuery(f) {
  const p = new URLSearchParams();
  for (const k of ["type", "actor", "country", "min_severity", "q", "status", "subscription"]) if (f[k]) p.set(k, f[k]);
  return p;
}

function matches(kind, doc, f) {
  const sig = kind === "alert" ? (doc.signals || [])[0] || {} : doc;
  if (f.type && !f.type.split(",").includes(sig.type)) return false;
  if (f.min_severity && (doc.severity || 0) < Number(f.min_severity)) return false;
  const codes = [...(sig.actors?.source || []), ...(sig.actors?.target || [])].map(a => a.code);
  if (f.actor && !f.actor.toUpperCase().split(",").some(c => codes.includes(c.trim()))) return false;
  if (f.country && !f.country.toUpperCase().split(",").map(c => c.trim()).includes(sig.location?.country)) return false;
  if (f.status && kind !== "signal" && !f.status.split(",").includes(doc.status)) return false;
  if (f.subscription && kind === "alert" && doc.subscription !== f.subscription) return false;
  if (f.q) {
    const text = `${sig.article?.title || doc.title || ""}\n${sig.evidence?.sentence || ""}\n${sig.location?.name || ""}`.toLowerCase();
    if (!text.includes(f.q.toLowerCase())) return false;
  }
  return true;
}

function filterForm(f, show) {
  const typeSel = el("select", { name: "type", id: "f-type" }, el("option", { value: "" }, "any"),
    TYPES.map(t => el("option", { value: t, selected: f.type === t }, t)));
  const sevSel = el("select", { name: "min_severity", id: "f-sev" }, el("option", { value: "" }, "any"),
    [2, 3, 4, 5].map(s => el("option", { value: String(s), selected: String(f.min_severity) === String(s) }, `${s}+`)));
  const showSel = el("select", { name: "show", id: "f-show" },
    Object.keys(KINDS).map(k => el("option", { value: k, selected: k === show }, k)));
  const form = el("form", { class: "filters", role: "search", "aria-label": "Filter the feed" },
    el("label", { for: "f-show" }, "Show", showSel),
    el("label", { for: "f-type" }, "Type", typeSel),
    el("label", { for: "f-actor" }, "Actor", el("input", { id: "f-actor", name: "actor", value: f.actor || "", placeholder: "e.g. RUS", size: 8 })),
    el("label", { for: "f-country" }, "Country (place)", el("input", { id: "f-country", name: "country", value: f.country || "", placeholder: "e.g. UKR", size: 8 })),
    el("label", { for: "f-sev" }, "Severity", sevSel),
    el("label", { for: "f-q" }, "Text", el("input", { id: "f-q", name: "q", type: "search", value: f.q || "", size: 16 })),
    el("button", { type: "submit" }, "Apply"),
    el("button", { type: "button", class: "secondary", onclick: () => { location.hash = `#/feed?show=${show}`; } }, "Clear"));
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const data = new FormData(form);
    const p = new URLSearchParams();
    for (const [k, v] of data.entries()) if (String(v).trim()) p.set(k, String(v).trim());
    location.hash = "#/feed?" + p.toString();
  });
  return form;
}

async function viewFeed(params) {
  const f = Object.fromEntries(params.entries());
  let show = f.show;
  delete f.show;
  if (!show) {
    const probe = await api("/api/events?limit=1").catch(err => { if (err.needToken) throw err; return { items: [] }; });
    show = probe.items.length ? "events" : "signals";
  }
  state.filters = f;
  state.show = show;
  const list = el("ol", { class: "feed", id: "feed", "aria-label": `${show}, newest first` });
  const more = el("div", { class: "more" });
  main().replaceChildren(el("h2", {}, `Live feed: ${show}`), filterForm(f, show),
    el("p", { class: "meta", id: "feed-count", "aria-live": "polite" }), list, more);
  await loadPage(list, more, show, filterQuery(f));
}

async function loadPage(list, more, show, query, cursor) {
  if (cursor) query.set("cursor", cursor);
  query.set("limit", "50");
  try {
    const page = await api(`/api/${show}?${query}`);
    for (const doc of page.items) list.append(CARD[KINDS[show]](doc));
    if (!list.children.length) list.replaceChildren(el("li", { class: "empty" }, "Nothing yet. New items appear here as they arrive."));
    document.getElementById("feed-count").textContent = `${list.querySelectorAll("li[data-id]").length} shown`;
    more.replaceChildren(page.next_cursor ? el("button", { type: "button", class: "secondary",
      onclick: () => loadPage(list, more, show, query, page.next_cursor) }, "Older") : "");
  } catch (err) { showError(more, err); }
}

function onLive(kind, payload) {
  Object.assign(names, payload.names || {});
  if (state.view !== "feed" || KINDS[state.show] !== kind) return;
  const list = document.getElementById("feed");
  if (!list || !matches(kind, payload.doc, state.filters)) return;
  const id = payload.doc.signal_id || payload.doc.event_id || payload.doc.alert_id;
  const old = list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
  const card = CARD[kind](payload.doc);
  card.classList.add("new");
  if (old) old.replaceWith(card); else list.prepend(card);
  list.querySelector("li.empty")?.remove();
  while (list.children.length > 300) list.lastElementChild.remove();
  state.feedCount += 1;
  document.getElementById("feed-count").textContent = `${list.querySelectorAll("li[data-id]").length} shown · ${state.feedCount} arrived live`;
}

function connectLive() {
  const status = document.getElementById("live-state");
  if (state.es) state.es.close();
  const es = new EventSource("/api/stream");
  state.es = es;
  es.addEventListener("hello", () => { status.textContent = "Live"; });
  for (const kind of ["signal", "event", "alert"]) {
    es.addEventListener(kind, ev => onLive(kind, JSON.parse(ev.data)));
  }
  es.addEventListener("reload", () => { es.close(); route(); connectLive(); });
  es.onerror = () => { status.textContent = es.readyState === EventSource.CLOSED ? "Not live" : "Reconnecting…"; };
}

// -- one item -----------------------------------------------------------------------------------

async function viewSignal(id) {
  const body = await api(`/api/signals/${encodeURIComponent(id)}`);
  const s = body.signal;
  const alerts = body.alerts.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", {}, "Subscription"), el("th", {}, "Status"), el("th", {}, "Alert"), el("th", {}, "Why"))),
    el("tbody", {}, body.alerts.map(a => el("tr", {}, el("td", {}, a.subscription),
      el("td", {}, el("span", { class: `badge status-${a.status}` }, a.status), a.silenced_by ? ` by ${a.silenced_by}` : ""),
      el("td", {}, el("a", { href: `#/alert/${encodeURIComponent(a.alert_id)}` }, a.title)),
      el("td", {}, (a.matched || []).join("; "))))))
    : el("p", { class: "empty" }, "No alert names this signal.");
  main().replaceChildren(el("h2", {}, `${s.type} signal`), el("ol", { class: "feed" }, signalCard(s)),
    el("h3", {}, "Alerts"), alerts,
    el("p", {}, el("a", { href: `#/article/${encodeURIComponent(s.article_id)}` }, "Every signal of this article")),
    whyForm({ signal_id: s.signal_id }));
}

async function viewEvent(id) {
  const body = await api(`/api/events/${encodeURIComponent(id)}`);
  const e = body.event;
  const history = (e.schedule_history || []).length ? el("ol", {}, e.schedule_history.map(h => el("li", {},
    when(h.at), ` ${h.status}`, h.event_date ? ` · date ${h.event_date}` : "", h.place ? ` · ${h.place}` : "",
    h.sentence ? el("blockquote", { class: "evidence" }, h.sentence) : ""))) : null;
  main().replaceChildren(el("h2", {}, `Event: ${e.type}`), el("ol", { class: "feed" }, eventCard(e)),
    history ? el("h3", {}, "Calendar history") : "", history || "",
    el("h3", {}, `Articles (${body.articles.length})`),
    el("ul", {}, body.articles.map(a => el("li", {}, a.source || "unknown outlet", " · ", when(a.published_at), " · ",
      safeLink(a.url, a.title || a.id) || (a.title || a.id), a.independent === false ? " (a copy of another outlet's report)" : ""))),
    el("h3", {}, "Evidence"), el("ol", { class: "feed" }, body.signals.map(signalCard)),
    whyForm({ event_id: e.event_id }));
}

async function viewAlert(id) {
  const body = await api(`/api/alerts/${encodeURIComponent(id)}`);
  const a = body.alert;
  main().replaceChildren(el("h2", {}, "Alert"), el("ol", { class: "feed" }, alertCard(a)),
    el("p", {}, "Targets: ", (a.target_ids || []).join(", ") || "none", " · ",
      el("a", { href: `#/deliveries/${encodeURIComponent(a.subscription)}` }, `deliveries of ${a.subscription}`)),
    el("h3", {}, "Signals"), el("ol", { class: "feed" }, (a.signals || []).map(signalCard)));
}

async function viewArticle(id) {
  const body = await api(`/api/articles/${encodeURIComponent(id)}`);
  main().replaceChildren(el("h2", {}, body.article.title || id),
    el("p", { class: "meta" }, body.article.source || "", " · ", when(body.article.published_at), " ", safeLink(body.article.url, "source ↗")),
    el("ol", { class: "feed" }, body.signals.map(signalCard)));
}

function whyForm(target) {
  const out = el("div", { "aria-live": "polite" });
  const sel = el("select", { id: "why-sub", name: "subscription" });
  api("/api/subscriptions").then(b => sel.replaceChildren(...b.items.map(s => el("option", { value: s.name }, s.name + (s.enabled ? "" : " (disabled)")))))
    .catch(() => sel.replaceChildren(el("option", { value: "" }, "no subscriptions file")));
  const form = el("form", { class: "panel", "aria-label": "Why did a subscription (not) get this?" },
    el("label", { for: "why-sub" }, "Did this subscription get it? If not, why?", sel),
    el("button", { type: "submit" }, "Explain"));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const q = new URLSearchParams(target);
    try {
      const body = await api(`/api/subscriptions/${encodeURIComponent(sel.value)}/why?${q}`);
      out.replaceChildren(...body.answers.map(a => el("div", { class: "why" },
        el("p", {}, el("strong", {}, a.reached ? "Reached: " : "Not reached: "), a.verdict),
        el("ul", {}, a.steps.map(s => el("li", { class: s.ok ? "ok" : "fail" }, `${s.ok ? "✓" : "✗"} ${s.detail}`))))));
    } catch (err) { showError(out, err); }
  });
  return el("section", { "aria-label": "Why" }, el("h3", {}, "Why (not)?"), form, out);
}

// -- calendar -----------------------------------------------------------------------------------

async function viewCalendar() {
  const body = await api("/api/calendar");
  const groups = {};
  for (const e of body.entries) (groups[e.status] = groups[e.status] || []).push(e);
  const order = ["upcoming", "held", "postponed", "moved", "cancelled", "date passed"];
  const keys = [...order.filter(k => groups[k]), ...Object.keys(groups).filter(k => !order.includes(k))];
  const row = e => el("tr", { "data-date": e.date },
    el("td", {}, el("time", { datetime: e.date }, e.date), e.date_end ? ` – ${e.date_end}` : ""),
    el("td", {}, e.event_id ? el("a", { href: `#/event/${encodeURIComponent(e.event_id)}` }, e.type) : e.type),
    el("td", {}, e.parties.map(label).join(", ")),
    el("td", {}, [e.place, e.country ? label(e.country) : null].filter(Boolean).join(", ")),
    el("td", {}, evidence(e.evidence)),
    el("td", {}, el("ul", {}, e.articles.slice(0, 4).map(a =>
      el("li", {}, safeLink(a.url, a.source || a.title || "article") || (a.source || a.title || a.id))))));
  const head = el("tr", {}, ["Date", "What", "Parties", "Place", "Evidence", "Sources"].map(h => el("th", { scope: "col" }, h)));
  const sections = keys.map(k => el("section", { "aria-label": k },
    el("h3", {}, `${k[0].toUpperCase()}${k.slice(1)} (${groups[k].length})`),
    el("table", {}, el("thead", {}, head.cloneNode(true)), el("tbody", {}, groups[k].map(row)))));
  main().replaceChildren(el("h2", {}, "Diplomatic calendar"),
    el("p", {}, "Meetings and other events announced with a date. ", el("a", { href: "/api/calendar.ics" }, "Subscribe (.ics)")),
    ...(sections.length ? sections : [el("p", { class: "empty" }, "No scheduled events yet.")]));
}

// -- trajectories -------------------------------------------------------------------------------

function chart(days) {
  const W = 900, H = 260, pad = 30, n = days.length;
  const max = Math.max(1, ...days.map(d => Math.max(d.conflict, d.cooperation)));
  const bw = (W - 2 * pad) / n;
  const mid = H / 2;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  const total = days.reduce((a, d) => a + d.count, 0);
  svg.setAttribute("aria-label", `Daily conflict (down, red) and cooperation (up, blue) over ${n} days, ${total} signals; the table below lists them`);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text) e.textContent = text;
    svg.append(e);
    return e;
  };
  add("line", { x1: pad, x2: W - pad, y1: mid, y2: mid, stroke: "#8c959f" });
  days.forEach((d, i) => {
    const x = pad + i * bw + 1;
    const up = (d.cooperation / max) * (mid - pad);
    const down = (d.conflict / max) * (mid - pad);
    if (up) add("rect", { x, y: mid - up, width: Math.max(1, bw - 2), height: up, fill: "#1d6fb8" }).append(
      Object.assign(document.createElementNS("http://www.w3.org/2000/svg", "title"), { textContent: `${d.date}: cooperation ${d.cooperation}` }));
    if (down) add("rect", { x, y: mid, width: Math.max(1, bw - 2), height: down, fill: "#b42318" }).append(
      Object.assign(document.createElementNS("http://www.w3.org/2000/svg", "title"), { textContent: `${d.date}: conflict ${d.conflict}` }));
  });
  add("text", { x: pad, y: H - 6, "font-size": 12, fill: "#57606a" }, days[0].date);
  add("text", { x: W - pad, y: H - 6, "font-size": 12, fill: "#57606a", "text-anchor": "end" }, days[n - 1].date);
  add("text", { x: pad, y: 16, "font-size": 12, fill: "#1d6fb8" }, `cooperation (max ${max})`);
  add("text", { x: pad, y: H - 20, "font-size": 12, fill: "#b42318" }, "conflict");
  return svg;
}

async function viewTrajectory(params) {
  const dyad = params.get("dyad") || (params.get("country") ? "" : "RUS-UKR");
  const country = params.get("country") || "";
  const days = params.get("days") || "30";
  const form = el("form", { class: "panel", "aria-label": "Choose a dyad or a country" },
    el("label", { for: "t-dyad" }, "Dyad (source-target)", el("input", { id: "t-dyad", name: "dyad", value: dyad, placeholder: "RUS-UKR", size: 12 })),
    el("label", { for: "t-country" }, "or country", el("input", { id: "t-country", name: "country", value: country, placeholder: "e.g. UKR", size: 8 })),
    el("label", { for: "t-days" }, "Days", el("input", { id: "t-days", name: "days", type: "number", min: 1, max: 366, value: days, size: 4 })),
    el("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const d = new FormData(form);
    const p = new URLSearchParams();
    if (String(d.get("country")).trim()) p.set("country", String(d.get("country")).trim());
    else p.set("dyad", String(d.get("dyad")).trim());
    p.set("days", String(d.get("days") || 30));
    location.hash = "#/trajectory?" + p;
  });
  const out = el("div", { "aria-live": "polite" });
  main().replaceChildren(el("h2", {}, "Trajectory"), form, out);
  const q = new URLSearchParams({ days });
  if (country) q.set("country", country); else q.set("dyad", dyad);
  try {
    const body = await api(`/api/trajectory?${q}`);
    const who = body.dyad ? body.dyad.split("-").map(label).join(" → ") : label(body.country);
    const moves = body.days.filter(d => d.count);
    out.replaceChildren(el("h3", {}, `${who}: ${body.start} to ${body.end}`),
      el("p", { class: "meta" }, body.basis === "events" ? "From consolidated events (one story counts once)." : "From asserted signals (no events stored)."),
      chart(body.days),
      el("p", { class: "legend" }, el("span", {}, el("span", { class: "swatch", style: "background:#1d6fb8" }), "cooperation"),
        el("span", {}, el("span", { class: "swatch", style: "background:#b42318" }), "conflict")),
      el("h3", {}, "What moved it"),
      moves.length ? el("table", {}, el("thead", {}, el("tr", {}, ["Day", "Conflict", "Cooperation", "Behind it"].map(h => el("th", { scope: "col" }, h)))),
        el("tbody", {}, moves.map(d => el("tr", {}, el("td", {}, d.date), el("td", {}, d.conflict), el("td", {}, d.cooperation),
          el("td", {}, el("ul", {}, d.signals.map(s => el("li", {}, el("a", { href: s.event_id ? `#/event/${encodeURIComponent(s.event_id)}` : `#/signal/${encodeURIComponent(s.signal_id)}` }, `${s.type} (${s.intensity})`), " ", s.title || ""))))))))
        : el("p", { class: "empty" }, "No asserted signals in this period."));
  } catch (err) { showError(out, err); }
}

// -- deliveries ---------------------------------------------------------------------------------

async function viewDeliveries(name, params) {
  const subs = await api("/api/subscriptions").catch(err => { if (err.needToken) throw err; return { items: [], error: err }; });
  const sel = el("select", { id: "d-sub" }, subs.items.map(s => el("option", { value: s.name, selected: s.name === name }, s.name + (s.enabled ? "" : " (disabled)"))));
  const from = el("input", { id: "d-from", type: "date", value: params.get("from") || "" });
  const to = el("input", { id: "d-to", type: "date", value: params.get("to") || "" });
  const form = el("form", { class: "panel", "aria-label": "Choose a subscription and a period" },
    el("label", { for: "d-sub" }, "Subscription", sel),
    el("label", { for: "d-from" }, "From (UTC day)", from), el("label", { for: "d-to" }, "To (UTC day)", to),
    el("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (from.value) p.set("from", from.value);
    if (to.value) p.set("to", to.value);
    location.hash = `#/deliveries/${encodeURIComponent(sel.value)}` + (p.toString() ? `?${p}` : "");
  });
  const out = el("div");
  main().replaceChildren(el("h2", {}, "Deliveries"), subs.error ? el("p", { class: "error" }, subs.error.message) : form, out);
  const current = name || subs.items.find(s => s.enabled)?.name;
  if (!current) return;
  const sub = subs.items.find(s => s.name === current);
  const q = new URLSearchParams();
  if (from.value) q.set("since", `${from.value}T00:00:00Z`);
  if (to.value) q.set("until", new Date(Date.parse(`${to.value}T00:00:00Z`) + 86400000).toISOString());
  const rows = el("tbody", { id: "deliveries" });
  const more = el("div", { class: "more" });
  out.replaceChildren(
    el("p", {}, `Filters: ${JSON.stringify(sub?.filters || {})} · targets: ${(sub?.target_ids || []).join(", ")}`),
    el("table", {}, el("thead", {}, el("tr", {}, ["Decided", "Alert", "Status", "Why", "Deliveries"].map(h => el("th", { scope: "col" }, h)))), rows),
    more);
  await loadDeliveries(current, q, rows, more);
}

function deliveryRow({ alert: a, deliveries: ds }) {
  return el("tr", { "data-id": a.alert_id },
    el("td", {}, when(a.created_at)),
    el("td", {}, el("a", { href: `#/alert/${encodeURIComponent(a.alert_id)}` }, a.title)),
    el("td", {}, el("span", { class: `badge status-${a.status}` }, a.status), a.silenced_by ? ` by ${a.silenced_by}` : ""),
    el("td", {}, (a.matched || []).join("; ")),
    el("td", {}, ds.length ? el("ul", {}, ds.map(d => el("li", {}, `${d.target_id}: ${d.state}, ${d.attempts} attempt(s)`, d.error ? ` · ${d.error}` : ""))) : "no delivery record"));
}

async function loadDeliveries(name, query, rows, more, cursor) {
  if (cursor) query.set("cursor", cursor);
  query.set("limit", "50");
  try {
    const body = await api(`/api/subscriptions/${encodeURIComponent(name)}/deliveries?${query}`);
    rows.append(...body.items.map(deliveryRow));
    if (!rows.children.length) rows.append(el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No alerts for this subscription yet.")));
    more.replaceChildren(body.next_cursor ? el("button", { type: "button", class: "secondary",
      onclick: () => loadDeliveries(name, query, rows, more, body.next_cursor) }, "Older") : "");
  } catch (err) { showError(more, err); }
}

// -- silences -----------------------------------------------------------------------------------

async function viewSilences() {
  const list = el("div", { "aria-live": "polite" });
  const msg = el("p", { role: "status" });
  const tokenInput = el("input", { id: "s-token", type: "password", autocomplete: "off", value: token(), size: 24 });
  tokenInput.addEventListener("change", () => setToken(tokenInput.value.trim()));
  const f = (id, text, attrs) => el("label", { for: id }, text, el("input", { id, name: id.slice(2), ...attrs }));
  const subSel = el("select", { id: "s-subscription", name: "subscription" }, el("option", { value: "" }, "any"));
  api("/api/subscriptions").then(b => subSel.append(...b.items.map(s => el("option", { value: s.name }, s.name)))).catch(() => {});
  const form = el("form", { class: "panel", "aria-label": "New silence" },
    el("label", { for: "s-subscription" }, "Subscription", subSel),
    el("label", { for: "s-type" }, "Type", el("select", { id: "s-type", name: "type" }, el("option", { value: "" }, "any"), TYPES.map(t => el("option", { value: t }, t)))),
    f("s-actor", "Actor", { size: 8, placeholder: "e.g. RUS" }),
    f("s-country", "Country", { size: 8, placeholder: "e.g. UKR" }),
    f("s-keyword", "Keyword", { size: 12 }),
    f("s-duration", "Duration", { size: 6, value: "2h", required: true }),
    f("s-reason", "Reason", { size: 24, required: true }),
    el("label", { for: "s-token" }, "Desk token", tokenInput),
    el("button", { type: "submit" }, "Add silence"));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const d = new FormData(form);
    const matchers = {};
    const lists = { subscription: "subscriptions", type: "types", actor: "actors", country: "countries", keyword: "keywords" };
    for (const [k, m] of Object.entries(lists)) {
      const v = String(d.get(k) || "").split(",").map(x => x.trim()).filter(Boolean);
      if (v.length) matchers[m] = v;
    }
    setToken(tokenInput.value.trim());
    try {
      const s = await api("/api/silences", { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
        body: JSON.stringify({ matchers, duration: String(d.get("duration")), reason: String(d.get("reason")), created_by: "desk" }) });
      msg.textContent = `Silence ${s.id} added.`;
      msg.className = "";
      await loadSilences(list, msg);
    } catch (err) { msg.textContent = `Not added: ${err.message}`; msg.className = "error"; }
  });
  main().replaceChildren(el("h2", {}, "Silences"),
    el("p", {}, "Matching alerts are recorded as silenced, not sent. Changes need the desk token (ESCALERT_DESK_TOKEN, or the file the desk names at start)."),
    form, msg, list);
  await loadSilences(list, msg);
}

async function loadSilences(list, msg) {
  try {
    const body = await api("/api/silences?all=true");
    list.replaceChildren(body.items.length ? el("table", { id: "silences" },
      el("thead", {}, el("tr", {}, ["Id", "State", "From", "Until", "Matches", "Reason", ""].map(h => el("th", { scope: "col" }, h)))),
      el("tbody", {}, body.items.map(s => el("tr", { "data-id": s.id },
        el("td", {}, s.id), el("td", {}, s.state), el("td", {}, when(s.starts_at)), el("td", {}, when(s.ends_at)),
        el("td", {}, Object.entries(s.matchers).filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length)).map(([k, v]) => `${k}=${v}`).join(" ")),
        el("td", {}, s.reason),
        el("td", {}, s.state === "expired" ? "" : el("button", { type: "button", class: "secondary", "aria-label": `Expire ${s.id}`,
          onclick: async () => {
            try {
              await api(`/api/silences/${encodeURIComponent(s.id)}/expire`, { method: "POST", headers: { Authorization: `Bearer ${token()}` } });
              msg.textContent = `Silence ${s.id} expired.`; msg.className = "";
              await loadSilences(list, msg);
            } catch (err) { msg.textContent = `Not expired: ${err.message}`; msg.className = "error"; }
          } }, "Expire")))))) : el("p", { class: "empty" }, "No silences."));
  } catch (err) { showError(list, err); }
}

// -- router -------------------------------------------------------------------------------------

const VIEWS = {
  feed: (arg, params) => viewFeed(params), signal: viewSignal, event: viewEvent, alert: viewAlert,
  article: viewArticle, calendar: viewCalendar, trajectory: (arg, params) => viewTrajectory(params),
  deliveries: (arg, params) => viewDeliveries(arg, params), silences: viewSilences,
};

async function route() {
  const { view, arg, params } = parseHash();
  const fn = VIEWS[view] || VIEWS.feed;
  state.view = VIEWS[view] ? view : "feed";
  const top = ["signal", "event", "alert", "article"].includes(state.view) ? "feed" : state.view;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === top) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  setBusy(main());
  try { await fn(arg, params); } catch (err) { showError(main(), err); }
  const h = main().querySelector("h2");
  document.title = h ? `${h.textContent} · escalert desk` : "escalert desk";
}

window.addEventListener("hashchange", () => { route().then(() => main().focus({ preventScroll: true })); });
window.addEventListener("DOMContentLoaded", () => { route(); connectLive(); });
