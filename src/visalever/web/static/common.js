/* visalever dashboard: shared helpers (fetching the JSON twin, tables, charts, notes, downloads).
 *
 * Every figure on a page is rendered from the /v1/... JSON the page links to; table cells carry
 * data-path (the JSON path of the figure) and data-value (its raw value) so a test, or a sceptical
 * analyst, can hold the page to the API. No request leaves this origin.
 */
"use strict";

const VL = (() => {
  // Okabe-Ito: distinguishable under the common colour-vision deficiencies.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  const NUMBER = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 3 });

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fmt(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "number") return Number.isFinite(value) ? NUMBER.format(value) : String(value);
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : fmt(v))).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  /* A value as DOM: citations ({title, url}) become links, lists of them a list, the rest text. */
  function node(value) {
    if (value && typeof value === "object" && !Array.isArray(value) && value.title && (value.url || value.instrument)) {
      const label = value.title + (value.instrument && value.instrument !== value.title ? ` (${value.instrument})` : "");
      return value.url ? el("a", { href: value.url, rel: "noreferrer", class: "citation" }, label) : el("span", {}, label);
    }
    if (Array.isArray(value) && value.some((v) => v && typeof v === "object")) {
      return el("ul", { class: "cell-list" }, value.map((v) => el("li", {}, node(v))));
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
      if ("amount" in value && "currency" in value) return document.createTextNode(`${fmt(value.amount)} ${value.currency}`);
      return el("span", {}, Object.entries(value).map(([k, v]) => `${k}: ${fmt(v)}`).join("; "));
    }
    return document.createTextNode(fmt(value));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function error(message) {
    const box = document.getElementById("errors");
    if (box) box.append(el("p", { class: "error" }, String(message)));
  }

  function clearErrors() {
    const box = document.getElementById("errors");
    if (box) clear(box);
  }

  const shownNotes = new Set();
  function note(text, kind = "note") {
    const key = kind + ":" + text;
    if (!text || shownNotes.has(key)) return;
    shownNotes.add(key);
    const box = document.getElementById("notes");
    if (box) box.append(el("p", { class: "note note-" + kind, "data-note-kind": kind }, text));
  }

  function clearNotes() {
    shownNotes.clear();
    const box = document.getElementById("notes");
    if (box) clear(box);
  }

  /* Walk any API answer and surface what must never be hidden: law that is an announced direction
   * rather than enacted law, and results computed on synthetic microdata. */
  function surfaceNotes(json) {
    const seen = new Set();
    (function walk(node) {
      if (!node || typeof node !== "object" || seen.has(node)) return;
      seen.add(node);
      if (Array.isArray(node)) return node.forEach(walk);
      const status = String(node.status || node.legal_status || "").toLowerCase();
      const notEnacted =
        node.enacted === false || status === "announced" || status === "announced_direction" ||
        status === "announced direction" || status === "proposed";
      if (notEnacted) {
        const label = node.id || node.policy_id || node.title || "";
        const text = node.note || node.status_note || node.notes ||
          "models an announced direction, not enacted law";
        note(`${label ? label + ": " : ""}${typeof text === "string" ? text : JSON.stringify(text)}`, "not-enacted");
      }
      if (node.synthetic === true || node.microdata === "synthetic") {
        note("Synthetic: these results use application-level microdata synthesised from published totals " +
          "(seeded, reproducible); they are not observed applications.", "synthetic");
      }
      for (const [key, value] of Object.entries(node)) {
        if (key === "warnings" && Array.isArray(value)) value.forEach((w) => note(fmt(w), "warning"));
        walk(value);
      }
    })(json);
  }

  async function api(url, options = {}) {
    const response = await fetch(url, {
      ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
    if (!response.ok) {
      const detail = body && typeof body === "object" ? (body.detail ?? body.error ?? body.message ?? body) : body;
      const message = typeof detail === "string" ? detail : JSON.stringify(detail);
      const err = new Error(`${options.method || "GET"} ${url}: ${response.status} ${message}`);
      err.status = response.status;
      err.body = body;
      throw err;
    }
    return body;
  }

  /* An endpoint may answer a bare list or an object holding one; find the list. */
  function asList(json, keys = []) {
    if (Array.isArray(json)) return json;
    if (!json || typeof json !== "object") return [];
    for (const key of [...keys, "items", "results", "data"]) {
      if (Array.isArray(json[key])) return json[key];
    }
    const arrays = Object.values(json).filter(Array.isArray);
    return arrays.length === 1 ? arrays[0] : [];
  }

  function get(obj, path) {
    return path.split(".").reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
  }

  /* The first defined value among candidate paths (API field names are read in one place per page). */
  function pick(obj, paths, fallback = null) {
    for (const path of paths) {
      const value = get(obj, path);
      if (value !== undefined && value !== null) return value;
    }
    return fallback;
  }

  /* Point a JSON-twin link (by position, or by its endpoint path as rendered) at the exact URL used. */
  function setTwin(which, url) {
    const links = [...document.querySelectorAll("a.json-twin")];
    const link = typeof which === "number" ? links[which] : links.find((a) => a.dataset.base === which);
    if (!link) return;
    link.href = url;
    const code = link.querySelector("code");
    if (code) code.textContent = url;
  }

  function csvCell(value) {
    const text = value === null || value === undefined ? "" :
      typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function toCSV(columns, rows) {
    const lines = [columns.map((c) => csvCell(c.label || c.key)).join(",")];
    for (const row of rows) lines.push(columns.map((c) => csvCell(c.value ? c.value(row) : get(row, c.key))).join(","));
    return lines.join("\r\n") + "\r\n";
  }

  function download(filename, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /* Flatten nested objects one level deep into "a.b" columns; arrays stay as cells. */
  function columnsOf(rows, preferred = []) {
    const keys = [];
    const add = (k) => { if (!keys.includes(k)) keys.push(k); };
    preferred.forEach(add);
    for (const row of rows) {
      if (!row || typeof row !== "object") continue;
      for (const [key, value] of Object.entries(row)) {
        if (value && typeof value === "object" && !Array.isArray(value)) {
          for (const sub of Object.keys(value)) add(key + "." + sub);
        } else add(key);
      }
    }
    return keys.filter((k) => rows.some((r) => get(r, k) !== undefined)).map((key) => ({ key, label: key }));
  }

  /* A sortable, downloadable table. columns: [{key, label, value(row), href(row), numeric}].
   * options: {caption, filename, pathPrefix (JSON path of rows, for data-path), id, rowKey}. */
  function table(container, columns, rows, options = {}) {
    clear(container);
    const state = { key: null, dir: 1 };
    const valueOf = (col, row) => (col.value ? col.value(row) : get(row, col.key));
    const numeric = columns.map((c) => c.numeric ?? rows.every((r) => {
      const v = valueOf(c, r);
      return v === null || v === undefined || typeof v === "number";
    }));
    const originalIndex = new Map(rows.map((r, i) => [r, i]));
    const tableEl = el("table", { class: "data-table", id: options.id });
    if (options.caption) tableEl.append(el("caption", {}, options.caption));
    const headRow = el("tr");
    const tbody = el("tbody");
    columns.forEach((col, i) => {
      const button = el("button", { type: "button", class: "sort", "aria-label": `Sort by ${col.label || col.key}` },
        col.label || col.key);
      const th = el("th", { scope: "col", "aria-sort": "none", class: numeric[i] ? "num" : "" }, button);
      button.addEventListener("click", () => {
        state.dir = state.key === i ? -state.dir : (numeric[i] ? -1 : 1);
        state.key = i;
        headRow.querySelectorAll("th").forEach((h) => h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", state.dir === 1 ? "ascending" : "descending");
        render();
      });
      headRow.append(th);
    });
    tableEl.append(el("thead", {}, headRow), tbody);

    function render() {
      clear(tbody);
      let sorted = rows.slice();
      if (state.key !== null) {
        const col = columns[state.key];
        sorted.sort((a, b) => {
          const va = valueOf(col, a), vb = valueOf(col, b);
          if (va === vb) return 0;
          if (va === null || va === undefined) return 1;
          if (vb === null || vb === undefined) return -1;
          return (typeof va === "number" && typeof vb === "number" ? va - vb :
            String(va).localeCompare(String(vb))) * state.dir;
        });
      }
      for (const row of sorted) {
        const tr = el("tr");
        if (options.rowKey) tr.dataset.key = String(get(row, options.rowKey));
        columns.forEach((col, i) => {
          const value = valueOf(col, row);
          const attrs = { class: numeric[i] ? "num" : "" };
          if (options.pathPrefix !== undefined && !col.value) {
            attrs["data-path"] = `${options.pathPrefix}${options.pathPrefix ? "." : ""}${originalIndex.get(row)}.${col.key}`;
          }
          if (col.path) attrs["data-path"] = col.path(row, originalIndex.get(row));
          if (value !== null && value !== undefined && typeof value !== "object") attrs["data-value"] = String(value);
          const href = col.href ? col.href(row) : null;
          const content = col.format ? col.format(value, row) : (href ? fmt(value) : node(value));
          tr.append(el("td", attrs, href ? el("a", { href }, content) : content));
        });
        tbody.append(tr);
      }
    }
    render();

    const tools = el("div", { class: "table-tools" });
    if (options.filename) {
      tools.append(el("button", {
        type: "button",
        class: "download",
        onclick: () => download(options.filename + ".csv", toCSV(columns, rows), "text/csv"),
      }, `Download CSV (${rows.length} rows)`));
    }
    if (options.json) {
      tools.append(el("button", {
        type: "button",
        class: "download",
        onclick: () => download(options.filename + ".json", JSON.stringify(options.json(), null, 2), "application/json"),
      }, "Download JSON"));
    }
    const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region",
      "aria-label": options.caption || "data table" }, tableEl);
    if (options.collapsed && !rows.length) {
      // Nothing to show or download: say so in one line.
      container.append(el("p", { class: "empty" }, options.empty || "No rows."));
      return tableEl;
    }
    if (options.collapsed) {
      // Detail sits behind a native disclosure: keyboard-operable, announced, and the figures stay in the DOM.
      const text = typeof options.collapsed === "string" ? options.collapsed : "Show table";
      container.append(tools, el("details", { class: "show-table" },
        el("summary", {}, `${text} (${rows.length} row${rows.length === 1 ? "" : "s"})`), wrap));
    } else container.append(tools, wrap);
    if (!rows.length) container.append(el("p", { class: "empty" }, options.empty || "No rows."));
    return tableEl;
  }

  /* Objects as a definition list; each value keeps its JSON path. */
  function definitionList(container, obj, pathPrefix = "") {
    const dl = el("dl", { class: "kv" });
    for (const [key, value] of Object.entries(obj || {})) {
      const path = pathPrefix ? `${pathPrefix}.${key}` : key;
      const attrs = { "data-path": path };
      if (value !== null && typeof value !== "object") attrs["data-value"] = String(value);
      dl.append(el("dt", {}, key), el("dd", attrs, node(value)));
    }
    container.append(dl);
    return dl;
  }

  const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"] };
  /* Plotly.js (4.6 MB) is fetched only by pages that chart, and only when they first chart, so a page's
   * summary never waits for it to be parsed. Same origin: the CSP's script-src 'self' allows it. */
  let plotlyPromise = null;
  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyPromise) {
      plotlyPromise = new Promise((resolve, reject) => {
        const script = el("script", { src: "/assets/plotly.min.js" });
        script.addEventListener("load", () => resolve(window.Plotly));
        script.addEventListener("error", () => reject(new Error("plotly.min.js: could not be loaded from this server")));
        document.head.append(script);
      });
    }
    return plotlyPromise;
  }

  async function plot(div, traces, layout = {}) {
    try {
      await loadPlotly();
    } catch (err) {
      error(err.message);
      return null;
    }
    const base = {
      margin: { t: 30, r: 10, b: 50, l: 60 },
      colorway: PALETTE,
      font: { family: "system-ui, sans-serif", size: 13 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
    };
    try {
      const out = await Plotly.react(div, traces, { ...base, ...layout }, PLOT_CONFIG);
      div.dataset.plotted = "true";
      return out;
    } catch (err) {
      error(`chart: ${err.message}`);
      return null;
    }
  }

  function fmtDate(iso) {
    if (!iso) return "—";
    const d = new Date(String(iso).slice(0, 10) + "T00:00:00Z");
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  /* Agreements and designations as a timeline: one bar per act from its start to its end (or the as-of
   * date), rows labelled short (kind and start date: never clipped), the full title in the hover and in
   * the table next to it, the as-of date as a dotted line, review dates as diamonds.
   * items: [{kind: agreement|designation|lifted, start, end, label, title, review}] */
  /* Date ticks that never repeat a label: months for spans under 18 months, years beyond. */
  function dateTicks(span, narrow) {
    const month = 30.4 * 86400000;
    if (span <= 18 * month) return { tickformat: "%b %Y", dtick: narrow ? (span > 6 * month ? "M4" : "M2") : (span > 9 * month ? "M2" : "M1") };
    if (span <= 8 * 12 * month) return { tickformat: "%Y", dtick: narrow && span > 4 * 12 * month ? "M24" : "M12" };
    return { tickformat: "%Y" };
  }

  function timeline(chart, items, day) {
    const rowsOf = items.map((it) => `${it.label}<br>${fmtDate(it.start)}`);
    items.forEach((it, i) => { it.row = rowsOf[i]; });
    const endOf = (it) => it.end || day;
    const COLOURS = { agreement: PALETTE[0], designation: PALETTE[5], lifted: "#8a8a8a" };
    const NAMES = { agreement: "agreement", designation: "designation in force", lifted: "designation lifted" };
    const traces = Object.keys(COLOURS).map((kind) => {
      const group = items.filter((it) => it.kind === kind);
      return {
        type: "bar", orientation: "h", name: NAMES[kind], marker: { color: COLOURS[kind] },
        y: group.map((it) => it.row), base: group.map((it) => it.start),
        x: group.map((it) => Math.max(Date.parse(endOf(it)) - Date.parse(it.start), 86400000 * 3)),
        hovertemplate: group.map((it) => `${it.title}<br>${fmtDate(it.start)} to ${it.end ? fmtDate(it.end) : "(in force)"}<extra></extra>`),
      };
    }).filter((t) => t.y.length);
    const reviews = items.filter((it) => it.review);
    if (reviews.length) {
      traces.push({ type: "scatter", mode: "markers", name: "review due", x: reviews.map((it) => it.review),
        y: reviews.map((it) => it.row), marker: { symbol: "diamond", size: 12, color: PALETTE[1] },
        hovertemplate: reviews.map((it) => `review due ${fmtDate(it.review)}<extra></extra>`) });
    }
    const starts = items.map((it) => Date.parse(it.start));
    const ends = items.map((it) => Date.parse(endOf(it))).concat([Date.parse(day)]);
    const lo = Math.min(...starts), hi = Math.max(...ends), pad = Math.max((hi - lo) * 0.05, 86400000 * 20);
    const narrow = chart.clientWidth && chart.clientWidth < 600;
    return plot(chart, traces, {
      barmode: "overlay",
      xaxis: { type: "date", ...dateTicks(hi - lo, narrow),
        range: [new Date(lo - pad).toISOString().slice(0, 10), new Date(hi + pad).toISOString().slice(0, 10)],
        automargin: true },
      yaxis: { automargin: true, autorange: "reversed", type: "category", categoryorder: "array", categoryarray: rowsOf },
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: day, x1: day, y0: 0, y1: 1, line: { color: "#000", dash: "dot", width: 1 } }],
      annotations: [{ x: day, y: 1, xref: "x", yref: "paper", yanchor: "bottom", text: `as of ${fmtDate(day)}`, showarrow: false, font: { size: 11 } }],
      height: 160 + 48 * items.length, showlegend: true, legend: { orientation: "h", y: -0.2 },
      margin: { t: 30, r: 20, b: 60, l: 10 },
    });
  }

  function today() {
    return new Date().toISOString().slice(0, 10);
  }

  function params(search = window.location.search) {
    return new URLSearchParams(search);
  }

  function replaceQuery(values) {
    const query = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(values)) {
      if (v === null || v === undefined || v === "") query.delete(k);
      else query.set(k, v);
    }
    const qs = query.toString();
    history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
  }


  /* ---- Numbers as an analyst reads them: counts whole, money rounded with its currency, ratios to three
   * significant figures, intervals as ranges. The raw figure stays in data-value for anyone checking. */
  const COUNT = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  const SIG3 = new Intl.NumberFormat("en-GB", { maximumSignificantDigits: 3 });
  const ONE_DP = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const missingValue = (v) => v === null || v === undefined || v === "" || (typeof v === "number" && !Number.isFinite(v));

  function count(v) {
    if (missingValue(v)) return "—";
    const n = Math.round(Number(v));
    return COUNT.format(Object.is(n, -0) ? 0 : n);
  }

  /* GBP 17.7m, GBP 950k is avoided on purpose: below a million, whole units with grouping read better. */
  function money(v, currency = "") {
    if (missingValue(v)) return "—";
    const n = Number(v), sign = n < 0 ? "−" : "", abs = Math.abs(n), cur = currency ? currency + " " : "";
    if (abs >= 1e9) return `${sign}${cur}${ONE_DP.format(abs / 1e9)}bn`;
    if (abs >= 1e6) return `${sign}${cur}${ONE_DP.format(abs / 1e6)}m`;
    return `${sign}${cur}${COUNT.format(Math.round(abs))}`;
  }

  function ratio(v) {
    if (missingValue(v)) return "—";
    return Number(v) === 0 ? "0" : SIG3.format(Number(v));
  }

  function percent(v) {
    if (missingValue(v)) return "—";
    return `${ONE_DP.format(Number(v) * 100)} %`;
  }

  /* An interval "a to b" in the figure's own format; a degenerate interval is one number. */
  function range(lo, hi, format = count) {
    if (missingValue(lo) && missingValue(hi)) return "—";
    const a = format(lo), b = format(hi);
    return a === b ? a : `${a} to ${b}`;
  }

  /* Which format a figure needs, from its name or unit. */
  function kindOf(name = "", unit = "") {
    const n = String(name).toLowerCase(), u = String(unit).toLowerCase();
    if (/revenue|fee_amount|surcharge_amount|(^|_)fee$|money|gbp|eur|usd/.test(n) || /^(gbp|eur|usd)/.test(u)) return "money";
    if (/rate|ratio|share|leverage|per_|trend|score/.test(n) || u.startsWith("ratio") || u === "share") return "ratio";
    if (u === "percent") return "percent";
    return "count";
  }

  function figure(v, kind = "count", currency = "") {
    if (kind === "money") return money(v, currency);
    if (kind === "ratio") return ratio(v);
    if (kind === "percent") return percent(v);
    return count(v);
  }

  /* ---- Periods: calendar year 2023, quarter 2023Q4, US fiscal year FY2018 (October to September),
   * year ending June (YE2025-06 / 2025-06 / "YE Jun 2025"). */
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function periodInfo(period, declared) {
    const p = String(period ?? "");
    let m, info;
    if ((m = /^(\d{4})$/.exec(p))) info = { type: "calendar year", year: Number(m[1]), label: p, annual: true, month: 12 };
    else if ((m = /^FY(\d{4})$/i.exec(p))) info = { type: "fiscal year (US: October to September)", year: Number(m[1]), label: p, annual: true, month: 9 };
    else if ((m = /^(\d{4})\s*-?Q([1-4])$/i.exec(p))) info = { type: "quarter", year: Number(m[1]), label: `${m[1]} Q${m[2]}`, annual: false, month: 3 * Number(m[2]) };
    else if ((m = /^YE\s*-?(\d{4})-?(\d{2})$/i.exec(p)) || (m = /^(\d{4})-(\d{2})$/.exec(p))) {
      const month = MONTHS[Number(m[2]) - 1] || m[2];
      info = { type: `year ending ${month === "Jun" ? "June" : month}`, year: Number(m[1]), label: `year ending ${month} ${m[1]}`, annual: true, month: Number(m[2]) };
    } else if ((m = /^YE\s*([A-Za-z]{3})\w*\s*(\d{4})$/i.exec(p))) {
      const month = m[1][0].toUpperCase() + m[1].slice(1, 3).toLowerCase();
      info = { type: `year ending ${month === "Jun" ? "June" : month}`, year: Number(m[2]), label: `year ending ${month} ${m[2]}`, annual: true, month: MONTHS.indexOf(month) + 1 || 12 };
    } else info = { type: "period", year: (m = /(\d{4})/.exec(p)) ? Number(m[1]) : null, label: p, annual: false, month: 12 };
    if (declared) info.type = String(declared).replace(/_/g, " ");
    info.end = info.year === null ? null : info.year * 12 + info.month;
    return info;
  }

  /* ---- Vintage: the release an observation came from, when the snapshot records it; otherwise the raw
   * data folder it was read from (whose name carries the years it covers). Never invented. */
  function releaseOf(o) {
    if (!o || typeof o !== "object") return null;
    const r = o.release ?? o.vintage ?? o.release_date ?? o.published ?? null;
    if (r && typeof r === "object") return r.title || r.id || r.date || JSON.stringify(r);
    return r;
  }
  function sourceFile(o) {
    return String((o && o.source) || "").split("#")[0];
  }
  function sourceFolder(o) {
    const file = sourceFile(o);
    return file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : file;
  }
  function vintageText(o) {
    const release = releaseOf(o);
    return release ? `release ${release}` : `release not recorded in the snapshot; read from ${sourceFolder(o) || "unknown file"}`;
  }

  /* The page-level "vintage of the figures" line under the heading (every page has one). */
  function setVintage(lines, summary = null) {
    const box = document.getElementById("vintage");
    if (!box) return;
    clear(box);
    const list = (Array.isArray(lines) ? lines : [lines]).filter(Boolean);
    const head = el("strong", {}, "Vintage of the figures on this page: ");
    if (list.length === 1 && !summary) box.append(head, list[0]);
    else {
      box.append(head, summary || `${list.length} sources`, " ",
        el("details", { class: "vintage-detail" }, el("summary", {}, "Each source"), el("ul", {}, list.map((l) => el("li", {}, l)))));
    }
    box.hidden = false;
  }

  /* ---- Shareable state: a view's controls live in the query string. pushQuery adds a history entry
   * (back/forward walk through views); replaceQuery only rewrites the current one. */
  function pushQuery(values, always = false) {
    const query = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(values)) {
      if (v === null || v === undefined || v === "" || v === false) query.delete(k);
      else query.set(k, v === true ? "1" : v);
    }
    const qs = query.toString();
    const target = window.location.pathname + (qs ? "?" + qs : "");
    if (always || target !== window.location.pathname + window.location.search) history.pushState(null, "", target);
  }

  /* The bearer token a reader entered on this tab (sessionStorage: gone when the tab closes), sent only
   * to this origin. Simulations and reform uploads need an analyst or policy_admin token. */
  const TOKEN_KEY = "visalever.token";
  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
  const authHeaders = () => (token() ? { Authorization: `Bearer ${token()}` } : {});
  function tokenForm({ form, input, forget, state, onChange }) {
    const show = () => { state.textContent = token() ? "token set for this tab" : "no token"; };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      input.value = "";
      show();
      if (onChange) onChange();
    });
    forget.addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); show(); if (onChange) onChange(); });
    show();
  }

  let openapiPaths = null;
  async function endpoints() {
    if (!openapiPaths) {
      openapiPaths = api("/openapi.json").then((doc) => Object.keys((doc && doc.paths) || {})).catch(() => []);
    }
    return openapiPaths;
  }

  return {
    PALETTE, el, fmt, node, clear, error, clearErrors, note, clearNotes, surfaceNotes, api, asList, get, pick, setTwin,
    addTwin: (label, url) => {
      const twins = document.querySelector(".twins");
      const existing = [...document.querySelectorAll("a.json-twin")].find((a) => a.dataset.label === label);
      const link = existing || el("a", { class: "json-twin", "data-label": label, "data-base": url });
      link.href = url;
      clear(link).append(`${label} `, el("code", {}, url));
      if (!existing && twins) twins.append(" · ", link);
    },
    dropTwin: (base) => {
      const link = [...document.querySelectorAll("a.json-twin")].find((a) => a.dataset.base === base);
      if (link) link.replaceWith(document.createTextNode(`(${base}: not available on this server)`));
    },
    toCSV, download, columnsOf, table, definitionList, plot, loadPlotly, timeline, fmtDate, today, params, replaceQuery, pushQuery, endpoints,
    count, money, ratio, percent, range, kindOf, figure, periodInfo, releaseOf, sourceFile, sourceFolder, vintageText,
    setVintage, token, authHeaders, tokenForm,
  };
})();
