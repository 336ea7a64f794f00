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
    const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region",
      "aria-label": options.caption || "data table" }, tableEl);
    container.append(tools, wrap);
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
  function plot(div, traces, layout = {}) {
    const base = {
      margin: { t: 30, r: 10, b: 50, l: 60 },
      colorway: PALETTE,
      font: { family: "system-ui, sans-serif", size: 13 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
    };
    return Plotly.react(div, traces, { ...base, ...layout }, PLOT_CONFIG);
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
    toCSV, download, columnsOf, table, definitionList, plot, today, params, replaceQuery,
  };
})();
