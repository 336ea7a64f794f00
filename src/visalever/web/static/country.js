/* Country dossier, from GET /v1/countries/{iso3}?as_of=...: a headline block first (agreement status,
 * measures in force, cooperation tier with trend and confidence, visas at stake, returns and small-boat
 * arrivals in the latest year, each with its source and vintage), then the detail in sections the jump
 * list links to: agreements and designations on one timeline, annual series with units and period type,
 * the assessment with its reasons, and the measures per visa category with their legal references.
 * Tables sit behind "Show table"; CSV and JSON downloads stay one click away. */
"use strict";

(() => {
  const root = document.getElementById("dossier");
  const iso3 = root.dataset.iso3;
  const form = document.getElementById("dossier-controls");
  const asOf = document.getElementById("as-of");
  const box = (id) => VL.clear(document.getElementById(id));
  const el = VL.el;

  /* The headline figures per jurisdiction: the snapshot's indicator names, first match wins. */
  const HEADLINE = {
    uk: { visas: ["visas.granted.total"], returns: ["returns.total"], boats: ["arrivals.small_boat"] },
    eu: { visas: ["visas.issued"], returns: ["returns.to_third_country"], boats: [] },
    us: { visas: ["visas.issued.niv_total"], returns: ["removals.total", "returns.total"], boats: [] },
  };

  /* Indicator families shown as one chart each; anything else lands in "other indicators". */
  const FAMILIES = [
    { key: "returns", title: "Returns by type", match: (i) => i.startsWith("returns") },
    { key: "arrivals", title: "Irregular arrivals", match: (i) => i.startsWith("irregular") || i.startsWith("arrivals") || i.includes("small_boat") },
    { key: "asylum", title: "Asylum claims and grant rate", match: (i) => i.startsWith("asylum") },
    { key: "removals", title: "Removals, apprehensions and presence", match: (i) => /^(removals|apprehensions|inadmissibles|illegally_present)/.test(i) },
    { key: "visas", title: "Visas by category", match: (i) => i.startsWith("visa") },
  ];
  const KIND_LABEL = (k) => String(k || "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const TIER_LABEL = (t) => String(t || "not assessed").replace(/_/g, " ").replace("non cooperating", "non-cooperating");

  function fmtDate(iso) {
    if (!iso) return "—";
    const d = new Date(String(iso).slice(0, 10) + "T00:00:00Z");
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  const inForce = (start, end, day) => Boolean(start) && start <= day && (!end || day < end);

  function indicatorRows(json) {
    const raw = VL.get(json, "indicators");
    if (Array.isArray(raw)) return raw.map((r, i) => ({ ...r, _path: `indicators.${i}` }));
    const rows = [];
    for (const [indicator, series] of Object.entries(raw || {})) {
      if (Array.isArray(series)) series.forEach((p, i) => rows.push({ indicator, ...p, _path: `indicators.${indicator}.${i}` }));
    }
    return rows;
  }

  /* The latest annual observation of the first indicator (in order) this country has. */
  function latestAnnual(rows, jurisdiction, indicators) {
    for (const indicator of indicators) {
      let best = null;
      for (const r of rows) {
        if (r.jurisdiction !== jurisdiction || r.indicator !== indicator) continue;
        const info = VL.periodInfo(r.period, r.period_type);
        if (!info.annual || info.year === null) continue;
        if (!best || info.end > best.info.end) best = { row: r, info };
      }
      if (best) return best;
    }
    return null;
  }

  function citation(ref) {
    if (!ref) return null;
    if (typeof ref === "string") return ref;
    return VL.node(ref);
  }

  function card(key, title, value, { detail = null, source = null, vintage = null, figureAttrs = {} } = {}) {
    return el("div", { class: "card headline-card", "data-headline": key },
      el("h3", { class: "card-title" }, title),
      el("p", { class: "figure", ...figureAttrs }, value),
      detail ? el("p", { class: "detail" }, detail) : null,
      el("p", { class: "source" }, el("span", { class: "label" }, "Source: "), source || "—"),
      el("p", { class: "source vintage-line" }, el("span", { class: "label" }, "Vintage: "), vintage || "—"));
  }

  function observationCard(key, title, found, noneText, what) {
    if (!found) return card(key, title, "—", { detail: noneText, source: "no observation in the snapshot", vintage: "—" });
    const { row, info } = found;
    return card(key, title, VL.count(row.value), {
      detail: `${what} in ${info.label} (${info.type})`,
      source: row.source || "—",
      vintage: VL.vintageText(row),
      figureAttrs: { "data-path": `${row._path}.value`, "data-value": row.value },
    });
  }

  function agreementCard(json, day) {
    const agreements = Array.isArray(json.agreements) ? json.agreements : [];
    if (!agreements.length) {
      return card("agreement", "Returns agreement", "None recorded", {
        detail: `No returns agreement or arrangement with ${(json.jurisdiction || "").toUpperCase()} is recorded.`,
        source: "visalever agreements register (regime files)", vintage: `as of ${fmtDate(day)}`,
      });
    }
    const live = agreements.filter((a) => inForce(a.in_force_from || a.known_in_force_by || a.signed, a.in_force_until, day));
    const main = live[0] || agreements[0];
    const value = live.length ? `${KIND_LABEL(main.kind)} in force` : `${KIND_LABEL(main.kind)}, not in force on this date`;
    const since = main.in_force_from ? ` since ${fmtDate(main.in_force_from)}` : main.signed ? `, signed ${fmtDate(main.signed)}` : "";
    const more = agreements.length > 1 ? ` (+${agreements.length - 1} more in the table below)` : "";
    const src = (main.sources || [])[0];
    return card("agreement", "Returns agreement", value, {
      detail: `${main.title || main.kind}${since}${more}`,
      source: src ? citation(src) : "—",
      vintage: `as of ${fmtDate(day)}; dates ${main.date_precision || "of unstated precision"}` +
        (main.verified === false ? "; not verified against the primary source" : ""),
    });
  }

  /* Measures in force on the date: the measures endpoint when the server has it, else the dossier's own
   * measures table and its designations. */
  function measuresCard(json, day, endpointJson) {
    const j = json.jurisdiction;
    const designations = (json.designations || []).filter((d) => inForce(d.start, d.end, day) &&
      (!j || !d.jurisdiction || d.jurisdiction === j));
    const lifted = (json.designations || []).filter((d) => d.end && d.end <= day);
    if (endpointJson && Array.isArray(endpointJson.measures)) {
      // GET /v1/countries/{iso3}/measures: every lever in force on the date, each with its act and source.
      const live = endpointJson.measures.filter((m) => m.in_force && (!j || !m.jurisdiction || m.jurisdiction === j));
      const levers = live.filter((m) => m.lever !== "visa_requirement");
      const visa = live.find((m) => m.lever === "visa_requirement");
      const value = levers.length ? levers.map((m) => {
        const what = (m.measures || []).map((x) => String(typeof x === "string" ? x : x.measure).replace(/_/g, " ")).join(", ");
        return `${String(m.lever || "measure").replace(/_/g, " ")}${what ? ": " + what : ""}`;
      }).join("; ") : "None";
      const detail = [
        levers.length ? levers.map((m) => `${KIND_LABEL(m.lever)}${m.start ? " since " + fmtDate(m.start) : ""}` +
          `${m.end ? ", until " + fmtDate(m.end) : ""}`).join("; ") + "." : "",
        visa ? `${String(visa.title || "").split(" (")[0]}.` : "",
        !levers.length && lifted.length ? `${lifted.length} designation${lifted.length > 1 ? "s" : ""} lifted (latest ${fmtDate(lifted.map((d) => d.end).sort().pop())}).` : "",
      ].filter(Boolean).join(" ");
      const src = levers.concat(visa ? [visa] : []).find((m) => m.source_title);
      return card("measures", "Measures in force", value, {
        detail,
        source: src ? (src.source_url ? el("a", { href: src.source_url, rel: "noreferrer", class: "citation" }, src.source_title) : src.source_title) : "—",
        vintage: `in force on ${fmtDate(endpointJson.date || day)}; ` +
          (levers.every((m) => m.verified !== false) ? "acts read in their primary source" : "some acts not verified against their primary source"),
        figureAttrs: { "data-measures": String(levers.length) },
      });
    }
    let applied = [];
    for (const [category, m] of Object.entries(json.measures || {})) {
      for (const n of (m && m.measures) || []) applied.push(`${String(typeof n === "string" ? n : n.measure).replace(/_/g, " ")} (${category})`);
    }
    // One entry per measure, with the categories it covers ("all categories" when it covers every one).
    const categoriesAll = Object.keys(json.measures || {});
    const byMeasure = new Map();
    for (const text of applied) {
      const m = /^(.*?)(?: \((.*)\))?$/.exec(text);
      if (!byMeasure.has(m[1])) byMeasure.set(m[1], new Set());
      if (m[2]) byMeasure.get(m[1]).add(m[2]);
    }
    const grouped = [...byMeasure.entries()].map(([measure, cats]) => {
      const all = categoriesAll.length && categoriesAll.every((c) => cats.has(c));
      return `${measure}${cats.size ? ` (${all ? "all categories" : [...cats].join(", ")})` : ""}`;
    });
    const value = grouped.length ? grouped.join("; ") : "None";
    const detail = designations.length ?
      `${designations.length} designation${designations.length > 1 ? "s" : ""} in force: ` +
        designations.map((d) => `${KIND_LABEL(d.kind).toLowerCase()} since ${fmtDate(d.start)}`).join("; ") + "." :
      lifted.length ? `No designation in force; ${lifted.length} lifted (latest ${fmtDate(lifted.map((d) => d.end).sort().pop())}).` :
        "No designation recorded.";
    const ref = designations.map((d) => d.legal_reference || (d.sources || [])[0]).find(Boolean);
    return card("measures", "Measures in force", value, {
      detail,
      source: ref ? citation(ref) : `policy measures table (GET /v1/countries/${iso3})`,
      vintage: `as of ${fmtDate(day)}; designations as recorded in the service database`,
    });
  }

  function tierCard(json) {
    const a = json.assessment;
    if (!a || typeof a !== "object") {
      return card("tier", "Cooperation tier", "Not assessed", { source: "visalever analyst assessment", vintage: "—" });
    }
    const info = VL.periodInfo(a.period);
    const bits = [a.score !== null && a.score !== undefined ? `score ${VL.ratio(a.score)} of 100` : null,
      `confidence ${a.confidence || "not stated"}`, `period ${info.label} (${info.type})`].filter(Boolean);
    return card("tier", "Cooperation tier", TIER_LABEL(a.tier), {
      detail: el("span", {}, bits.join(", ") + ". ", el("span", { id: "tier-trend" }, "Trend: loading…")),
      source: a.basis || "visalever analyst assessment (recommendation, not a designation)",
      vintage: `assessment of ${info.label}, from the snapshot's observations`,
      figureAttrs: { "data-tier": a.tier },
    });
  }

  /* The tier one period earlier, from GET /v1/assessments, so the headline says which way it moved. */
  async function fillTrend(json) {
    const target = document.getElementById("tier-trend");
    const a = json.assessment;
    if (!target || !a || !a.period) return;
    const info = VL.periodInfo(a.period);
    const prev = /^FY/i.test(String(a.period)) ? `FY${info.year - 1}` : String(info.year - 1);
    const trendMetric = a.metrics && typeof a.metrics.returns_trend === "number" ?
      ` In-country returns ${VL.ratio(a.metrics.returns_trend)}× the previous year.` : "";
    const base = `/v1/assessments?jurisdiction=${encodeURIComponent(json.jurisdiction)}&period=`;
    // This period's assessment document: its input releases are the vintage of the tier, and it says
    // which period is the latest that can be scored.
    VL.api(base + encodeURIComponent(a.period)).then((doc) => {
      const line = document.querySelector(".headline-card[data-headline=tier] .vintage-line");
      const m = doc.method || {};
      const v = doc.vintage || {};
      if (line) {
        VL.clear(line).append(VL.el("span", { class: "label" }, "Vintage: "),
          `assessment of ${a.period}${m.version ? " (method version " + m.version + ")" : ""}` +
          `${v.newest_release ? "; newest input release: " + v.newest_release : "; input releases not recorded"}.`);
      }
      const latest = doc.latest_scorable;
      if (latest && latest.period && latest.period !== String(a.period)) {
        target.after(` The latest period that can be scored is ${latest.period} (${VL.count(latest.scored)} nationalities; the overview's map uses it).`);
      }
    }).catch((err) => VL.note(`Assessment ${a.period}: ${err.message}`, "warning"));
    try {
      const doc = await VL.api(base + encodeURIComponent(prev));
      const before = VL.asList(doc, ["assessments"]).find((r) => r.iso3 === iso3);
      const order = { cooperating: 0, partially_cooperating: 1, non_cooperating: 2 };
      let text;
      if (!before || !(before.tier in order) || !(a.tier in order)) text = `no scored tier for ${prev} to compare with.`;
      else if (before.tier === a.tier) text = `unchanged since ${prev}.`;
      else text = `${order[a.tier] > order[before.tier] ? "worse" : "better"} than ${prev} (${TIER_LABEL(before.tier)}).`;
      target.textContent = `Trend: ${text}${trendMetric}`;
    } catch (err) {
      target.textContent = `Trend: not available (${err.status === 404 || err.status === 422 ? "no assessment for " + prev : err.message}).${trendMetric}`;
    }
  }

  function renderHeadline(json, rows, endpointJson) {
    const name = VL.pick(json, ["name", "country.name"], iso3);
    document.getElementById("country-name").textContent = name;
    document.title = `${name} (${iso3}) · visalever`;
    const day = json.as_of || asOf.value;
    const j = json.jurisdiction || "uk";
    const spec = HEADLINE[j] || HEADLINE.uk;
    document.getElementById("headline-asof").textContent = `${j.toUpperCase()}, as of ${fmtDate(day)}`;
    const cards = box("headline-cards");
    cards.append(
      agreementCard(json, day),
      measuresCard(json, day, endpointJson),
      tierCard(json),
      observationCard("visas", "Visas at stake", latestAnnual(rows, j, spec.visas), "No visa figure for this country.",
        j === "uk" ? "Entry clearance visas granted" : "Visas issued"),
      observationCard("returns", j === "us" ? "Removals" : "Returns", latestAnnual(rows, j, spec.returns),
        "No returns figure for this country.", j === "us" ? "Removals" : "Returns"),
      spec.boats.length ?
        observationCard("small_boats", "Small-boat arrivals", latestAnnual(rows, j, spec.boats),
          "No small-boat arrival of this nationality is recorded.", "Small-boat arrivals") :
        card("small_boats", "Small-boat arrivals", "—", {
          detail: `Not published by nationality for ${j.toUpperCase()}.`, source: "—", vintage: "—" }),
    );
  }

  function renderTimeline(json) {
    const agreements = Array.isArray(json.agreements) ? json.agreements : json.agreement ? [json.agreement] : [];
    const designations = Array.isArray(json.designations) ? json.designations : [];
    VL.table(box("agreements"), VL.columnsOf(agreements, ["title", "kind", "status", "signed", "in_force_from", "in_force_until", "sources"]),
      agreements, { caption: "Returns agreements and arrangements", filename: `visalever-${iso3}-agreements`,
        pathPrefix: "agreements", empty: "No returns agreement recorded.", collapsed: true, json: () => agreements });
    VL.table(box("designations"), VL.columnsOf(designations, ["id", "kind", "title", "status", "start", "end", "review_due"]),
      designations, { caption: "Designations (legal acts)", filename: `visalever-${iso3}-designations`, pathPrefix: "designations",
        empty: "No designation recorded.", collapsed: true, json: () => designations });
    const chart = document.getElementById("timeline-chart");
    const day = json.as_of || asOf.value;
    const items = [
      ...agreements.filter((a) => a.in_force_from || a.signed).map((a) => ({
        kind: "agreement", start: a.in_force_from || a.signed, end: a.in_force_until || null,
        label: `${KIND_LABEL(a.kind)} (agreement)`, title: a.title || a.kind })),
      ...designations.filter((d) => d.start).map((d) => ({
        kind: d.end && d.end <= day ? "lifted" : "designation", start: d.start, end: d.end || null, review: d.review_due,
        label: `${KIND_LABEL(d.kind)} (designation)`, title: d.title || d.id })),
    ].sort((a, b) => a.start.localeCompare(b.start));
    if (!items.length) {
      chart.hidden = true;
      return;
    }
    chart.hidden = false;
    VL.timeline(chart, items, day);
  }

  function renderIndicators(json, rows) {
    const container = box("indicators");
    if (!rows.length) { container.append(el("p", { class: "empty" }, "No indicator recorded.")); return []; }
    const jurisdictions = [...new Set(rows.map((r) => r.jurisdiction || ""))].sort((a, b) =>
      (a === json.jurisdiction ? -1 : 0) - (b === json.jurisdiction ? -1 : 0) || a.localeCompare(b));
    const families = [];
    const claimed = new Set();
    for (const j of jurisdictions) {
      for (const f of FAMILIES) {
        const fr = rows.filter((r) => (r.jurisdiction || "") === j && f.match(String(r.indicator)));
        fr.forEach((r) => claimed.add(r));
        if (fr.length) families.push({ ...f, key: `${f.key}-${j}`, title: `${f.title}${j ? " (" + j.toUpperCase() + ")" : ""}`, rows: fr });
      }
    }
    families.push({ key: "other", title: "Other indicators", rows: rows.filter((r) => !claimed.has(r)) });
    const charts = [];
    for (const family of families.filter((f) => f.rows.length)) {
      const section = el("div", { class: "indicator-family", "data-family": family.key });
      const chartDiv = el("div", { class: "chart", role: "figure", "aria-label": `${family.title}; the same data is in the table below` });
      const tableDiv = el("div");
      section.append(el("h3", {}, family.title), chartDiv, tableDiv);
      container.append(section);
      const columns = [
        { key: "indicator", label: "indicator" },
        { key: "period", label: "period" },
        { key: "period_type", label: "period type", value: (r) => VL.periodInfo(r.period, r.period_type).type },
        { key: "value", label: "value", numeric: true, path: (r) => `${r._path}.value`,
          format: (v, r) => VL.figure(v, VL.kindOf(r.indicator, r.unit)) },
        { key: "unit", label: "unit" }, { key: "source", label: "source" },
        { key: "release", label: "release (vintage)", value: (r) => VL.releaseOf(r) || "not recorded" },
      ].filter((c) => c.value || family.rows.some((r) => r[c.key] !== undefined));
      VL.table(tableDiv, columns, family.rows, { caption: family.title, filename: `visalever-${iso3}-${family.key}`,
        collapsed: true, json: () => family.rows.map(({ _path, ...r }) => r) });
      charts.push(() => drawFamily(chartDiv, family));
    }
    return charts;
  }

  /* Annual series only (quarters would mix frequencies on one axis); units and period type on the axes. */
  async function drawFamily(chartDiv, family) {
    const byIndicator = new Map();
    for (const r of family.rows) {
      if (String(r.indicator).includes(".reported_by.")) continue;
      const info = VL.periodInfo(r.period, r.period_type);
      if (!info.annual || info.year === null) continue;
      const key = `${r.indicator}|${info.type}`;
      if (!byIndicator.has(key)) byIndicator.set(key, { indicator: r.indicator, type: info.type, unit: r.unit || "", points: [] });
      byIndicator.get(key).points.push({ x: info.year, y: r.value, label: info.label });
    }
    if (!byIndicator.size) {
      chartDiv.append(el("p", { class: "chart-empty" }, "No annual figures to chart; see the table."));
      return;
    }
    const series = [...byIndicator.values()];
    const isRatio = (s) => VL.kindOf(s.indicator, s.unit) === "ratio";
    const counts = series.filter((s) => !isRatio(s));
    const ratios = series.filter(isRatio);
    const shortUnit = (u) => String(u || "").split("(")[0].trim() || "count";
    const types = [...new Set(series.map((s) => s.type))];
    const traces = series.map((s) => {
      const sorted = s.points.sort((a, b) => a.x - b.x);
      const ratio = isRatio(s);
      return { type: "scatter", mode: "lines+markers", name: `${s.indicator}${types.length > 1 ? " (" + s.type + ")" : ""}`,
        x: sorted.map((p) => p.x), y: sorted.map((p) => p.y), customdata: sorted.map((p) => p.label),
        yaxis: ratio && counts.length ? "y2" : "y",
        hovertemplate: `${s.indicator}<br>%{customdata}: %{y:${ratio ? ".3g" : ",.0f"}} ${shortUnit(s.unit)}<extra></extra>` };
    });
    const unitTitle = (list) => [...new Set(list.map((s) => shortUnit(s.unit)))].join(", ");
    await VL.plot(chartDiv, traces, {
      xaxis: { title: { text: types.join(" / ") }, tickformat: "d", dtick: undefined, automargin: true },
      yaxis: { title: { text: counts.length ? unitTitle(counts) : unitTitle(ratios) }, rangemode: "tozero",
        tickformat: counts.length ? ",.0f" : ".2f", automargin: true },
      ...(counts.length && ratios.length ? { yaxis2: { overlaying: "y", side: "right", title: { text: unitTitle(ratios) },
        rangemode: "tozero", tickformat: ".2f", automargin: true } } : {}),
      legend: { orientation: "h", y: -0.3 }, height: 360,
    });
  }

  function renderAssessment(json) {
    const container = box("assessment");
    const raw = VL.get(json, "assessment") ?? VL.get(json, "assessments");
    const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
    if (!list.length) { container.append(el("p", { class: "empty" }, "Not assessed.")); return; }
    const key = VL.get(json, "assessment") !== undefined && VL.get(json, "assessment") !== null ? "assessment" : "assessments";
    list.forEach((a, i) => {
      const path = Array.isArray(raw) ? `${key}.${i}` : key;
      const panel = el("div", { class: "panel" });
      container.append(panel);
      const head = Object.fromEntries(Object.entries(a).filter(([k, v]) =>
        !["reasons", "metrics", "coverage"].includes(k) && (v === null || typeof v !== "object" || Array.isArray(v))));
      VL.definitionList(panel, head, path);
      if (a.metrics && typeof a.metrics === "object") {
        const metricRows = Array.isArray(a.metrics) ? a.metrics :
          Object.entries(a.metrics).map(([metric, value]) => (value && typeof value === "object" ? { metric, ...value } : { metric, value }));
        const div = el("div");
        panel.append(el("h3", {}, "Metrics"), div);
        const metricPath = Array.isArray(a.metrics) ? `${path}.metrics` : undefined;
        const cols = VL.columnsOf(metricRows, ["metric", "value"]).map((c) => {
          if (c.key !== "value") return c;
          return { ...c, format: (v, r) => VL.figure(v, VL.kindOf(r.metric)),
            ...(metricPath ? {} : { path: (r) => `${path}.metrics.${r.metric}` }) };
        });
        VL.table(div, cols, metricRows, { caption: "Metrics", pathPrefix: metricPath, collapsed: true,
          filename: `visalever-${iso3}-assessment-metrics`, json: () => a });
      }
      const reasons = Array.isArray(a.reasons) ? a.reasons : [];
      if (reasons.length) {
        panel.append(el("h3", {}, "Reasons"),
          el("ol", { class: "reasons" }, reasons.map((r) => el("li", {}, typeof r === "string" ? r : VL.node(r)))));
      }
    });
  }

  /* GET /v1/countries/{iso3} answers measures as {category: {values, tier, measures, reasons}}. */
  function renderMeasures(json) {
    const container = box("measures");
    const raw = VL.get(json, "measures");
    if (!raw || typeof raw !== "object") { container.append(el("p", { class: "empty" }, "No measures reported.")); return; }
    const entries = Array.isArray(raw) ? raw.map((m, i) => [m.category || String(i), m, String(i)]) :
      Object.entries(raw).map(([category, m]) => [category, m, category]);
    const rows = entries.map(([category, m, key]) => ({ category, key, ...(m.values || {}), tier: m.tier,
      measures_applied: m.measures, reasons: m.reasons || [] }));
    const valueKeys = [];
    for (const [, m] of entries) for (const k of Object.keys(m.values || {})) if (!valueKeys.includes(k)) valueKeys.push(k);
    const formatValue = (k) => (v, r) => {
      if (typeof v !== "number") return VL.node(v);
      if (k.endsWith("_amount")) return VL.money(v, r[k.replace(/_amount$/, "_currency")] || "");
      if (k.endsWith("_days")) return `${VL.count(v)} days`;
      return VL.figure(v, VL.kindOf(k));
    };
    const columns = [
      { key: "category", label: "category" },
      ...valueKeys.filter((k) => !k.endsWith("_currency")).map((k) => ({ key: k, label: k.replace(/_/g, " "),
        path: (r) => `measures.${r.key}.values.${k}`, format: formatValue(k) })),
      { key: "tier", label: "tier", path: (r) => `measures.${r.key}.tier` },
      { key: "measures_applied", label: "measures", value: (r) => (r.measures_applied || []).join(", ") || "none" },
      { key: "reasons", label: "reasons and legal references", format: (reasons) => el("ul", { class: "cell-list" },
        (reasons || []).map((reason) => el("li", {}, `${reason.field ? reason.field + ": " : ""}${reason.text || ""} `,
          reason.legal_reference ? VL.node(reason.legal_reference) : "", reason.evidence ? ` Evidence: ${reason.evidence}` : ""))) },
    ];
    VL.table(container, columns, rows, {
      caption: `Measures in force per visa category as of ${VL.get(json, "as_of") || asOf.value}`,
      filename: `visalever-${iso3}-measures-${asOf.value}`, id: "measures-table", rowKey: "category",
      collapsed: true, json: () => raw,
    });
  }

  function renderVintage(json, rows) {
    const lines = [];
    const groups = new Map();
    for (const r of rows) {
      const key = `${r.jurisdiction}|${VL.releaseOf(r) || VL.sourceFolder(r)}`;
      const g = groups.get(key) || { j: r.jurisdiction, release: VL.releaseOf(r), folder: VL.sourceFolder(r), last: null, n: 0 };
      const info = VL.periodInfo(r.period, r.period_type);
      if (info.year !== null && (g.last === null || info.year > g.last.year)) g.last = info;
      g.n += 1;
      groups.set(key, g);
    }
    for (const g of [...groups.values()].sort((a, b) => a.j.localeCompare(b.j) || a.folder.localeCompare(b.folder))) {
      lines.push(`${(g.j || "").toUpperCase()}: ${g.release ? "release " + g.release : g.folder + " (release not recorded in the snapshot)"}, ` +
        `${g.n} figures, latest period ${g.last ? g.last.label : "—"}`);
    }
    if (json.assessment && json.assessment.period) lines.push(`Assessment: period ${json.assessment.period}, computed from these figures.`);
    lines.push(`Agreements, designations and measures: as of ${fmtDate(json.as_of || asOf.value)}.`);
    const releases = [...groups.values()].filter((g) => g.release).length;
    const latest = [...groups.values()].filter((g) => g.j === json.jurisdiction && g.last).map((g) => g.last).sort((a, b) => b.year - a.year)[0];
    VL.setVintage(lines, `${groups.size} data source${groups.size === 1 ? "" : "s"}` +
      `${latest ? `; ${(json.jurisdiction || "").toUpperCase()} figures up to ${latest.label}` : ""}` +
      `${json.assessment && json.assessment.period ? `; assessment of ${json.assessment.period}` : ""}` +
      `; ${releases ? `${releases} with a recorded release` : "release dates not recorded in the snapshot"}.`);
  }

  async function load(push = false) {
    VL.clearErrors();
    const url = `/v1/countries/${encodeURIComponent(iso3)}?as_of=${encodeURIComponent(asOf.value)}`;
    VL.setTwin(0, url);
    const brief = document.getElementById("brief-link");
    if (brief) brief.href = `/countries/${encodeURIComponent(iso3)}/brief?as_of=${encodeURIComponent(asOf.value)}`;
    if (push) VL.pushQuery({ as_of: asOf.value }); else VL.replaceQuery({ as_of: asOf.value });
    const measuresPath = "/v1/countries/{iso3}/measures";
    const measuresUrl = `/v1/countries/${encodeURIComponent(iso3)}/measures?date=${encodeURIComponent(asOf.value)}`;
    let json, endpointJson = null;
    try {
      // The law desk's measures endpoint (when this server has it) is asked in parallel with the dossier.
      const measuresAnswer = VL.endpoints().then((paths) => (paths.includes(measuresPath) ?
        VL.api(measuresUrl).catch((err) => ({ failed: err })) : null));
      const [dossier, measures] = await Promise.all([VL.api(url), measuresAnswer]);
      json = dossier;
      if (measures && measures.failed) {
        VL.note(`Measures endpoint: ${measures.failed.message}; the dossier's own measures table is used.`, "warning");
      } else if (measures) {
        endpointJson = measures;
        VL.addTwin("Measures in force", measuresUrl);
      }
    } catch (err) {
      VL.error(err.message);
      return;
    }
    window.__dossier = json;
    const rows = indicatorRows(json);
    try { renderHeadline(json, rows, endpointJson); } catch (err) { VL.error(`headline: ${err.message}`); }
    VL.surfaceNotes(json);
    // Detail after the headline has painted: the reader sees the summary first (the time is taken once
    // the frame with the summary has been rendered).
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    window.__summaryShownAt = window.__summaryShownAt || performance.now();
    root.dataset.summary = "true";
    let charts = [];
    for (const render of [renderVintage, renderTimeline, renderIndicators, renderAssessment, renderMeasures]) {
      try {
        const out = render(json, rows);
        if (Array.isArray(out)) charts = out;
      } catch (err) { VL.error(`${render.name}: ${err.message}`); }
    }
    for (const draw of charts) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      try { await draw(); } catch (err) { VL.error(`chart: ${err.message}`); }
    }
    await fillTrend(json);
    root.dataset.loaded = "true";
  }

  const fromUrl = () => {
    const query = VL.params();
    asOf.value = query.get("as_of") || asOf.defaultValue;
  };
  fromUrl();
  form.addEventListener("submit", (e) => { e.preventDefault(); load(true); });
  window.addEventListener("popstate", () => { fromUrl(); load(false); });
  load(false);
})();
