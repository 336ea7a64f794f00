/* Country dossier, from GET /v1/countries/{iso3}?as_of=...: agreements with sources, designations on a
 * timeline with review dates, indicator time series (charts with tables), the assessment with its
 * reasons and the measures in force per visa category with their legal references. */
"use strict";

(() => {
  const root = document.getElementById("dossier");
  const iso3 = root.dataset.iso3;
  const form = document.getElementById("dossier-controls");
  const asOf = document.getElementById("as-of");
  const box = (id) => VL.clear(document.getElementById(id));

  /* Indicator families shown as one chart each; anything else lands in "other indicators". */
  const FAMILIES = [
    { key: "returns", title: "Returns by type", match: (i) => i.startsWith("returns") },
    { key: "arrivals", title: "Irregular arrivals", match: (i) => i.startsWith("irregular") || i.startsWith("arrivals") || i.includes("small_boat") },
    { key: "asylum", title: "Asylum claims and grant rate", match: (i) => i.startsWith("asylum") },
    { key: "removals", title: "Removals, apprehensions and presence", match: (i) => /^(removals|apprehensions|inadmissibles|illegally_present)/.test(i) },
    { key: "visas", title: "Visas by category", match: (i) => i.startsWith("visa") },
  ];

  function listAt(json, paths) {
    for (const p of paths) {
      const v = VL.get(json, p);
      if (Array.isArray(v)) return { path: p, rows: v };
      if (v && typeof v === "object") return { path: p, rows: [v], single: true };
    }
    return { path: paths[0], rows: [] };
  }

  function renderSummary(json) {
    const name = VL.pick(json, ["name", "country.name"], iso3);
    document.getElementById("country-name").textContent = name;
    document.title = `${name} (${iso3}) · visalever`;
    const scalars = Object.fromEntries(Object.entries(json).filter(([, v]) => v === null || typeof v !== "object"));
    VL.definitionList(box("summary"), scalars);
  }

  function renderAgreements(json) {
    const { path, rows, single } = listAt(json, ["agreements", "agreement"]);
    VL.table(box("agreements"), VL.columnsOf(rows, ["title", "kind", "status", "signed", "in_force_from", "sources"]),
      rows, { caption: "Returns agreements and arrangements", filename: `visalever-${iso3}-agreements`,
        pathPrefix: single ? undefined : path, empty: "No returns agreement recorded." });
  }

  function renderDesignations(json) {
    const { path, rows } = listAt(json, ["designations"]);
    VL.table(box("designations"), VL.columnsOf(rows, ["id", "kind", "title", "status", "start", "end", "review_due"]),
      rows, { caption: "Designations (legal acts)", filename: `visalever-${iso3}-designations`, pathPrefix: path,
        empty: "No designation recorded." });
    const chart = document.getElementById("designations-chart");
    if (!rows.length) { chart.hidden = true; return; }
    chart.hidden = false;
    const end = (d) => d.end || asOf.value;
    const traces = [{
      type: "bar", orientation: "h", name: "in force",
      y: rows.map((d) => d.title || d.id), base: rows.map((d) => d.start),
      x: rows.map((d) => Date.parse(end(d)) - Date.parse(d.start)),
      marker: { color: rows.map((d) => (d.end ? VL.PALETTE[4] : VL.PALETTE[5])) },
      hovertemplate: rows.map((d) => `${d.title || d.id}<br>${d.start} → ${d.end || "(in force)"}<extra></extra>`),
    }];
    const reviews = rows.filter((d) => d.review_due);
    if (reviews.length) {
      traces.push({ type: "scatter", mode: "markers", name: "review due", x: reviews.map((d) => d.review_due),
        y: reviews.map((d) => d.title || d.id), marker: { symbol: "diamond", size: 12, color: VL.PALETTE[1] } });
    }
    VL.plot(chart, traces, { xaxis: { type: "date" }, yaxis: { automargin: true }, height: 120 + 40 * rows.length,
      showlegend: true, legend: { orientation: "h" } });
  }

  function indicatorRows(json) {
    const raw = VL.get(json, "indicators");
    if (Array.isArray(raw)) return raw.map((r, i) => ({ ...r, _path: `indicators.${i}` }));
    // Also accept {indicator: [{period, value}, ...]} or {indicator: {period: value}}.
    const rows = [];
    for (const [indicator, series] of Object.entries(raw || {})) {
      if (Array.isArray(series)) series.forEach((p, i) => rows.push({ indicator, ...p, _path: `indicators.${indicator}.${i}` }));
      else if (series && typeof series === "object") {
        for (const [period, value] of Object.entries(series)) {
          if (typeof value !== "object") rows.push({ indicator, period, value, _path: `indicators.${indicator}.${period}` });
        }
      }
    }
    return rows;
  }

  function renderIndicators(json) {
    const container = box("indicators");
    const rows = indicatorRows(json);
    if (!rows.length) { container.append(VL.el("p", { class: "empty" }, "No indicator recorded.")); return; }
    // One chart per (family, jurisdiction); breakdowns by reporting state stay in the table only.
    const jurisdictions = [...new Set(rows.map((r) => r.jurisdiction || ""))].sort();
    const families = [];
    const claimed = new Set();
    for (const f of FAMILIES) {
      for (const j of jurisdictions) {
        const fr = rows.filter((r) => (r.jurisdiction || "") === j && f.match(String(r.indicator)));
        fr.forEach((r) => claimed.add(r));
        if (fr.length) families.push({ ...f, key: `${f.key}-${j}`, title: `${f.title}${j ? " (" + j.toUpperCase() + ")" : ""}`, rows: fr });
      }
    }
    families.push({ key: "other", title: "Other indicators", rows: rows.filter((r) => !claimed.has(r)) });
    for (const family of families.filter((f) => f.rows.length)) {
      const section = VL.el("div", { class: "indicator-family", "data-family": family.key });
      const chartDiv = VL.el("div", { class: "chart", role: "img",
        "aria-label": `${family.title}; the same data is in the table beside it` });
      const tableDiv = VL.el("div");
      section.append(VL.el("h3", {}, family.title), VL.el("div", { class: "chart-with-table" }, chartDiv, tableDiv));
      container.append(section);
      const byIndicator = new Map();
      for (const r of family.rows) {
        if (String(r.indicator).includes(".reported_by.")) continue;
        const freq = /Q\d$/.test(String(r.period)) ? " (quarterly)" : /^FY/.test(String(r.period)) ? " (fiscal year)" : "";
        const key = r.indicator + freq + (family.key === "other" && r.jurisdiction ? ` (${r.jurisdiction})` : "");
        if (!byIndicator.has(key)) byIndicator.set(key, []);
        byIndicator.get(key).push(r);
      }
      const traces = [...byIndicator.entries()].map(([name, points]) => {
        const sorted = points.slice().sort((a, b) => String(a.period).localeCompare(String(b.period)));
        const isRatio = sorted.every((p) => p.unit === "ratio" || p.unit === "percent");
        // Quarterly series start hidden (legend click shows them) when annual figures of the same indicator exist.
        const quarterly = name.includes("(quarterly)") && byIndicator.has(name.replace(" (quarterly)", ""));
        return { type: "scatter", mode: "lines+markers", name, x: sorted.map((p) => String(p.period)),
          y: sorted.map((p) => p.value), yaxis: isRatio && byIndicator.size > 1 ? "y2" : "y",
          visible: quarterly ? "legendonly" : true };
      });
      const hasY2 = traces.some((t) => t.yaxis === "y2");
      VL.plot(chartDiv, traces, {
        xaxis: { type: "category", categoryorder: "category ascending", title: { text: "period" } },
        yaxis: { title: { text: "count" }, rangemode: "tozero" },
        ...(hasY2 ? { yaxis2: { overlaying: "y", side: "right", title: { text: "ratio" }, rangemode: "tozero" } } : {}),
        legend: { orientation: "h", y: -0.3 }, height: 360,
      });
      const columns = [
        { key: "indicator", label: "indicator" }, { key: "period", label: "period" },
        { key: "value", label: "value", numeric: true, path: (r) => `${r._path}.value` },
        { key: "unit", label: "unit" }, { key: "source", label: "source" },
      ].filter((c) => family.rows.some((r) => r[c.key] !== undefined));
      VL.table(tableDiv, columns, family.rows, { caption: family.title, filename: `visalever-${iso3}-${family.key}` });
    }
  }

  function renderAssessment(json) {
    const container = box("assessment");
    const raw = VL.get(json, "assessment") ?? VL.get(json, "assessments");
    const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
    if (!list.length) { container.append(VL.el("p", { class: "empty" }, "Not assessed.")); return; }
    list.forEach((a, i) => {
      const key = VL.get(json, "assessment") !== undefined && VL.get(json, "assessment") !== null ? "assessment" : "assessments";
      const path = Array.isArray(raw) ? `${key}.${i}` : key;
      const panel = VL.el("div", { class: "panel" });
      container.append(panel);
      const head = Object.fromEntries(Object.entries(a).filter(([k, v]) =>
        !["reasons", "metrics"].includes(k) && (v === null || typeof v !== "object" || Array.isArray(v))));
      VL.definitionList(panel, head, path);
      if (a.metrics && typeof a.metrics === "object") {
        const metricRows = Array.isArray(a.metrics) ? a.metrics :
          Object.entries(a.metrics).map(([metric, value]) => (value && typeof value === "object" ? { metric, ...value } : { metric, value }));
        const div = VL.el("div");
        panel.append(VL.el("h3", {}, "Metrics"), div);
        const metricPath = Array.isArray(a.metrics) ? `${path}.metrics` : undefined;
        const cols = VL.columnsOf(metricRows, ["metric", "value"]).map((c) =>
          metricPath || c.key !== "value" ? c : { ...c, path: (r) => `${path}.metrics.${r.metric}` });
        VL.table(div, cols, metricRows, { caption: "Metrics", pathPrefix: metricPath });
      }
      const reasons = Array.isArray(a.reasons) ? a.reasons : [];
      if (reasons.length) {
        panel.append(VL.el("h3", {}, "Reasons"),
          VL.el("ol", { class: "reasons" }, reasons.map((r) => VL.el("li", {}, typeof r === "string" ? r : VL.node(r)))));
      }
    });
  }

  /* GET /v1/countries/{iso3} answers measures as {category: {values, tier, measures, reasons}}. */
  function renderMeasures(json) {
    const container = box("measures");
    const raw = VL.get(json, "measures");
    if (!raw || typeof raw !== "object") { container.append(VL.el("p", { class: "empty" }, "No measures reported.")); return; }
    const entries = Array.isArray(raw) ? raw.map((m, i) => [m.category || String(i), m, String(i)]) :
      Object.entries(raw).map(([category, m]) => [category, m, category]);
    const rows = entries.map(([category, m, key]) => ({ category, key, ...(m.values || {}), tier: m.tier,
      measures_applied: m.measures, reasons: m.reasons || [] }));
    const valueKeys = [];
    for (const [, m] of entries) for (const k of Object.keys(m.values || {})) if (!valueKeys.includes(k)) valueKeys.push(k);
    const columns = [
      { key: "category", label: "category" },
      ...valueKeys.map((k) => ({ key: k, label: k.replace(/_/g, " "), path: (r) => `measures.${r.key}.values.${k}` })),
      { key: "tier", label: "tier", path: (r) => `measures.${r.key}.tier` },
      { key: "measures_applied", label: "measures", value: (r) => (r.measures_applied || []).join(", ") || "none" },
      { key: "reasons", label: "reasons and legal references", format: (reasons) => VL.el("ul", { class: "cell-list" },
        (reasons || []).map((reason) => VL.el("li", {}, `${reason.field ? reason.field + ": " : ""}${reason.text || ""} `,
          reason.legal_reference ? VL.node(reason.legal_reference) : "", reason.evidence ? ` Evidence: ${reason.evidence}` : ""))) },
    ];
    VL.table(container, columns, rows, {
      caption: `Measures in force per visa category as of ${VL.get(json, "as_of") || asOf.value}`,
      filename: `visalever-${iso3}-measures-${asOf.value}`, id: "measures-table", rowKey: "category",
    });
  }

  async function load() {
    VL.clearErrors();
    const url = `/v1/countries/${encodeURIComponent(iso3)}?as_of=${encodeURIComponent(asOf.value)}`;
    VL.setTwin(0, url);
    VL.replaceQuery({ as_of: asOf.value });
    let json;
    try {
      json = await VL.api(url);
    } catch (err) {
      VL.error(err.message);
      return;
    }
    window.__dossier = json;
    VL.surfaceNotes(json);
    for (const render of [renderSummary, renderAgreements, renderDesignations, renderIndicators, renderAssessment, renderMeasures]) {
      try { render(json); } catch (err) { VL.error(`${render.name}: ${err.message}`); }
    }
    root.dataset.loaded = "true";
  }

  const query = VL.params();
  if (query.get("as_of")) asOf.value = query.get("as_of");
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  load();
})();
