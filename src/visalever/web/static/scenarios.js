/* Scenarios: baseline against reform through POST /v1/simulations, progress by polling
 * GET /v1/simulations/{id}, then totals, a per-country breakdown with 5/50/95 % bands, a chart with its
 * table, and CSV / JSON downloads of exactly the document the API returned. */
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
    } catch (err) {
      VL.error(err.message);
    }
  }

  async function uploadReform(file) {
    const text = await file.text();
    const answer = await VL.api("/scenarios/reform-files", {
      method: "POST", body: text, headers: { "Content-Type": "application/yaml", "X-Filename": file.name },
    });
    return answer.path;
  }

  function setProgress(fraction, message) {
    progressBox.hidden = false;
    progress.value = fraction;
    progressText.textContent = `${Math.round(fraction * 100)} % ${message || ""}`;
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
        year: Number(document.getElementById("year").value),
        draws: Number(document.getElementById("draws").value),
        microdata: document.getElementById("microdata").checked,
      };
      VL.replaceQuery({ policy: reformFile.files.length ? null : policy, baseline: body.baseline });
      setProgress(0, "submitting");
      let job = await VL.api("/v1/simulations", {
        method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" },
      });
      VL.addTwin("Simulation", `/v1/simulations/${job.id}`);
      while (job.status !== "done" && job.status !== "failed") {
        setProgress(job.progress || 0, job.message || job.status);
        await new Promise((r) => setTimeout(r, POLL_MS));
        job = await VL.api(`/v1/simulations/${job.id}`);
      }
      setProgress(job.progress || 1, job.message || job.status);
      if (job.status === "failed") throw new Error(`simulation failed: ${job.error}`);
      current = { job, result: job.result };
      render();
    } catch (err) {
      VL.error(err.message);
    } finally {
      runButton.disabled = false;
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
    const currency = (doc.metadata && doc.metadata.currency) || "";
    const names = figureNames(doc);

    const cards = VL.clear(document.getElementById("totals-cards"));
    for (const name of ["visas_not_issued", "applications_affected", "fee_revenue_change", "surcharge_revenue", "leverage"]) {
      if (!(name in doc.totals)) continue;
      const v = doc.totals[name];
      const money = name.includes("revenue") ? ` ${currency}` : "";
      cards.append(VL.el("div", { class: "card" }, VL.el("div", {}, label(name)),
        VL.el("div", { class: "figure", "data-path": `totals.${name}${isBand(v) ? ".p50" : ""}`, "data-value": p50(v) ?? "" },
          VL.fmt(p50(v)) + money),
        isBand(v) ? VL.el("div", { class: "band" }, `5–95 %: ${VL.fmt(v.p5)} to ${VL.fmt(v.p95)}`) : null));
    }

    const totalRows = names.filter((n) => n in doc.totals).map((name) => ({ name, v: doc.totals[name] }));
    VL.table(document.getElementById("totals-table"), [
      { key: "name", label: "Figure", value: (r) => label(r.name) },
      { key: "p5", label: "p5", numeric: true, value: (r) => (isBand(r.v) ? r.v.p5 : null), path: (r) => `totals.${r.name}.p5` },
      { key: "p50", label: "p50 (or value)", numeric: true, value: (r) => p50(r.v),
        path: (r) => `totals.${r.name}${isBand(r.v) ? ".p50" : ""}` },
      { key: "p95", label: "p95", numeric: true, value: (r) => (isBand(r.v) ? r.v.p95 : null), path: (r) => `totals.${r.name}.p95` },
    ], totalRows, { caption: `Totals (${doc.metadata ? doc.metadata.year : ""}, currency ${currency})`, id: "totals" });
    if (doc.totals.unallocated) {
      VL.note(`Unallocated: ${VL.fmt(doc.totals.unallocated.published_grants)} published grants are in the national ` +
        `total but in no nationality row (${doc.totals.unallocated.note || ""}).`, "gap");
    }

    VL.clear(metricSelect);
    for (const name of names.filter((n) => (doc.countries || []).some((c) => typeof c[n] === "number" || isBand(c[n])))) {
      metricSelect.append(VL.el("option", { value: name }, label(name)));
    }
    metricSelect.value = names.includes("visas_not_issued") ? "visas_not_issued" : metricSelect.options[0]?.value;
    renderCountries();
  }

  function renderCountries() {
    const doc = current.result;
    const metric = metricSelect.value;
    const countries = doc.countries || [];
    const bandOf = (c) => c[metric];
    const columns = [
      { key: "iso3", label: "ISO3", href: (c) => `/countries/${c.iso3}` },
      { key: "published_grants", label: label("published_grants"), numeric: true },
      { key: "people_not_returned", label: label("people_not_returned"), numeric: true },
      { key: "p5", label: `${label(metric)} p5`, numeric: true, value: (c) => (isBand(bandOf(c)) ? bandOf(c).p5 : null),
        path: (c, i) => `countries.${i}.${metric}.p5` },
      { key: "p50", label: `${label(metric)} p50`, numeric: true, value: (c) => p50(bandOf(c)),
        path: (c, i) => `countries.${i}.${metric}${isBand(bandOf(c)) ? ".p50" : ""}` },
      { key: "p95", label: `${label(metric)} p95`, numeric: true, value: (c) => (isBand(bandOf(c)) ? bandOf(c).p95 : null),
        path: (c, i) => `countries.${i}.${metric}.p95` },
    ];
    VL.table(document.getElementById("country-table"), columns, countries, {
      caption: `${label(metric)} by country`, filename: `visalever-simulation-${metric}`, id: "country-results", rowKey: "iso3",
    });
    const top = countries.filter((c) => p50(bandOf(c))).sort((a, b) => Math.abs(p50(bandOf(b))) - Math.abs(p50(bandOf(a)))).slice(0, 25);
    const banded = top.some((c) => isBand(bandOf(c)));
    const chart = document.getElementById("country-chart");
    if (!top.length) {
      Plotly.purge(chart);
      chart.append(VL.el("p", { class: "chart-empty" }, `${label(metric)}: zero or empty for every country in this run.`));
      return;
    }
    const empty = chart.querySelector(".chart-empty");
    if (empty) empty.remove();
    VL.plot(chart, [{
      type: "bar", x: top.map((c) => c.iso3), y: top.map((c) => p50(bandOf(c))), name: "p50",
      marker: { color: VL.PALETTE[0] },
      error_y: banded ? { type: "data", symmetric: false, color: VL.PALETTE[5],
        array: top.map((c) => (isBand(bandOf(c)) ? bandOf(c).p95 - bandOf(c).p50 : 0)),
        arrayminus: top.map((c) => (isBand(bandOf(c)) ? bandOf(c).p50 - bandOf(c).p5 : 0)) } : undefined,
    }], { title: { text: `${label(metric)}: 25 largest (p50${banded ? ", bars 5–95 %" : ""})` }, height: 420 });
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
  metricSelect.addEventListener("change", () => current && renderCountries());
  const showPolicyNotes = () => {
    VL.clearNotes();
    VL.surfaceNotes(policies.filter((p) => p && (p.id === reform.value || p.id === baseline.value)));
  };
  reform.addEventListener("change", showPolicyNotes);
  baseline.addEventListener("change", showPolicyNotes);
  form.addEventListener("submit", run);
  loadPolicies();
})();
