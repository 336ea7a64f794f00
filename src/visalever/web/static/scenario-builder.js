/* Scenario builder: rows (nationality or group, measure, categories, dates; parameter changes) instead
 * of YAML. Every edit is sent to POST /v1/scenarios/validate (debounced), which answers with the reform
 * YAML, the errors by row and field (shown next to the field at fault) and the countries each group
 * became. "Save and run" saves it (POST /v1/scenarios, kept for this token), puts its id in the URL
 * (?scenario=rf_...) and runs it with the page's own simulation form (POST /v1/simulations), so the
 * result is shown, linked and downloaded exactly like any other run. "Download YAML" gives the file that
 * `visalever simulate --policy <file>` reproduces. Same origin only; helpers from common.js (VL). */
"use strict";

(() => {
  const root = document.getElementById("scenario-builder");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const base = $("sb-base");
  const title = $("sb-title");
  const rowsBody = $("sb-rows").querySelector("tbody");
  const paramsBody = $("sb-params").querySelector("tbody");
  const problems = $("sb-problems");
  const state = $("sb-state");
  const yamlBox = $("sb-yaml");
  const groupsBox = $("sb-groups");
  const downloadButton = $("sb-download");
  const runButton = $("sb-run");
  const link = $("sb-link");
  const DEBOUNCE_MS = 350;
  let catalogue = null;
  let last = null; // the last answer of /validate for the current rows
  let timer = null;
  let seq = 0;

  const today = () => VL.today();
  const jsonHeaders = () => ({ "Content-Type": "application/json", ...VL.authHeaders() });

  async function loadCatalogue(wanted) {
    catalogue = await VL.api(`/v1/scenarios/catalogue?base=${encodeURIComponent(wanted || base.value || "uk-statutory")}`);
    const targets = VL.clear($("sb-targets"));
    for (const g of catalogue.groups) targets.append(VL.el("option", { value: g.id }, g.label));
    for (const c of catalogue.countries) targets.append(VL.el("option", { value: c }));
    for (const select of root.querySelectorAll("select[data-field=measure]")) fillMeasures(select, select.value);
    for (const select of root.querySelectorAll("select[data-field=parameter]")) fillParameters(select, select.value);
  }

  function fillMeasures(select, value) {
    VL.clear(select);
    select.append(VL.el("option", { value: "" }, "— measure —"));
    for (const m of (catalogue && catalogue.measures) || []) {
      select.append(VL.el("option", { value: m.id }, `${m.id}: ${m.title}`));
    }
    if (value) select.value = value;
  }

  function fillParameters(select, value) {
    VL.clear(select);
    select.append(VL.el("option", { value: "" }, "— parameter —"));
    for (const p of (catalogue && catalogue.parameters) || []) {
      const unit = p.currency || p.unit;
      select.append(VL.el("option", { value: p.id }, `${p.id} (${unit})`));
    }
    if (value) select.value = value;
  }

  /* A field and the place its error is shown (the error is tied to it by aria-describedby). */
  function field(control, name, index, kind) {
    const id = `sb-${kind}-${index}-${name}-${Math.random().toString(36).slice(2, 7)}`;
    control.dataset.field = name;
    control.id = control.id || `${id}-input`;
    const error = VL.el("span", { class: "field-error", id: `${id}-error`, "data-error-for": name });
    control.setAttribute("aria-describedby", error.id);
    control.addEventListener("input", schedule);
    control.addEventListener("change", schedule);
    return VL.el("td", { "data-field": name }, control, error);
  }

  function addRow(values = {}) {
    const tr = VL.el("tr", { class: "sb-row" });
    const n = rowsBody.children.length + 1;
    const target = VL.el("input", { type: "text", list: "sb-targets", size: 18, value: values.target || "",
      "aria-label": `Row ${n}: nationality (ISO3) or group`, placeholder: "PAK or no_agreement" });
    const measure = VL.el("select", { "aria-label": `Row ${n}: measure`, style: "max-width: 20em" });
    fillMeasures(measure, values.measure);
    // aria-label, not a visually hidden legend: an absolutely positioned legend escapes the table's scroll region
    const cats = VL.el("fieldset", { class: "sb-categories", "aria-label": `Row ${n}: categories`,
      style: "display: flex; flex-wrap: wrap; gap: .2rem .8rem; border: 0; padding: 0; margin: 0; min-width: 14em" });
    for (const c of (catalogue && catalogue.categories) || ["visit", "study", "work", "family", "other"]) {
      const box = VL.el("input", { type: "checkbox", value: c, "data-category": c });
      if ((values.categories || []).includes(c)) box.checked = true;
      cats.append(VL.el("label", {}, box, ` ${c}`));
    }
    const start = VL.el("input", { type: "date", value: values.start || "", "aria-label": `Row ${n}: start date` });
    const end = VL.el("input", { type: "date", value: values.end || "", "aria-label": `Row ${n}: end date (optional)` });
    const remove = VL.el("button", { type: "button", class: "secondary", "aria-label": `Remove row ${n}` }, "Remove");
    remove.addEventListener("click", () => { tr.remove(); schedule(); });
    tr.append(field(target, "target", n, "row"), field(measure, "measure", n, "row"), field(cats, "categories", n, "row"),
      field(start, "start", n, "row"), field(end, "end", n, "row"), VL.el("td", {}, remove));
    rowsBody.append(tr);
    return tr;
  }

  function addParam(values = {}) {
    const tr = VL.el("tr", { class: "sb-param" });
    const n = paramsBody.children.length + 1;
    const parameter = VL.el("select", { "aria-label": `Parameter change ${n}: parameter` });
    fillParameters(parameter, values.parameter);
    const value = VL.el("input", { type: "text", size: 10, value: values.value ?? "", "aria-label": `Parameter change ${n}: new value` });
    const start = VL.el("input", { type: "date", value: values.start || "", "aria-label": `Parameter change ${n}: from` });
    const remove = VL.el("button", { type: "button", class: "secondary", "aria-label": `Remove parameter change ${n}` }, "Remove");
    remove.addEventListener("click", () => { tr.remove(); schedule(); });
    tr.append(field(parameter, "parameter", n, "param"), field(value, "value", n, "param"), field(start, "start", n, "param"),
      VL.el("td", {}, remove));
    paramsBody.append(tr);
    return tr;
  }

  const valueOf = (tr, name) => tr.querySelector(`[data-field=${name}]:not(td)`);

  function body() {
    return {
      base: base.value || "uk-statutory",
      title: title.value.trim() || null,
      designations: [...rowsBody.children].map((tr) => {
        const cats = [...tr.querySelectorAll("input[data-category]:checked")].map((b) => b.value);
        return { target: valueOf(tr, "target").value.trim(), measure: valueOf(tr, "measure").value,
          categories: cats.length ? cats : null, start: valueOf(tr, "start").value, end: valueOf(tr, "end").value || null };
      }),
      parameters: [...paramsBody.children].map((tr) => ({ parameter: valueOf(tr, "parameter").value,
        value: valueOf(tr, "value").value.trim(), start: valueOf(tr, "start").value })),
    };
  }

  function schedule() {
    // a blur after typing fires `change` with nothing new: keep the validated answer (and the buttons)
    if (last && JSON.stringify(last.payload) === JSON.stringify(body())) return;
    last = null;
    root.dataset.validated = "pending";
    downloadButton.disabled = true;
    clearTimeout(timer);
    timer = setTimeout(validate, DEBOUNCE_MS);
  }

  function clearFieldErrors() {
    for (const span of root.querySelectorAll(".field-error")) span.textContent = "";
    for (const c of root.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
    VL.clear(problems);
  }

  function showErrors(errors) {
    for (const e of errors) {
      const tbody = e.section === "designations" ? rowsBody : e.section === "parameters" ? paramsBody : null;
      const tr = tbody && e.row !== null ? tbody.children[e.row] : null;
      const cell = tr ? tr.querySelector(`td[data-field="${e.field}"]`) : null;
      if (cell) {
        cell.querySelector(".field-error").textContent = e.message;
        cell.querySelector("[data-field]").setAttribute("aria-invalid", "true");
      } else {
        problems.append(VL.el("p", { class: "error", "data-location": e.location }, `${e.location}: ${e.message}`));
      }
    }
  }

  function showGroups(groups) {
    VL.clear(groupsBox);
    if (!groups || !groups.length) return;
    groupsBox.append(VL.el("h3", {}, "What each group became"));
    const list = VL.el("ul", { id: "sb-group-list" });
    for (const g of groups) {
      list.append(VL.el("li", { "data-row": g.row, "data-count": g.count },
        `Row ${g.row + 1}: ${g.group} on ${VL.fmtDate(g.as_of)}: ${VL.count(g.count)} countries (${g.basis}). `,
        VL.el("details", {}, VL.el("summary", {}, "Countries"), VL.el("p", { class: "sb-countries" }, g.countries.join(" ")))));
    }
    groupsBox.append(list);
  }

  async function validate() {
    const mine = ++seq;
    const payload = body();
    if (!payload.designations.length && !payload.parameters.length) {
      clearFieldErrors();
      yamlBox.textContent = "";
      state.textContent = "Add a measure row or a parameter change.";
      return;
    }
    if (!VL.token()) {
      state.textContent = "Enter an analyst or policy_admin token above: the server validates the rows.";
      return;
    }
    state.textContent = "Validating on the server…";
    try {
      const answer = await VL.api("/v1/scenarios/validate", { method: "POST", body: JSON.stringify(payload), headers: jsonHeaders() });
      if (mine !== seq) return; // a newer edit is on its way
      clearFieldErrors();
      showErrors(answer.errors);
      showGroups(answer.groups);
      if (answer.ok) {
        last = { ...answer, payload };
        yamlBox.textContent = answer.yaml;
        downloadButton.disabled = false;
        state.textContent = `Valid: scenario ${answer.id} (status scenario; every row hypothetical).`;
      } else {
        yamlBox.textContent = "";
        state.textContent = `${answer.errors.length} problem${answer.errors.length === 1 ? "" : "s"}: see the fields marked.`;
      }
      root.dataset.validated = answer.ok ? "ok" : "errors";
    } catch (err) {
      if (mine !== seq) return;
      state.textContent = err.status === 401 || err.status === 403 ?
        "Validation needs an analyst or policy_admin token (enter it above)." : `Validation failed: ${err.message}`;
    }
  }

  async function saveAndRun() {
    VL.clearErrors();
    clearTimeout(timer);
    if (!last) await validate();
    if (!last) { VL.error("scenario: fix the fields marked before running it"); return; }
    runButton.disabled = true;
    try {
      const saved = await VL.api("/v1/scenarios", { method: "POST", body: JSON.stringify(last.payload), headers: jsonHeaders() });
      showSaved(saved);
      const reform = $("reform");
      const form = $("scenario-form");
      if (!reform || !form) throw new Error("scenarios page: the simulation form is missing");
      if (![...reform.options].some((o) => o.value === saved.id)) {
        reform.append(VL.el("option", { value: saved.id }, `${saved.policy_id} (saved scenario ${saved.id})`));
      }
      reform.value = saved.id;
      const file = $("reform-file");
      if (file) file.value = "";
      form.requestSubmit(); // the page's own run: POST /v1/simulations with the baseline, year and draws above
    } catch (err) {
      VL.error(err.status === 401 || err.status === 403 ?
        `token: saving a scenario needs an analyst or policy_admin token (enter it above). ${err.message}` : err.message);
    } finally {
      runButton.disabled = false;
    }
  }

  function showSaved(saved) {
    VL.replaceQuery({ scenario: saved.id });
    VL.addTwin("Scenario", `/v1/scenarios/${saved.id}`);
    link.hidden = false;
    link.href = saved.url;
    link.textContent = `Link to this scenario (${saved.id})`;
    root.dataset.scenario = saved.id;
  }

  downloadButton.addEventListener("click", () => {
    if (last && last.yaml) VL.download(`${last.id}.yaml`, last.yaml, "application/yaml");
  });
  runButton.addEventListener("click", saveAndRun);
  $("sb-add-row").addEventListener("click", () => { const tr = addRow({ start: today() }); valueOf(tr, "target").focus(); schedule(); });
  $("sb-add-param").addEventListener("click", () => { const tr = addParam({ start: today() }); valueOf(tr, "parameter").focus(); schedule(); });
  title.addEventListener("input", schedule);
  base.addEventListener("change", async () => {
    try { await loadCatalogue(base.value); } catch (err) { VL.error(err.message); }
    schedule();
  });
  const tokenForm = $("token-form");
  if (tokenForm) tokenForm.addEventListener("submit", () => setTimeout(schedule, 0));

  /* ?scenario=rf_... reopens a saved scenario (this token's) with its rows. */
  async function openFromUrl() {
    const id = VL.params().get("scenario");
    if (!id) return false;
    try {
      const saved = await VL.api(`/v1/scenarios/${encodeURIComponent(id)}`, { headers: VL.authHeaders() });
      const rows = saved.rows || { base: saved.extends, designations: [], parameters: [] };
      if (rows.base && [...base.options].some((o) => o.value === rows.base)) base.value = rows.base;
      await loadCatalogue(base.value);
      title.value = rows.title || "";
      for (const r of rows.designations || []) addRow(r);
      for (const p of rows.parameters || []) addParam(p);
      showSaved(saved);
      const reform = $("reform");
      // the page's own script fills the reform list from /v1/policies: add this scenario once it has
      for (let i = 0; reform && reform.options.length === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
      if (reform && ![...reform.options].some((o) => o.value === saved.id)) {
        reform.append(VL.el("option", { value: saved.id }, `${saved.policy_id} (saved scenario ${saved.id})`));
      }
      if (reform) reform.value = saved.id;
      schedule();
      return true;
    } catch (err) {
      VL.error(`scenario ${id}: ${err.message}` + (err.status === 401 || err.status === 403 || err.status === 404 ?
        " A scenario is kept for the token that saved it: enter that token above." : ""));
      return false;
    }
  }

  async function init() {
    try {
      const policies = VL.asList(await VL.api("/v1/policies"), ["policies"]);
      for (const p of policies) base.append(VL.el("option", { value: p.id }, `${p.id} [${String(p.status).replace(/_/g, " ")}]`));
      if ([...base.options].some((o) => o.value === "uk-statutory")) base.value = "uk-statutory";
      if (!(await openFromUrl())) {
        await loadCatalogue(base.value);
        addRow({ start: today() });
        state.textContent = "Add rows; the reform YAML appears here once the server has validated them.";
      }
      root.dataset.ready = "true";
    } catch (err) {
      VL.error(`scenario builder: ${err.message}`);
    }
  }

  init();
})();
