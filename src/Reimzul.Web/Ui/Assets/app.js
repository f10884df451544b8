// Reimzul web UI. Every page is rendered in the browser from the /api/v1 JSON, paged by the API's cursors, so a page
// costs the same with a thousand builds in the history as with a million. Data reaches the page only through DOM calls
// (text nodes, textContent, attributes), never as HTML: a package name or a log line holding <script> shows as text.

const STATUSES = ["Queued", "Building", "Success", "Failed", "Canceled", "Override"];
const RUNNING = new Set(["Queued", "Building"]);
const TOKEN_KEY = "reimzul.writer_token";
const LOG_FILES = new Set(["build.log", "root.log"]);
// The live log keeps at most this many characters in the page; the full file stays one link away.
const LOG_KEEP_CHARS = 4 * 1024 * 1024;

// ---- the API --------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function apiUrl(path, params) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== "") {
      url.searchParams.set(key, value);
    }
  }
  return url;
}

async function failure(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && typeof body.error === "string") {
      message = body.error;
    }
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ApiError(response.status, message);
}

async function getJson(path, params) {
  const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw await failure(response);
  }
  return response.json();
}

async function postJson(path, body) {
  const headers = { Accept: "application/json", "Content-Type": "application/json" };
  const token = writerToken();
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const response = await fetch(apiUrl(path), { method: "POST", headers, body: JSON.stringify(body ?? {}) });
  if (!response.ok) {
    throw await failure(response);
  }
  return response.json();
}

const seg = encodeURIComponent;

// ---- building the page without HTML strings -------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === "href" || key === "src") {
      const safe = safeUrl(value);
      if (safe) {
        node.setAttribute(key, safe);
      }
    } else if (key.startsWith("on")) {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Links come from the API (log and RPM URLs): only http(s) and this site's own paths, never javascript: or data:.
function safeUrl(value) {
  try {
    const url = new URL(String(value), location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? String(value) : null;
  } catch {
    return null;
  }
}

function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

function statusBadge(status) {
  const known = STATUSES.includes(status);
  return el("span", { class: `status status-${known ? status : "other"}`, "data-status": status ?? "" }, status ?? "?");
}

function buildLink(id, text) {
  return el("a", { href: `/builds/${seg(id)}` }, text ?? id);
}

function packageLink(name) {
  return el("a", { href: `/packages/${seg(name)}` }, name);
}

function errorBox(error) {
  return el("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error));
}

function table(headers, rows) {
  return el("div", { class: "scroll" },
    el("table", {},
      el("thead", {}, el("tr", {}, headers.map(h => typeof h === "string" ? el("th", {}, h) : el("th", { class: h.class }, h.text)))),
      el("tbody", {}, rows)));
}

function emptyRow(columns, text) {
  return el("tr", {}, el("td", { colspan: columns, class: "muted" }, text));
}

// ---- times ----------------------------------------------------------------------------------------------------------

// ISO 8601 from the API, or the history's %Y%m%d%H%M%S build timestamp.
function parseTime(value) {
  if (typeof value !== "string" || value === "") {
    return null;
  }
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  const date = compact
    ? new Date(Date.UTC(+compact[1], +compact[2] - 1, +compact[3], +compact[4], +compact[5], +compact[6]))
    : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function formatTime(value) {
  const date = parseTime(value);
  return date ? date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : (value ?? "");
}

function timeCell(value) {
  return el("td", { class: "nowrap", title: value ?? "" }, formatTime(value));
}

function formatDuration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    return "";
  }
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  }
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

function ago(value) {
  const date = parseTime(value);
  if (!date) {
    return "";
  }
  return `${formatDuration(Math.max(0, (Date.now() - date.getTime()) / 1000))} ago`;
}

// ---- the writer's token ---------------------------------------------------------------------------------------------

function writerToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

function renderWriter(openForm = false) {
  const box = document.getElementById("writer");
  if (!box) {
    return;
  }
  if (writerToken()) {
    replace(box,
      el("span", { class: "muted", id: "writer-state" }, "writer token set for this tab"),
      el("button", { type: "button", id: "writer-forget", onclick: () => { sessionStorage.removeItem(TOKEN_KEY); renderWriter(); } }, "Forget"));
    return;
  }
  if (!openForm) {
    replace(box, el("button", { type: "button", id: "writer-open", onclick: () => renderWriter(true) }, "Writer token…"));
    return;
  }
  const input = el("input", { type: "password", id: "writer-token", autocomplete: "off", placeholder: "token from the tokens file", "aria-label": "writer token" });
  const form = el("form", {
    id: "writer-form",
    onsubmit: event => {
      event.preventDefault();
      const token = input.value.trim();
      if (token) {
        sessionStorage.setItem(TOKEN_KEY, token);
      }
      renderWriter();
    },
  }, input, el("button", { type: "submit", id: "writer-save" }, "Use"));
  replace(box, form);
  input.focus();
}

// ---- pages ----------------------------------------------------------------------------------------------------------

const page = () => document.getElementById("page");

// The page shows its data: tests wait for the attribute, the benchmark reads the mark.
function ready() {
  page().dataset.ready = "true";
  performance.mark("reimzul:ready");
}

// Re-runs a refresh while the tab is visible; a failed refresh keeps the last figures and shows why.
function every(ms, refresh) {
  let timer = 0;
  const run = async () => {
    if (document.visibilityState === "visible") {
      await refresh();
    }
    timer = setTimeout(run, ms);
  };
  timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
}

function buildRows(builds, { showPackage = true } = {}) {
  return builds.map(b => el("tr", { "data-build-id": b.build_id, "data-arch": b.arch },
    timeCell(b.recorded_at ?? b.timestamp),
    showPackage ? el("td", {}, packageLink(b.pkgname)) : null,
    el("td", {}, b.evr),
    el("td", {}, el("a", { href: `/builds?target=${seg(b.target)}` }, b.target)),
    el("td", { class: "nowrap" }, b.arch),
    el("td", {}, statusBadge(b.status)),
    el("td", {}, b.submitter),
    el("td", {}, b.builder),
    el("td", { class: "nowrap" }, buildLink(b.build_id, "details"), " ",
      RUNNING.has(b.status) || b.status === "Building"
        ? el("a", { href: `/builds/${seg(b.build_id)}/logs/${seg(b.arch)}/build.log` }, "live log")
        : (b.log_url ? el("a", { href: b.log_url }, "build.log") : null))));
}

function buildTable(builds, options) {
  const showPackage = options?.showPackage ?? true;
  const headers = ["Recorded", showPackage ? "Package" : null, "EVR", "Target", "Arch", "Status", "Submitter", "Builder", ""].filter(h => h !== null);
  const rows = builds.length ? buildRows(builds, options) : [emptyRow(headers.length, "No builds match.")];
  return table(headers, rows);
}

async function dashboard() {
  document.title = "Reimzul";
  const queues = el("section", { id: "queues" }, el("h2", {}, "Queues"), el("p", { class: "muted" }, "Loading…"));
  const builders = el("section", { id: "builders" }, el("h2", {}, "Builders"), el("p", { class: "muted" }, "Loading…"));
  const recent = el("section", { id: "recent" }, el("h2", {}, "Recent builds ", el("a", { href: "/builds", class: "muted" }, "(all)")), el("p", { class: "muted" }, "Loading…"));
  replace(page(), el("h1", {}, "Dashboard"), el("div", { class: "grid" }, queues, builders), recent);

  const show = (section, title, render) => async load => {
    try {
      const body = render(await load());
      replace(section, title(), body);
    } catch (error) {
      replace(section, title(), errorBox(error));
    }
  };
  const showQueues = show(queues, () => el("h2", {}, "Queues"), data => table(
    ["Tube", { text: "Ready", class: "num" }, { text: "Reserved", class: "num" }, { text: "Delayed", class: "num" }, { text: "Buried", class: "num" },
      { text: "Watching", class: "num" }],
    data.tubes.length
      ? data.tubes.map(t => el("tr", { "data-tube": t.tube },
        el("td", {}, t.tube), el("td", { class: "num" }, t.ready), el("td", { class: "num" }, t.reserved),
        el("td", { class: "num" }, t.delayed), el("td", { class: `num${t.buried > 0 ? " buried" : ""}` }, t.buried),
        el("td", { class: "num muted" }, t.watching ?? "")))
      : [emptyRow(6, "No tube has jobs.")]));
  const showBuilders = show(builders, () => el("h2", {}, "Builders"), data => table(
    ["Builder", "Last seen", "Building"],
    data.builders.length
      ? data.builders.map(b => el("tr", { "data-builder": b.name },
        el("td", {}, b.name),
        el("td", { class: "nowrap", title: b.last_seen ?? "" }, ago(b.last_seen)),
        el("td", {}, b.current
          ? [buildLink(b.current.build_id, b.current.srpm), ` on ${b.current.arch}, for ${ago(b.current.since).replace(/ ago$/, "")} `,
            el("a", { href: `/builds/${seg(b.current.build_id)}/logs/${seg(b.current.arch)}/build.log` }, "live log")]
          : el("span", { class: "muted" }, "idle"))))
      : [emptyRow(3, "No builder seen lately.")]));
  const recentTitle = () => el("h2", {}, "Recent builds ", el("a", { href: "/builds", class: "muted" }, "(all)"));
  const showRecent = show(recent, recentTitle, data => buildTable(data.builds));

  const refresh = () => Promise.all([
    showQueues(() => getJson("/api/v1/queues")),
    showBuilders(() => getJson("/api/v1/builders")),
    showRecent(() => getJson("/api/v1/builds", { limit: 25 })),
  ]);
  await refresh();
  ready();
  return every(5000, refresh);
}

// The filters of GET /api/v1/builds, as the page's own query string so a filtered list can be bookmarked.
const FILTERS = ["status", "target", "arch", "package", "submitter", "since", "until", "limit"];

function toIsoUtc(local) {
  // <input type=datetime-local> gives local wall time without a zone; the API wants UTC.
  if (!local) {
    return "";
  }
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString().replace(/\.\d+Z$/, "Z");
}

function toLocalInput(iso) {
  const date = parseTime(iso);
  if (!date) {
    return "";
  }
  const pad = n => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function buildsList() {
  document.title = "Builds · Reimzul";
  const query = new URLSearchParams(location.search);
  const value = name => query.get(name) ?? "";
  const field = (name, label, input) => el("label", {}, label, input);
  const text = (name, placeholder) => el("input", { name, id: `filter-${name}`, value: value(name), placeholder, size: 14 });
  const status = el("select", { name: "status", id: "filter-status" },
    el("option", { value: "" }, "any"),
    STATUSES.map(s => el("option", { value: s, selected: value("status") === s }, s)));
  const since = el("input", { type: "datetime-local", name: "since", id: "filter-since", value: toLocalInput(value("since")) });
  const until = el("input", { type: "datetime-local", name: "until", id: "filter-until", value: toLocalInput(value("until")) });
  const limit = el("select", { name: "limit", id: "filter-limit" },
    ["25", "50", "100", "200"].map(n => el("option", { value: n, selected: (value("limit") || "50") === n }, n)));
  const form = el("form", {
    class: "filters", id: "filters",
    onsubmit: event => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const name of FILTERS) {
        const input = form.elements.namedItem(name);
        const raw = input ? input.value.trim() : "";
        const v = name === "since" || name === "until" ? toIsoUtc(raw) : raw;
        if (v && !(name === "limit" && v === "50")) {
          next.set(name, v);
        }
      }
      const search = next.toString();
      location.assign(`/builds${search ? `?${search}` : ""}`);
    },
  },
  field("status", "Status", status),
  field("target", "Target", text("target", "c7.1708.u.x86_64")),
  field("arch", "Arch", text("arch", "x86_64")),
  field("package", "Package", text("package", "name")),
  field("submitter", "Submitter", text("submitter", "who")),
  field("since", "Since (local time)", since),
  field("until", "Until (local time)", until),
  field("limit", "Per page", limit),
  el("button", { type: "submit", id: "filter-apply" }, "Filter"),
  el("a", { href: "/builds" }, "clear"));

  const results = el("section", { id: "results" }, el("p", { class: "muted" }, "Loading…"));
  replace(page(), el("h1", {}, "Builds"), form, results);

  const params = {};
  for (const name of [...FILTERS, "cursor"]) {
    params[name] = value(name);
  }
  try {
    const data = await getJson("/api/v1/builds", params);
    replace(results, buildTable(data.builds), pager("/builds", query, data.next_cursor));
  } catch (error) {
    replace(results, errorBox(error));
  }
  ready();
}

// Forward paging by the API's cursor; the browser's Back goes to the page before.
function pager(path, query, nextCursor) {
  const links = [];
  if (query.get("cursor")) {
    const first = new URLSearchParams(query);
    first.delete("cursor");
    const search = first.toString();
    links.push(el("a", { href: `${path}${search ? `?${search}` : ""}`, id: "page-first" }, "« newest"));
  }
  if (nextCursor) {
    const next = new URLSearchParams(query);
    next.set("cursor", nextCursor);
    links.push(el("a", { href: `${path}?${next}`, id: "page-next" }, "older »"));
  }
  return el("nav", { class: "pager" }, links);
}

async function buildPage(id) {
  document.title = `Build ${id} · Reimzul`;
  const head = el("section", { id: "build" }, el("p", { class: "muted" }, "Loading…"));
  const actions = el("section", { id: "actions", class: "actions" });
  const outcome = el("div", { id: "action-outcome" });
  replace(page(), head, actions, outcome);

  let build = null;
  let shownStates = null;
  const render = async () => {
    try {
      build = await getJson(`/api/v1/builds/${seg(id)}`);
    } catch (error) {
      replace(head, el("h1", {}, "Build ", id), errorBox(error));
      return false;
    }
    document.title = `${build.pkgname} ${build.evr} · Reimzul`;
    replace(head,
      el("h1", {}, packageLink(build.pkgname), " ", build.evr),
      el("dl", { class: "facts" },
        el("dt", {}, "Build id"), el("dd", { id: "build-id" }, build.build_id),
        el("dt", {}, "SRPM"), el("dd", {}, build.srpm),
        el("dt", {}, "Target"), el("dd", {}, el("a", { href: `/builds?target=${seg(build.target)}` }, build.target)),
        el("dt", {}, "Submitter"), el("dd", {}, build.submitter),
        el("dt", {}, "Scratch"), el("dd", {}, build.scratch ? "yes" : "no")),
      el("h2", {}, "Arches"),
      table(["Arch", "Status", "Builder", "Started", "Finished", { text: "Duration", class: "num" }, "Logs", "RPMs", "Reason"],
        (build.arches ?? []).map(a => el("tr", { "data-arch": a.arch },
          el("td", { class: "nowrap" }, a.arch),
          el("td", {}, statusBadge(a.status)),
          el("td", {}, a.builder),
          timeCell(a.started_at),
          timeCell(a.finished_at),
          el("td", { class: "num" }, formatDuration(a.duration_s)),
          el("td", { class: "nowrap" },
            el("a", { href: `/builds/${seg(build.build_id)}/logs/${seg(a.arch)}/build.log`, class: "live-log" }, RUNNING.has(a.status) ? "follow build.log" : "view build.log"),
            a.log_url ? [el("br"), el("a", { href: a.log_url }, "build.log")] : null,
            a.root_log_url ? [" ", el("a", { href: a.root_log_url }, "root.log")] : null),
          el("td", {}, (a.rpms ?? []).length
            ? el("ul", { class: "files" }, a.rpms.map(url => el("li", {}, el("a", { href: url }, fileName(url)))))
            : el("span", { class: "muted" }, "none")),
          el("td", {}, a.reason ?? "")))));
    // The buttons are redrawn only when a state changed, so a click in progress keeps its button.
    const states = (build.arches ?? []).map(a => `${a.arch}=${a.status}`).join(",");
    if (states !== shownStates) {
      shownStates = states;
      renderActions(actions, outcome, build);
    }
    return (build.arches ?? []).some(a => RUNNING.has(a.status));
  };
  const running = await render();
  ready();
  if (!running) {
    return undefined;
  }
  let stop = null;
  stop = every(2000, async () => {
    if (!(await render()) && stop) {
      stop();
    }
  });
  return stop;
}

function fileName(url) {
  try {
    const path = new URL(url, location.href).pathname;
    return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1)) || url;
  } catch {
    return url;
  }
}

function renderActions(box, outcome, build) {
  const arches = build.arches ?? [];
  const running = arches.filter(a => RUNNING.has(a.status));
  const failed = arches.filter(a => a.status === "Failed" || a.status === "Canceled");
  const act = (label, run) => async event => {
    const button = event.currentTarget;
    button.disabled = true;
    replace(outcome, el("p", { class: "muted" }, `${label}…`));
    try {
      replace(outcome, await run());
    } catch (error) {
      const hint = error instanceof ApiError && error.status === 401
        ? " Enter a writer's token (top right) and try again."
        : "";
      replace(outcome, el("p", { class: "error", role: "alert" }, error.message, hint));
      if (error instanceof ApiError && error.status === 401) {
        // A token the service refuses is no use for the next try either.
        sessionStorage.removeItem(TOKEN_KEY);
        renderWriter(true);
      }
      button.disabled = false;
    }
  };
  replace(box,
    el("button", {
      type: "button", id: "cancel", class: "danger", disabled: running.length === 0,
      title: running.length ? `stop ${running.map(a => a.arch).join(", ")}` : "nothing of this build is queued or building",
      onclick: act("Canceling", async () => {
        const reply = await postJson(`/api/v1/builds/${seg(build.build_id)}/cancel`);
        const canceled = reply.canceled ?? [];
        const removed = reply.removed ?? [];
        return el("p", { class: "notice", role: "status" },
          canceled.length ? `Cancel requested for ${canceled.join(", ")}.`
            : removed.length ? `Canceled: ${removed.join(", ")} removed from the queue.` : "Nothing left to cancel.");
      }),
    }, "Cancel build"),
    el("button", {
      type: "button", id: "resubmit-failed", disabled: failed.length === 0,
      title: failed.length ? `build ${failed.map(a => a.arch).join(", ")} again` : "no arch failed or was canceled",
      onclick: act("Resubmitting the failed arches", () => resubmit(build, true)),
    }, "Resubmit failed arches"),
    el("button", { type: "button", id: "resubmit-all", onclick: act("Resubmitting", () => resubmit(build, false)) }, "Resubmit all"));
}

async function resubmit(build, failedOnly) {
  const reply = await postJson(`/api/v1/builds/${seg(build.build_id)}/resubmit`, { failed_only: failedOnly });
  return el("p", { class: "notice", role: "status" },
    `Resubmitted ${(reply.arches ?? []).join(", ")} as `, el("a", { href: `/builds/${seg(reply.build_id)}`, id: "resubmitted" }, reply.build_id), ".");
}

async function logPage(id, arch, file) {
  document.title = `${file} of ${id} on ${arch} · Reimzul`;
  const state = el("p", { id: "log-state", class: "muted", role: "status" }, "Loading…");
  const pre = el("pre", { id: "log", class: "log" });
  const other = file === "build.log" ? "root.log" : "build.log";
  replace(page(),
    el("h1", {}, el("code", {}, file), " of ", buildLink(id), " on ", arch),
    el("p", {}, el("a", { href: `/builds/${seg(id)}/logs/${seg(arch)}/${other}`, id: "log-other" }, `show ${other}`)),
    state, pre);

  const url = `/api/v1/builds/${seg(id)}/logs/${seg(arch)}/${seg(file)}`;
  const decoder = new TextDecoder("utf-8");
  let offset = 0;
  let kept = 0;
  let stopped = false;
  let waitingSince = 0;
  ready();

  const atBottom = () => pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  const add = text => {
    if (!text) {
      return;
    }
    const follow = atBottom();
    pre.append(document.createTextNode(text));
    kept += text.length;
    while (kept > LOG_KEEP_CHARS && pre.firstChild) {
      kept -= pre.firstChild.textContent.length;
      pre.firstChild.remove();
      pre.dataset.trimmed = "true";
    }
    if (follow) {
      pre.scrollTop = pre.scrollHeight;
    }
  };
  const archStatus = async () => {
    try {
      const build = await getJson(`/api/v1/builds/${seg(id)}`);
      return (build.arches ?? []).find(a => a.arch === arch)?.status ?? null;
    } catch {
      return null;
    }
  };

  const poll = async () => {
    if (stopped) {
      return;
    }
    let delay = 500;
    try {
      const response = await fetch(apiUrl(url, { offset }), { headers: { Accept: "text/plain" } });
      if (response.status === 404) {
        // A queued build has no log yet: wait for it while the build is still to come.
        const status = await archStatus();
        waitingSince ||= Date.now();
        // Just submitted, the build may not be recorded yet: wait a little for it too.
        if ((status && RUNNING.has(status)) || (!status && Date.now() - waitingSince < 60_000)) {
          replace(state, status ? `Waiting for ${file}: the build is ${status.toLowerCase()}…` : `Waiting for the build to be recorded…`);
          setTimeout(poll, 1000);
          return;
        }
        throw await failure(response);
      }
      if (!response.ok) {
        throw await failure(response);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      const complete = response.headers.get("X-Log-Complete") === "true";
      const next = Number(response.headers.get("X-Log-Offset"));
      add(decoder.decode(bytes, { stream: !complete }));
      offset = Number.isFinite(next) && next >= offset ? next : offset + bytes.length;
      pre.dataset.offset = String(offset);
      if (complete) {
        stopped = true;
        pre.dataset.complete = "true";
        let status = await archStatus();
        // The log may be complete a moment before the result is recorded.
        for (let i = 0; i < 10 && RUNNING.has(status); i++) {
          await new Promise(resolve => setTimeout(resolve, 500));
          status = await archStatus();
        }
        replace(state, `${file} is complete (${offset} bytes). `);
        if (status && !RUNNING.has(status)) {
          state.append("The build ended ", statusBadge(status));
        }
        return;
      }
      replace(state, `Following ${file} while the build runs (${offset} bytes so far)…`);
      // A full chunk means more is waiting: ask again at once.
      if (bytes.length >= 512 * 1024) {
        delay = 0;
      }
    } catch (error) {
      replace(state, errorBox(error));
      stopped = true;
      return;
    }
    setTimeout(poll, delay);
  };
  await poll();
  return () => { stopped = true; };
}

async function packagePage(name) {
  document.title = `${name} · Reimzul`;
  const query = new URLSearchParams(location.search);
  const target = query.get("target") ?? "";
  const input = el("input", { name: "target", id: "package-target", value: target, placeholder: "any target", size: 20 });
  const form = el("form", {
    class: "filters", id: "package-filter",
    onsubmit: event => {
      event.preventDefault();
      const next = new URLSearchParams();
      if (input.value.trim()) {
        next.set("target", input.value.trim());
      }
      const search = next.toString();
      location.assign(`/packages/${seg(name)}${search ? `?${search}` : ""}`);
    },
  }, el("label", {}, "Target", input), el("button", { type: "submit" }, "Show"));
  const badges = el("p", { class: "badges", id: "badges" });
  const results = el("section", { id: "results" }, el("p", { class: "muted" }, "Loading…"));
  replace(page(), el("h1", {}, "Package ", el("span", { id: "package-name" }, name)), form, badges, results);

  try {
    const data = await getJson(`/api/v1/packages/${seg(name)}`, { target, limit: query.get("limit") ?? "", cursor: query.get("cursor") ?? "" });
    const targets = [...new Set(data.builds.map(b => b.target))];
    replace(badges, targets.map(t => el("a", { href: `/builds?target=${seg(t)}&package=${seg(name)}` },
      el("img", { src: `/badge/${seg(t)}/${seg(name)}.svg`, alt: `${name} on ${t}` }))));
    replace(results, buildTable(data.builds, { showPackage: false }), pager(`/packages/${seg(name)}`, query, data.next_cursor));
  } catch (error) {
    replace(results, errorBox(error));
  }
  ready();
}

function notFound() {
  document.title = "Not found · Reimzul";
  replace(page(), el("h1", {}, "Not found"), el("p", {}, "No page here. ", el("a", { href: "/" }, "Dashboard")));
  ready();
}

// ---- routing --------------------------------------------------------------------------------------------------------

const ROUTES = [
  [/^\/$/, () => dashboard()],
  [/^\/builds\/?$/, () => buildsList()],
  [/^\/builds\/([^/]+)\/?$/, id => buildPage(id)],
  [/^\/builds\/([^/]+)\/logs\/([^/]+)\/([^/]+)$/, (id, arch, file) => LOG_FILES.has(file) ? logPage(id, arch, file) : notFound()],
  [/^\/packages\/([^/]+)\/?$/, name => packagePage(name)],
];

function route() {
  for (const [pattern, show] of ROUTES) {
    const match = pattern.exec(location.pathname);
    if (!match) {
      continue;
    }
    let parts;
    try {
      parts = match.slice(1).map(decodeURIComponent);
    } catch {
      return notFound();
    }
    return show(...parts);
  }
  return notFound();
}

renderWriter();
route().catch(error => {
  replace(page(), errorBox(error));
});
