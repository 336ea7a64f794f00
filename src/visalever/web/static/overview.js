/* Overview: world choropleth (agreement status, tier, designations in force, visas at stake) as of a
 * date, from GET /v1/countries?as_of=...; the table under the map holds exactly the rows drawn. */
"use strict";

(() => {
  const form = document.getElementById("map-controls");
  const asOf = document.getElementById("as-of");
  const mapDiv = document.getElementById("map");
  const tableBox = document.getElementById("country-table");
  const jurisdiction = document.getElementById("jurisdiction");
  const subtitle = document.getElementById("map-subtitle");
  let geojson = null;
  let rows = [];

  const LAYERS = {
    agreement: { label: "Agreement status", kind: "category" },
    tier: { label: "Assessed tier", kind: "category" },
    designations: { label: "Designations in force", kind: "number" },
    visas: { label: "Visas at stake", kind: "number" },
  };

  /* Visa totals per jurisdiction (the figure "at stake"): the snapshot's indicator names. */
  const VISA_INDICATOR = { uk: "visas.granted.total", eu: "visas.issued", us: "visas.issued.niv_total" };
  const inForce = (d, day) => Boolean(d.start) && d.start <= day && (!d.end || day < d.end);
  const annualYear = (period) => {
    const m = /^(?:FY)?(\d{4})$/.exec(String(period));
    return m ? Number(m[1]) : null;
  };

  /* One row per country, every figure taken from one of the JSON twins (see `load`). */
  const field = {
    iso3: (r) => r.iso3,
    name: (r) => r.name,
    agreement: (r) => r.agreement,
    tier: (r) => r.tier,
    designations: (r) => r.designations,
    visas: (r) => r.visas,
  };

  function compose(countries, agreements, designations, visas, assessments, day) {
    const byIso = new Map();
    for (const c of countries) {
      byIso.set(c.iso3, { iso3: c.iso3, name: c.name || c.iso3, agreement: "none recorded", tier: "not assessed",
        designations: 0, visas: null, visas_period: null, designation_ids: [] });
    }
    const row = (iso3) => {
      if (!byIso.has(iso3)) byIso.set(iso3, { iso3, name: iso3, agreement: "none recorded", tier: "not assessed",
        designations: 0, visas: null, visas_period: null, designation_ids: [] });
      return byIso.get(iso3);
    };
    for (const a of agreements) {
      const r = row(a.iso3);
      const kind = String(a.kind || "agreement").replace(/_/g, " ");
      r.agreement = r.agreement === "none recorded" ? kind : `${r.agreement}; ${kind}`;
    }
    for (const d of designations) {
      if (!inForce(d, day)) continue;
      const r = row(d.iso3);
      r.designations += 1;
      r.designation_ids.push(d.id);
    }
    const year = Number(day.slice(0, 4));
    for (const o of visas) {
      const y = annualYear(o.period);
      if (y === null || y > year || !o.iso3 || o.iso3 === "ALL") continue;
      const r = row(o.iso3);
      if (r.visas_period === null || y > annualYear(r.visas_period)) {
        r.visas = o.value;
        r.visas_period = String(o.period);
      }
    }
    for (const a of assessments) {
      if (!a || !a.iso3 || a.tier === undefined || a.tier === null) continue;
      row(a.iso3).tier = String(a.tier);
    }
    return [...byIso.values()];
  }

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
      `Designations in force: ${VL.fmt(field.designations(r))}<br>` +
      `Visas at stake: ${VL.fmt(field.visas(r))}${r.visas_period ? " (" + r.visas_period + ")" : ""}`);
    let trace;
    if (spec.kind === "category") {
      const categories = [...new Set(values)].sort();
      const n = Math.max(categories.length, 1);
      // Discrete steps of the Okabe-Ito palette, one band per category.
      const colorscale = [];
      const NEUTRAL = new Set(["none recorded", "not assessed", "insufficient_data"]);
      let used = 0;
      categories.forEach((category, i) => {
        const colour = NEUTRAL.has(category) ? "#d0d0d0" : VL.PALETTE[used++ % VL.PALETTE.length];
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
      geo: { scope: "world", resolution: 110, projection: { type: "natural earth" }, showframe: false,
        showcoastlines: false, showocean: false, showlakes: false, showrivers: false, showcountries: false,
        showsubunits: false, showland: true, landcolor: "#e6e6e6", lataxis: { range: [-58, 85] } },
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
      { key: "visas_period", label: "Visas period" },
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

  /* Plotly's geo base layers normally come from cdn.plot.ly; hand it the vendored world-atlas topology
   * (it has the `land` and `countries` objects Plotly reads) so nothing is fetched from elsewhere. */
  async function loadGeometry() {
    const [topology, features] = await Promise.all([
      VL.api("/assets/vendor/world-atlas/countries-110m.json"), VL.api("/assets/world.geojson"),
    ]);
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
    window.PlotlyGeoAssets.topojson.world_110m = topology;
    return features;
  }

  async function hasEndpoint(path) {
    if (!hasEndpoint.paths) {
      try { hasEndpoint.paths = Object.keys((await VL.api("/openapi.json")).paths || {}); } catch (_) { hasEndpoint.paths = []; }
    }
    return hasEndpoint.paths.includes(path);
  }

  async function load() {
    VL.clearErrors();
    VL.clearNotes();
    const day = asOf.value;
    const j = jurisdiction.value;
    const urls = {
      countries: "/v1/countries",
      agreements: `/v1/agreements?jurisdiction=${j}&as_of=${encodeURIComponent(day)}`,
      designations: "/v1/designations",
      visas: `/v1/indicators?jurisdiction=${j}&indicator=${encodeURIComponent(VISA_INDICATOR[j])}`,
    };
    for (const url of Object.values(urls)) VL.setTwin(url.split("?")[0], url);
    VL.replaceQuery({ as_of: day, layer: layer(), jurisdiction: j });
    try {
      const assessed = await hasEndpoint("/v1/assessments");
      if (!assessed) VL.dropTwin("/v1/assessments");
      const [geo, countries, agreements, designations, visas] = await Promise.all([
        geojson ? Promise.resolve(geojson) : loadGeometry(),
        VL.api(urls.countries), VL.api(urls.agreements), VL.api(urls.designations), VL.api(urls.visas),
      ]);
      // The assessment is per period: the as-of year, capped at the latest year the jurisdiction publishes.
      let assessments = [];
      if (assessed) {
        const years = VL.asList(visas, ["indicators"]).map((o) => annualYear(o.period)).filter((y) => y !== null);
        const year = Math.min(Number(day.slice(0, 4)), years.length ? Math.max(...years) : Number(day.slice(0, 4)));
        urls.assessments = `/v1/assessments?jurisdiction=${j}&period=${j === "us" ? "FY" : ""}${year}`;
        VL.setTwin("/v1/assessments", urls.assessments);
        assessments = await VL.api(urls.assessments);
      }
      if (!assessed) VL.note("Assessed tiers: the assessment endpoint is not available on this server.", "warning");
      geojson = geo;
      const jDesignations = VL.asList(designations, ["designations"]).filter((d) => !d.jurisdiction || d.jurisdiction === j);
      rows = compose(VL.asList(countries, ["countries"]), VL.asList(agreements, ["agreements"]), jDesignations,
        VL.asList(visas, ["indicators", "observations"]), VL.asList(assessments, ["assessments"]), day);
      if (assessed && assessments.method) {
        VL.note(`Assessed tiers (period ${assessments.period}): ${assessments.method.title || "analyst assessment"}. ` +
          "An assessment recommends; only a designation (a legal act) changes what applicants face.", "assessment");
      }
      drawMap();
      drawTable({ as_of: day, jurisdiction: j, sources: urls, countries: rows });
      if (assessed) subtitle.textContent += layer() === "tier" ? ` (assessment period ${assessments.period})` : "";
      document.body.dataset.loaded = "true";
    } catch (err) {
      VL.error(err.message);
    }
  }

  const query = VL.params();
  if (query.get("as_of")) asOf.value = query.get("as_of");
  if (query.get("jurisdiction") && VISA_INDICATOR[query.get("jurisdiction")]) jurisdiction.value = query.get("jurisdiction");
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
