/* Overview: world choropleth (agreement status, tier, designations in force, visas at stake) as of a
 * date, from GET /v1/countries?as_of=...; the table under the map holds exactly the rows drawn. */
"use strict";

(() => {
  const form = document.getElementById("map-controls");
  const asOf = document.getElementById("as-of");
  const mapDiv = document.getElementById("map");
  const tableBox = document.getElementById("country-table");
  const subtitle = document.getElementById("map-subtitle");
  let geojson = null;
  let rows = [];

  const LAYERS = {
    agreement: { label: "Agreement status", kind: "category" },
    tier: { label: "Assessed tier", kind: "category" },
    designations: { label: "Designations in force", kind: "number" },
    visas: { label: "Visas at stake", kind: "number" },
  };

  /* Field names of GET /v1/countries, read in one place. */
  const field = {
    iso3: (r) => VL.pick(r, ["iso3"]),
    name: (r) => VL.pick(r, ["name", "country"], VL.pick(r, ["iso3"])),
    agreement: (r) => {
      const v = VL.pick(r, ["agreement_status", "agreement.status", "agreement"]);
      if (v === null) return "none recorded";
      if (typeof v === "boolean") return v ? "agreement" : "none recorded";
      if (Array.isArray(v)) return v.length ? v.map((a) => a.kind || a.status || "agreement").join("; ") : "none recorded";
      if (typeof v === "object") return v.kind || v.status || "agreement";
      return String(v);
    },
    tier: (r) => {
      const v = VL.pick(r, ["tier", "assessment.tier", "assessed_tier"]);
      return v === null ? "not assessed" : String(v);
    },
    designations: (r) => {
      const v = VL.pick(r, ["designations_in_force", "designations.in_force", "designations"], 0);
      return Array.isArray(v) ? v.length : Number(v);
    },
    visas: (r) => VL.pick(r, ["visas_at_stake", "visas.total", "visas_granted", "visas"]),
  };

  function layer() {
    return form.querySelector("input[name=layer]:checked").value;
  }

  function drawMap() {
    const key = layer();
    const spec = LAYERS[key];
    subtitle.textContent = `${spec.label}, as of ${asOf.value}`;
    const located = rows.filter((r) => field.iso3(r));
    const locations = located.map(field.iso3);
    const values = located.map(field[key]);
    const hover = located.map((r) =>
      `<b>${field.name(r)}</b> (${field.iso3(r)})<br>` +
      `Agreement: ${field.agreement(r)}<br>Tier: ${field.tier(r)}<br>` +
      `Designations in force: ${VL.fmt(field.designations(r))}<br>Visas at stake: ${VL.fmt(field.visas(r))}`);
    let trace;
    if (spec.kind === "category") {
      const categories = [...new Set(values)].sort();
      const n = Math.max(categories.length, 1);
      // Discrete steps of the Okabe-Ito palette, one band per category.
      const colorscale = [];
      categories.forEach((_, i) => {
        const colour = VL.PALETTE[i % VL.PALETTE.length];
        colorscale.push([i / n, colour], [(i + 1) / n, colour]);
      });
      if (!colorscale.length) colorscale.push([0, VL.PALETTE[0]], [1, VL.PALETTE[0]]);
      trace = {
        z: values.map((v) => categories.indexOf(v) + 0.5),
        zmin: 0, zmax: n, colorscale,
        colorbar: {
          title: { text: spec.label }, tickvals: categories.map((_, i) => i + 0.5), ticktext: categories,
        },
      };
    } else {
      trace = { z: values.map((v) => (v === null || v === undefined ? null : Number(v))), colorscale: "Viridis",
        reversescale: true, colorbar: { title: { text: spec.label } } };
    }
    VL.plot(mapDiv, [{
      type: "choropleth",
      geojson,
      featureidkey: "id",
      locations,
      text: hover,
      hovertemplate: "%{text}<extra></extra>",
      marker: { line: { color: "#ffffff", width: 0.5 } },
      ...trace,
    }], {
      geo: { projection: { type: "natural earth" }, showframe: false, showcoastlines: false,
        showland: true, landcolor: "#e6e6e6", fitbounds: false, lataxis: { range: [-58, 85] } },
      margin: { t: 10, r: 10, b: 10, l: 10 },
      height: 500,
    });
    mapDiv.removeAllListeners?.("plotly_click");
    mapDiv.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      if (point && point.location) window.location.href = `/countries/${point.location}`;
    });
  }

  function drawTable(json) {
    const columns = [
      { key: "iso3", label: "ISO3", href: (r) => `/countries/${field.iso3(r)}` },
      { key: "name", label: "Country", value: field.name },
      { key: "agreement", label: "Agreement status", value: field.agreement },
      { key: "tier", label: "Assessed tier", value: field.tier },
      { key: "designations", label: "Designations in force", value: field.designations, numeric: true },
      { key: "visas", label: "Visas at stake", value: field.visas, numeric: true },
    ];
    VL.table(tableBox, columns, rows, {
      caption: `Countries as of ${asOf.value} (${rows.length})`,
      filename: `visalever-countries-${asOf.value}`,
      rowKey: "iso3",
      id: "countries",
    });
    const jsonButton = VL.el("button", { type: "button", class: "download",
      onclick: () => VL.download(`visalever-countries-${asOf.value}.json`, JSON.stringify(json, null, 2),
        "application/json") }, "Download JSON");
    tableBox.querySelector(".table-tools").append(jsonButton);
  }

  async function load() {
    VL.clearErrors();
    const url = `/v1/countries?as_of=${encodeURIComponent(asOf.value)}`;
    VL.setTwin(0, url);
    VL.replaceQuery({ as_of: asOf.value, layer: layer() });
    try {
      const [geo, json] = await Promise.all([
        geojson ? Promise.resolve(geojson) : VL.api("/assets/world.geojson"),
        VL.api(url),
      ]);
      geojson = geo;
      rows = VL.asList(json, ["countries"]);
      VL.surfaceNotes(json);
      drawMap();
      drawTable(json);
    } catch (err) {
      VL.error(err.message);
    }
  }

  const query = VL.params();
  if (query.get("as_of")) asOf.value = query.get("as_of");
  if (query.get("layer") && LAYERS[query.get("layer")]) {
    form.querySelector(`input[name=layer][value=${query.get("layer")}]`).checked = true;
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  form.querySelectorAll("input[name=layer]").forEach((r) => r.addEventListener("change", () => {
    VL.replaceQuery({ layer: layer() });
    if (geojson) drawMap();
  }));
  load();
})();
