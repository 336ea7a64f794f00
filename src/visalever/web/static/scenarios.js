/* Scenarios: baseline against reform through POST /v1/simulations, progress by polling
 * GET /v1/simulations/{id}, then totals, a per-country breakdown with 5/50/95 % bands, a chart with its
 * table, and CSV / JSON downloads of exactly the document the API returned.
 *
 * Figures read as an analyst expects: visas and people as whole numbers, money rounded with its currency
 * ("GBP 17.7m"), 5-95 % intervals as ranges. The form lives in the URL (baseline, policy, year, draws,
 * microdata), and a finished run adds its id (`sim=`), so the link shows the same result again. */
"use strict";

(() => {
  const form = document.getElementById("scenario-form");
  const baseline = document.getElementById("baseline");
  const reform = document.getElementById("reform");
  const reformFile = document.getElementById("reform-file");
  const runButton = document.getElementById("run");
  const progressBox = document.getElementById("progress-box");
  const progress = document.getElementById("progress");
  const progressText = document.getElementById("progress-text");
  const results = document.getElementById("results");
  const metricSelect = document.getElementById("metric");
  const POLL_MS = 250;
  let current = null; // {job, result}
  let policies = [];

  const LABELS = {
    published_grants: "Published grants",
    baseline_visas: "Baseline visas",
    reform_visas: "Reform visas",
    visas_not_issued: "Visas not issued",
    applications_affected: "Applications affected",
    fee_revenue_change: "Fee revenue change",
    surcharge_revenue: "Surcharge revenue",
    surcharge_revenue_change: "Surcharge revenue change",
    visas_at_stake: "Visas at stake",
    people_not_returned: "People not returned",
    leverage: "Leverage (visas not issued per person not returned)",
  };
  const label = (k) => LABELS[k] || k.replace(/_/g, " ");
  const isBand = (v) => v && typeof v === "object" && "p50" in v;
  const p50 = (v) => (isBand(v) ? v.p50 : v);
  const UNITS = { published_grants: "visas", baseline_visas: "visas", reform_visas: "visas", visas_not_issued: "visas",
    applications_affected: "applications", visas_at_stake: "visas", people_not_returned: "people",
    leverage: "visas per person" };
  const kindOf = (name) => (/revenue/.test(name) ? "money" : name === "leverage" ? "ratio" : "count");
  const currencyOf = (doc) => (doc && doc.metadata && doc.metadata.currency) || "";
  const fmtFigure = (name, v, doc) => VL.figure(v, kindOf(name), currencyOf(doc));
  const withUnit = (name, text) => (kindOf(name) === "count" && UNITS[name] && text !== "—" ? `${text} ${UNITS[name]}` : text);
  const bandText = (name, v, doc) => (isBand(v) ? VL.range(v.p5, v.p95, (x) => fmtFigure(name, x, doc)) : "");

  function figureNames(doc) {
    const names = Object.keys(doc.totals || {}).filter((k) => {
      const v = doc.totals[k];
      return typeof v === "number" || v === null || isBand(v);
    });
    for (const c of doc.countries || []) for (const k of Object.keys(c)) if (k !== "iso3" && !names.includes(k)) names.push(k);
    return names;
  }

  async function loadPolicies() {
    try {
      const json = await VL.api("/v1/policies");
      const list = VL.asList(json, ["policies"]);
      for (const select of [baseline, reform]) {
        VL.clear(select);
        if (select === reform) select.append(VL.el("option", { value: "" }, "— choose, or upload a YAML —"));
        for (const p of list) {
          const id = typeof p === "string" ? p : p.id;
          const status = typeof p === "object" && p.status ? ` [${String(p.status).replace(/_/g, " ")}]` : "";
          select.append(VL.el("option", { value: id }, `${id}${status}`));
        }
      }
      const ids = list.map((p) => (typeof p === "string" ? p : p.id));
      const query = VL.params();
      baseline.value = query.get("baseline") || (ids.includes("uk-statutory") ? "uk-statutory" : ids[0] || "");
      reform.value = query.get("policy") || (ids.includes("uk-transactional-2025") ? "uk-transactional-2025" : "");
      policies = list;
      showPolicyNotes();
      VL.setVintage(`no figures until a run: a finished run states its simulated year, the published tables it read and its id. ` +
        `Policies: ${list.map((p) => (typeof p === "string" ? p : `${p.id} revision ${p.revision || "—"}`)).join("; ")}.`);
    } catch (err) {
      VL.error(err.message);
    }
  }

  async function uploadReform(file) {
    const text = await file.text();
    const answer = await VL.api("/scenarios/reform-files", {
      method: "POST", body: text, headers: { "Content-Type": "application/yaml", "X-Filename": file.name, ...VL.authHeaders() },
    });
    return answer.path;
  }

  function setProgress(fraction, message) {
    progressBox.hidden = false;
    progress.value = fraction;
    progressText.textContent = `${Math.round(fraction * 100)} % ${message || ""}`;
  }

  const yearInput = document.getElementById("year");
  const drawsInput = document.getElementById("draws");
  const microdataInput = document.getElementById("microdata");

  /* The form as URL state: what a colleague needs to run the same scenario. */
  function formState() {
    return { baseline: baseline.value, policy: reformFile.files && reformFile.files.length ? null : reform.value || null,
      year: yearInput.value, draws: drawsInput.value, microdata: microdataInput.checked ? "1" : null };
  }

  function applyState(query) {
    if (query.get("baseline") && [...baseline.options].some((o) => o.value === query.get("baseline"))) baseline.value = query.get("baseline");
    if (query.has("policy") && [...reform.options].some((o) => o.value === query.get("policy"))) reform.value = query.get("policy");
    if (query.get("year")) yearInput.value = query.get("year");
    else yearInput.value = yearInput.defaultValue;
    if (query.get("draws")) drawsInput.value = query.get("draws");
    else drawsInput.value = drawsInput.defaultValue;
    microdataInput.checked = query.get("microdata") === "1" || query.get("microdata") === "true";
  }

  async function run(event) {
    event.preventDefault();
    VL.clearErrors();
    showPolicyNotes();
    runButton.disabled = true;
    results.hidden = true;
    try {
      let policy = reform.value;
      if (reformFile.files && reformFile.files.length) policy = await uploadReform(reformFile.files[0]);
      if (!policy) throw new Error("policy: choose a reform policy or upload a reform YAML");
      const body = {
        policy, baseline: baseline.value,
        year: Number(yearInput.value),
        draws: Number(drawsInput.value),
        microdata: microdataInput.checked,
      };
      VL.pushQuery({ ...formState(), sim: null }, true);
      setProgress(0, "submitting");
      window.__runStartedAt = performance.now();
      let job = await VL.api("/v1/simulations", {
        method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...VL.authHeaders() },
      });
      VL.addTwin("Simulation", `/v1/simulations/${job.id}`);
      job = await follow(job);
      // The finished run's id joins the URL (same history entry): the link now shows this result again.
      VL.replaceQuery({ sim: job.id });
      show(job);
      window.__resultShownAt = performance.now();
    } catch (err) {
      progressBox.hidden = true;
      VL.error(err.status === 401 || err.status === 403 ?
        `token: simulations need an analyst or policy_admin bearer token (enter it above). ${err.message}` : err.message);
    } finally {
      runButton.disabled = false;
    }
  }

  async function follow(job) {
    while (job.status !== "done" && job.status !== "failed") {
      setProgress(job.progress || 0, job.message || job.status);
      await new Promise((r) => setTimeout(r, POLL_MS));
      job = await VL.api(`/v1/simulations/${job.id}`, { headers: VL.authHeaders() });
    }
    setProgress(job.progress || 1, job.message || job.status);
    if (job.status === "failed") throw new Error(`simulation failed: ${job.error}`);
    return job;
  }

  function show(job) {
    current = { job, result: job.result };
    render();
    results.dataset.sim = job.id;
    const req = job.request || {};
    const m = job.result.metadata || {};
    VL.setVintage([
      `Simulation ${job.id}, finished ${job.finished || "—"}: year ${m.year ?? req.year}, as of ${m.as_of || "—"}, ` +
        `${VL.count(m.draws ?? req.draws)} draws, seed ${m.seed ?? req.seed ?? "—"}.`,
      ...((m.data_sources || []).map((src) => `Data: ${src}`)),
    ], `simulated year ${m.year ?? req.year} from ${VL.count((m.data_sources || []).length)} published tables; run ${job.id.slice(0, 8)}.`);
  }

  /* A link with sim=<id> shows that run's result again (the job is kept by the service). */
  async function showFromUrl() {
    const query = VL.params();
    applyState(query);
    showPolicyNotes();
    const id = query.get("sim");
    if (!id) {
      results.hidden = true;
      progressBox.hidden = true;
      current = null;
      return;
    }
    if (current && current.job.id === id) { results.hidden = false; return; }
    try {
      VL.addTwin("Simulation", `/v1/simulations/${encodeURIComponent(id)}`);
      const job = await follow(await VL.api(`/v1/simulations/${encodeURIComponent(id)}`, { headers: VL.authHeaders() }));
      const req = job.request || {};
      if (!query.get("baseline") && req.baseline) baseline.value = req.baseline;
      if (!query.has("policy") && req.policy && [...reform.options].some((o) => o.value === req.policy)) reform.value = req.policy;
      show(job);
    } catch (err) {
      VL.error(`simulation ${id}: ${err.message}` + (err.status === 401 || err.status === 403 ?
        " Enter your analyst token above to see it." : err.status === 404 ?
        " A run is kept by the server that ran it, for the token that started it: run it again with the settings above (same seed, same result)." : ""));
    }
  }

  function render() {
    const doc = current.result;
    results.hidden = false;
    // The run's own label says everything the reader must know (synthetic data, law not enacted, bands).
    VL.clearNotes();
    const synthetic = doc.metadata && doc.metadata.synthetic && doc.metadata.synthetic.synthetic;
    if (doc.label) VL.note(doc.label, synthetic ? "synthetic" : "label");
    if (synthetic) VL.note(doc.metadata.synthetic.label || "SYNTHETIC microdata", "synthetic");
    const currency = currencyOf(doc);
    const names = figureNames(doc);

    const cards = VL.clear(document.getElementById("totals-cards"));
    for (const name of ["visas_not_issued", "applications_affected", "fee_revenue_change", "surcharge_revenue", "leverage"]) {
      if (!(name in doc.totals)) continue;
      const v = doc.totals[name];
      cards.append(VL.el("div", { class: "card", "data-figure": name }, VL.el("div", {}, label(name)),
        VL.el("div", { class: "figure", "data-path": `totals.${name}${isBand(v) ? ".p50" : ""}`, "data-value": p50(v) ?? "" },
          withUnit(name, fmtFigure(name, p50(v), doc))),
        isBand(v) ? VL.el("div", { class: "band" }, `5–95 % range: ${bandText(name, v, doc)}`) : null));
    }

    const totalRows = names.filter((n) => n in doc.totals).map((name) => ({ name, v: doc.totals[name] }));
    const cell = (r, x) => fmtFigure(r.name, x, doc);
    VL.table(document.getElementById("totals-table"), [
      { key: "name", label: "Figure", value: (r) => label(r.name) },
      { key: "unit", label: "Unit", value: (r) => (kindOf(r.name) === "money" ? currency : UNITS[r.name] || "") },
      { key: "p50", label: "Median (or value)", numeric: true, value: (r) => p50(r.v), format: (x, r) => cell(r, x),
        path: (r) => `totals.${r.name}${isBand(r.v) ? ".p50" : ""}` },
      { key: "range", label: "5–95 % range", value: (r) => (isBand(r.v) ? bandText(r.name, r.v, doc) : "") },
      { key: "p5", label: "p5", numeric: true, value: (r) => (isBand(r.v) ? r.v.p5 : null), format: (x, r) => cell(r, x),
        path: (r) => `totals.${r.name}.p5` },
      { key: "p95", label: "p95", numeric: true, value: (r) => (isBand(r.v) ? r.v.p95 : null), format: (x, r) => cell(r, x),
        path: (r) => `totals.${r.name}.p95` },
    ], totalRows, { caption: `Totals (${doc.metadata ? doc.metadata.year : ""}; money in ${currency})`, id: "totals" });
    if (doc.totals.unallocated) {
      VL.note(`Unallocated: ${VL.count(doc.totals.unallocated.published_grants)} published grants are in the national ` +
        `total but in no nationality row (${doc.totals.unallocated.note || ""}).`, "gap");
    }

    VL.clear(metricSelect);
    for (const name of names.filter((n) => (doc.countries || []).some((c) => typeof c[n] === "number" || isBand(c[n])))) {
      metricSelect.append(VL.el("option", { value: name }, label(name)));
    }
    const wanted = VL.params().get("metric");
    metricSelect.value = wanted && names.includes(wanted) ? wanted : names.includes("visas_not_issued") ? "visas_not_issued" : metricSelect.options[0]?.value;
    renderCountries();
  }

  function renderCountries() {
    const doc = current.result;
    const metric = metricSelect.value;
    const countries = doc.countries || [];
    const bandOf = (c) => c[metric];
    const f = (x) => fmtFigure(metric, x, doc);
    const columns = [
      { key: "iso3", label: "ISO3", href: (c) => `/countries/${c.iso3}` },
      { key: "published_grants", label: label("published_grants"), numeric: true, format: VL.count },
      { key: "people_not_returned", label: label("people_not_returned"), numeric: true, format: VL.count },
      { key: "p50", label: `${label(metric)}: median`, numeric: true, value: (c) => p50(bandOf(c)), format: f,
        path: (c, i) => `countries.${i}.${metric}${isBand(bandOf(c)) ? ".p50" : ""}` },
      { key: "range", label: "5–95 % range", value: (c) => (isBand(bandOf(c)) ? bandText(metric, bandOf(c), doc) : "") },
      { key: "p5", label: "p5", numeric: true, value: (c) => (isBand(bandOf(c)) ? bandOf(c).p5 : null), format: f,
        path: (c, i) => `countries.${i}.${metric}.p5` },
      { key: "p95", label: "p95", numeric: true, value: (c) => (isBand(bandOf(c)) ? bandOf(c).p95 : null), format: f,
        path: (c, i) => `countries.${i}.${metric}.p95` },
    ];
    VL.table(document.getElementById("country-table"), columns, countries, {
      caption: `${label(metric)} by country`, filename: `visalever-simulation-${metric}`, id: "country-results", rowKey: "iso3",
      collapsed: true,
    });
    const top = countries.filter((c) => p50(bandOf(c))).sort((a, b) => Math.abs(p50(bandOf(b))) - Math.abs(p50(bandOf(a)))).slice(0, 25);
    const banded = top.some((c) => isBand(bandOf(c)));
    const chart = document.getElementById("country-chart");
    const empty = chart.querySelector(".chart-empty");
    if (empty) empty.remove();
    if (!top.length) {
      if (window.Plotly) Plotly.purge(chart);
      chart.append(VL.el("p", { class: "chart-empty" }, `${label(metric)}: zero or empty for every country in this run.`));
      return;
    }
    document.getElementById("country-chart-title").textContent =
      `${label(metric)}: the 25 largest (median${banded ? "; bars show the 5–95 % range" : ""})`;
    const kind = kindOf(metric);
    const unit = kind === "money" ? currencyOf(doc) : UNITS[metric] || "";
    const hoverFormat = kind === "money" ? ",.0f" : kind === "ratio" ? ".3g" : ",.0f";
    VL.plot(chart, [{
      type: "bar", x: top.map((c) => c.iso3), y: top.map((c) => p50(bandOf(c))), name: "median",
      marker: { color: VL.PALETTE[0] },
      customdata: top.map((c) => [isBand(bandOf(c)) ? bandText(metric, bandOf(c), doc) : "—", f(p50(bandOf(c)))]),
      hovertemplate: `%{x}: %{customdata[1]}${kind === "count" ? " " + unit : ""}<br>5–95 %: %{customdata[0]}<extra></extra>`,
      error_y: banded ? { type: "data", symmetric: false, color: VL.PALETTE[5],
        array: top.map((c) => (isBand(bandOf(c)) ? bandOf(c).p95 - bandOf(c).p50 : 0)),
        arrayminus: top.map((c) => (isBand(bandOf(c)) ? bandOf(c).p50 - bandOf(c).p5 : 0)) } : undefined,
    }], {
      height: 420, margin: { t: 20, r: 10, b: 60, l: 60 },
      yaxis: { title: { text: unit }, tickformat: kind === "ratio" ? ".2f" : "~s", hoverformat: hoverFormat, automargin: true },
      xaxis: { title: { text: "nationality (ISO3)" }, automargin: true },
    });
  }

  /* One flat row per country plus TOTAL, bands as _p5/_p50/_p95 columns (as the CLI's CSV). */
  function flatRows(doc) {
    const names = figureNames(doc);
    return [...doc.countries, { iso3: "TOTAL", ...doc.totals }].map((entry) => {
      const row = { iso3: entry.iso3 };
      for (const n of names) {
        const v = entry[n];
        if (isBand(v)) { row[`${n}_p5`] = v.p5; row[`${n}_p50`] = v.p50; row[`${n}_p95`] = v.p95; }
        else if (v === null || typeof v !== "object") row[n] = v ?? null;
      }
      row.label = doc.label || "";
      return row;
    });
  }

  document.getElementById("download-json").addEventListener("click", () => {
    if (current) VL.download(`visalever-simulation-${current.job.id}.json`, JSON.stringify(current.result, null, 2), "application/json");
  });
  document.getElementById("download-csv").addEventListener("click", () => {
    if (!current) return;
    const rows = flatRows(current.result);
    const keys = [];
    rows.forEach((r) => Object.keys(r).forEach((k) => { if (!keys.includes(k)) keys.push(k); }));
    VL.download(`visalever-simulation-${current.job.id}.csv`, VL.toCSV(keys.map((key) => ({ key })), rows), "text/csv");
  });
  metricSelect.addEventListener("change", () => {
    if (!current) return;
    VL.replaceQuery({ metric: metricSelect.value });
    renderCountries();
  });
  const showPolicyNotes = () => {
    VL.clearNotes();
    VL.surfaceNotes(policies.filter((p) => p && (p.id === reform.value || p.id === baseline.value)));
  };
  reform.addEventListener("change", showPolicyNotes);
  baseline.addEventListener("change", showPolicyNotes);
  form.addEventListener("submit", run);
  window.addEventListener("popstate", showFromUrl);
  VL.tokenForm({ form: document.getElementById("token-form"), input: document.getElementById("token"),
    forget: document.getElementById("forget-token"), state: document.getElementById("token-state"),
    onChange: () => { VL.clearErrors(); if (VL.params().get("sim") && !current) showFromUrl(); } });
  loadPolicies().then(showFromUrl).then(() => { document.body.dataset.loaded = "true"; });
})();
