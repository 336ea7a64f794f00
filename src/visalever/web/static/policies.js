/* Policies: the list from GET /v1/policies; one policy as of a date from GET /v1/policies/{id}?as_of=...;
 * two side by side, every leaf of the JSON aligned by a stable key (id, or iso3/category) so a diff
 * compares like with like. */
"use strict";

(() => {
  const form = document.getElementById("policy-controls");
  const selectA = document.getElementById("policy-a");
  const selectB = document.getElementById("policy-b");
  const asOf = document.getElementById("as-of");

  /* Flatten JSON to [path, value] leaves; array items keyed by id or iso3/category when they have one. */
  function leaves(value, prefix = "", out = new Map()) {
    if (Array.isArray(value)) {
      if (!value.length) out.set(prefix, "[]");
      value.forEach((item, i) => {
        let key = String(i);
        if (item && typeof item === "object" && !Array.isArray(item)) {
          if (item.iso3 !== undefined && item.category !== undefined) key = `${item.iso3}/${item.category}`;
          else if (typeof item.id === "string") key = item.id;
          else if (typeof item.measure === "string" && item.source === undefined) key = item.measure;
        }
        leaves(item, prefix ? `${prefix}[${key}]` : `[${key}]`, out);
      });
    } else if (value && typeof value === "object") {
      if (!Object.keys(value).length) out.set(prefix, "{}");
      for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
    } else {
      out.set(prefix, value);
    }
    return out;
  }

  function policyUrl(id) {
    return `/v1/policies/${encodeURIComponent(id)}?as_of=${encodeURIComponent(asOf.value)}`;
  }

  async function loadList() {
    const json = await VL.api("/v1/policies");
    const list = VL.asList(json, ["policies"]);
    const items = list.map((p) => (typeof p === "string" ? { id: p } : p));
    VL.table(document.getElementById("policy-list"),
      VL.columnsOf(items, ["id", "title", "jurisdiction", "status", "extends", "note"]), items, {
        caption: "Policies", filename: "visalever-policies", pathPrefix: "", id: "policies", rowKey: "id",
        collapsed: "Show all policies", json: () => items,
      });
    for (const p of items) {
      selectA.append(VL.el("option", { value: p.id }, p.id));
      selectB.append(VL.el("option", { value: p.id }, p.id));
    }
    return items;
  }

  /* What an analyst reads first stays open (parameters, tiers, measures applied); the rest of the policy
   * document sits behind "Show table", reached from the jump list. */
  const OPEN_PARTS = new Set(["parameters", "tiers", "measures_applied"]);
  const isMoneyUnit = (u) => /^[A-Z]{3}$/.test(String(u || ""));

  function renderOne(json, id) {
    const view = VL.clear(document.getElementById("policy-view"));
    document.getElementById("policy-heading").textContent = `Policy ${id} as of ${asOf.value}`;
    const scalars = Object.fromEntries(Object.entries(json).filter(([, v]) => v === null || typeof v !== "object"));
    VL.definitionList(view, scalars);
    const parts = Object.entries(json).filter(([, v]) => v !== null && typeof v === "object");
    if (parts.length > 1) {
      view.append(VL.el("nav", { class: "jump-list", "aria-label": "Parts of this policy" },
        VL.el("ul", {}, parts.map(([key]) => VL.el("li", {}, VL.el("a", { href: `#part-${key}` }, key.replace(/_/g, " ")))))));
    }
    for (const [key, value] of parts) {
      const section = VL.el("div", { class: "policy-part", "data-part": key });
      view.append(VL.el("h3", { id: `part-${key}` }, key.replace(/_/g, " ")), section);
      const collapsed = OPEN_PARTS.has(key) ? false : "Show table";
      if (Array.isArray(value) && value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
        // Money shown rounded with its currency where a row says its unit is one (fees, surcharges).
        const columns = VL.columnsOf(value).map((c) => (c.key === "value" ? { ...c,
          format: (v, r) => (typeof v === "number" && isMoneyUnit(r.unit) ? VL.money(v, r.unit) : VL.node(v)) } : c));
        VL.table(section, columns, value, { caption: key, filename: `visalever-${id}-${key}-${asOf.value}`,
          pathPrefix: key, collapsed, json: () => value });
      } else {
        const rows = [...leaves(value, key).entries()].map(([path, v]) => ({ path, value: v }));
        VL.table(section, [{ key: "path", label: "field" }, { key: "value", label: "value" }], rows,
          { caption: key, filename: `visalever-${id}-${key}-${asOf.value}`, collapsed, json: () => value });
      }
    }
  }

  function renderDiff(a, b, idA, idB) {
    const section = document.getElementById("diff-section");
    section.hidden = false;
    const la = leaves(a), lb = leaves(b);
    const paths = [...new Set([...la.keys(), ...lb.keys()])];
    const rows = paths.map((path) => ({
      path, a: la.has(path) ? la.get(path) : undefined, b: lb.has(path) ? lb.get(path) : undefined,
    })).map((r) => ({ ...r, changed: JSON.stringify(r.a) !== JSON.stringify(r.b) }));
    const changed = rows.filter((r) => r.changed);
    const container = VL.clear(document.getElementById("policy-diff"));
    const only = VL.el("input", { type: "checkbox", id: "only-changes", checked: true });
    container.append(VL.el("p", {}, `${changed.length} of ${rows.length} fields differ between `,
      VL.el("strong", {}, idA), " and ", VL.el("strong", {}, idB), ` as of ${asOf.value}. `),
    VL.el("label", {}, only, " Show only differences"));
    const tableBox = VL.el("div");
    container.append(tableBox);
    const draw = () => {
      const shown = only.checked ? changed : rows;
      const table = VL.table(tableBox, [
        { key: "path", label: "field" },
        { key: "a", label: idA, value: (r) => (r.a === undefined ? "(absent)" : r.a) },
        { key: "b", label: idB, value: (r) => (r.b === undefined ? "(absent)" : r.b) },
      ], shown, { caption: `${idA} vs ${idB}`, filename: `visalever-diff-${idA}-${idB}-${asOf.value}`, id: "diff" });
      table.querySelectorAll("tbody tr").forEach((tr, i) => { if (shown[i] && shown[i].changed) tr.classList.add("changed"); });
    };
    only.addEventListener("change", draw);
    draw();
  }

  async function show(event) {
    if (event) event.preventDefault();
    VL.clearErrors();
    VL.clearNotes();
    const idA = selectA.value, idB = selectB.value;
    if (!idA) return;
    VL.setTwin(0, policyUrl(idA));
    const state = { policy: idA, as_of: asOf.value, compare: idB || null };
    if (event && event.type === "submit") VL.pushQuery(state); else VL.replaceQuery(state);
    try {
      const [a, b] = await Promise.all([VL.api(policyUrl(idA)), idB ? VL.api(policyUrl(idB)) : null]);
      VL.surfaceNotes(a);
      renderOne(a, idA);
      VL.setVintage([a, b].filter(Boolean).map((p, i) => `${i ? idB : idA}: law as of ${asOf.value}, revision ${p.revision || "—"}` +
        `${p.status ? ", " + String(p.status).replace(/_/g, " ") : ""}; fees and parameters as recorded in its regime files ` +
        "(a value not re-read in its primary source says so).").join(" "));
      if (b) { VL.surfaceNotes(b); renderDiff(a, b, idA, idB); } else document.getElementById("diff-section").hidden = true;
      document.body.dataset.loaded = "true";
    } catch (err) {
      VL.error(err.message);
    }
  }

  let items = [];
  function fromUrl() {
    const query = VL.params();
    asOf.value = query.get("as_of") || asOf.defaultValue;
    selectA.value = query.get("policy") || (items.find((p) => p.id === "uk-statutory") || items[0] || {}).id || "";
    selectB.value = query.get("compare") || "";
  }
  (async () => {
    try {
      items = await loadList();
      fromUrl();
      await show();
    } catch (err) {
      VL.error(err.message);
    }
  })();
  window.addEventListener("popstate", () => { fromUrl(); show(); });
  form.addEventListener("submit", show);
})();
