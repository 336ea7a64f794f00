/* Overview: a world map (agreement status, assessed tier, designations in force, visas at stake) as of a
 * date, from the /v1 JSON twins; the table under the map holds exactly the rows drawn.
 *
 * The map is plain SVG drawn here from the world-atlas outlines (raw data folder) (GeoJSON keyed by ISO3, served
 * by this app): no chart library to parse first, so the map is on screen as soon as the figures arrive.
 * Each legend entry is one kind (one agreement kind, one tier, one bin of a count), never a mixture.
 * The assessment period defaults to the latest one that can be scored, and the page says which and why. */
"use strict";

(() => {
  const form = document.getElementById("map-controls");
  const asOf = document.getElementById("as-of");
  const mapDiv = document.getElementById("map");
  const tooltip = document.getElementById("map-tooltip");
  const legendBox = document.getElementById("map-legend");
  const tableBox = document.getElementById("country-table");
  const jurisdiction = document.getElementById("jurisdiction");
  const periodSelect = document.getElementById("period");
  const periodStatus = document.getElementById("period-status");
  const subtitle = document.getElementById("map-subtitle");
  const el = VL.el;
  const SVG = "http://www.w3.org/2000/svg";
  /* "A reasonable number of scored countries": below this, a period's map would be mostly blank. */
  const MIN_SCORED = 50;
  let geojson = null;
  let rows = [];
  let assessmentInfo = null;

  const LAYERS = {
    agreement: { label: "Agreement status" },
    tier: { label: "Assessed tier" },
    designations: { label: "Designations in force" },
    visas: { label: "Visas at stake" },
  };

  /* Visa totals per jurisdiction (the figure "at stake"): the snapshot's indicator names. */
  const VISA_INDICATOR = { uk: "visas.granted.total", eu: "visas.issued", us: "visas.issued.niv_total" };
  /* The most binding instrument wins when a country has several (one kind per legend entry). */
  const AGREEMENT_ORDER = ["readmission_treaty", "agreement", "exchange_of_letters", "standard_operating_procedures",
    "mou", "arrangement", "mobility_partnership"];
  const NEUTRAL = "#d9d9d9";
  const NO_DATA = "#f2f2f2";
  const TIERS = [
    ["non_cooperating", "non-cooperating", "#D55E00"],
    ["partially_cooperating", "partially cooperating", "#E69F00"],
    ["cooperating", "cooperating", "#009E73"],
    ["insufficient_data", "insufficient data", NEUTRAL],
    ["not assessed", "not assessed", NO_DATA],
  ];
  const SEQUENTIAL = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  const inForce = (d, day) => Boolean(d.start) && d.start <= day && (!d.end || day < d.end);
  const annualYear = (period) => {
    const info = VL.periodInfo(period);
    return info.annual ? info.year : null;
  };
  const kindLabel = (k) => String(k || "").replace(/_/g, " ");

  function compose(countries, agreements, designations, visas, assessments, day) {
    const byIso = new Map();
    const blank = (iso3, name) => ({ iso3, name: name || iso3, agreement: "none recorded", agreement_kinds: [],
      tier: "not assessed", designations: 0, visas: null, visas_period: null, designation_ids: [] });
    for (const c of countries) byIso.set(c.iso3, blank(c.iso3, c.name));
    const row = (iso3) => {
      if (!byIso.has(iso3)) byIso.set(iso3, blank(iso3));
      return byIso.get(iso3);
    };
    for (const a of agreements) row(a.iso3).agreement_kinds.push(String(a.kind || "agreement"));
    for (const r of byIso.values()) {
      if (!r.agreement_kinds.length) continue;
      const rank = (k) => (AGREEMENT_ORDER.includes(k) ? AGREEMENT_ORDER.indexOf(k) : AGREEMENT_ORDER.length);
      r.agreement = kindLabel(r.agreement_kinds.slice().sort((a, b) => rank(a) - rank(b))[0]);
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
        r.visas_obs = o;
      }
    }
    for (const a of assessments) {
      if (!a || !a.iso3 || a.tier === undefined || a.tier === null) continue;
      row(a.iso3).tier = String(a.tier);
    }
    return [...byIso.values()];
  }

  /* When the frame with the map has been rendered (the speed figure the browser tests report). */
  function paintedAt() {
    requestAnimationFrame(() => setTimeout(() => { window.__mapDrawnAt = window.__mapDrawnAt || performance.now(); }, 0));
  }

  function layer() {
    return form.querySelector("input[name=layer]:checked").value;
  }

  /* Legend classes for the layer: [{key, label, colour, test(row)}], one kind each. */
  function classesFor(key) {
    if (key === "agreement") {
      const kinds = [...new Set(rows.map((r) => r.agreement))].filter((k) => k !== "none recorded");
      kinds.sort((a, b) => AGREEMENT_ORDER.indexOf(a.replace(/ /g, "_")) - AGREEMENT_ORDER.indexOf(b.replace(/ /g, "_")));
      return [...kinds.map((k, i) => ({ key: k, label: k, colour: VL.PALETTE[i % 6] })),
        { key: "none recorded", label: "none recorded", colour: NO_DATA }].map((c) => ({ ...c, test: (r) => r.agreement === c.key }));
    }
    if (key === "tier") {
      return TIERS.map(([id, label, colour]) => ({ key: id, label, colour, test: (r) => r.tier === id }));
    }
    if (key === "designations") {
      return [
        { key: "0", label: "none", colour: NO_DATA, test: (r) => !r.designations },
        { key: "1", label: "1 designation", colour: SEQUENTIAL[1], test: (r) => r.designations === 1 },
        { key: "2", label: "2 designations", colour: SEQUENTIAL[2], test: (r) => r.designations === 2 },
        { key: "3+", label: "3 or more", colour: SEQUENTIAL[3], test: (r) => r.designations >= 3 },
      ];
    }
    const bins = [[0, 1000], [1000, 10000], [10000, 100000], [100000, Infinity]];
    return [
      { key: "none", label: "no figure", colour: NO_DATA, test: (r) => r.visas === null || r.visas === undefined },
      ...bins.map(([lo, hi], i) => ({
        key: `${lo}`, colour: SEQUENTIAL[i],
        label: hi === Infinity ? `${VL.count(lo)} or more visas` : lo === 0 ? `under ${VL.count(hi)} visas` : `${VL.count(lo)} to ${VL.count(hi - 1)} visas`,
        test: (r) => r.visas !== null && r.visas !== undefined && r.visas >= lo && r.visas < hi,
      })),
    ];
  }

  /* Natural Earth projection (Šavrič et al. 2011, as d3-geo's geoNaturalEarth1), in radians. */
  function project(lon, lat) {
    const l = (lon * Math.PI) / 180, p = (lat * Math.PI) / 180, p2 = p * p, p4 = p2 * p2;
    return [
      l * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * p2 * (0.003971 - 0.001529 * p2))),
      p * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4))),
    ];
  }
  const SCALE = 150;
  const [XMAX] = project(180, 0);
  const [, YTOP] = project(0, 84);
  const [, YBOTTOM] = project(0, -58);
  const WIDTH = Math.round(2 * XMAX * SCALE), HEIGHT = Math.round((YTOP - YBOTTOM) * SCALE);
  const toXY = ([lon, lat]) => {
    const [x, y] = project(lon, Math.max(lat, -58));
    return [(x + XMAX) * SCALE, (YTOP - y) * SCALE];
  };
  /* Rings that cross the antimeridian (world-atlas stitches them: Russia, Fiji) are unwrapped so the
   * longitude runs on continuously, drawn once more shifted by 360°, and clipped to the globe's outline. */
  function unwrap(ring) {
    let offset = 0, previous = null;
    return ring.map(([lon, lat]) => {
      if (previous !== null) {
        if (lon - previous > 180) offset -= 360;
        else if (lon - previous < -180) offset += 360;
      }
      previous = lon;
      return [lon + offset, lat];
    });
  }
  function ringPath(ring, shift) {
    let d = "";
    ring.forEach(([lon, lat], i) => {
      const [x, y] = toXY([lon + shift, lat]);
      d += `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    });
    return d + "Z";
  }
  function pathOf(geometry) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    let d = "";
    for (const polygon of polygons) {
      const rings = polygon.map(unwrap);
      const lons = rings.flat().map((p) => p[0]);
      const shifts = [0];
      if (Math.max(...lons) > 180) shifts.push(-360);
      if (Math.min(...lons) < -180) shifts.push(360);
      for (const shift of shifts) for (const ring of rings) d += ringPath(ring, shift);
    }
    return d;
  }
  function outlinePath() {
    let d = "";
    for (let lat = -58; lat <= 84; lat += 2) d += `${d ? "L" : "M"}${toXY([180, lat]).map((v) => v.toFixed(1)).join(",")}`;
    for (let lat = 84; lat >= -58; lat -= 2) d += `L${toXY([-180, lat]).map((v) => v.toFixed(1)).join(",")}`;
    return d + "Z";
  }

  let svg = null;
  const paths = new Map();
  function ensureSvg() {
    if (svg) return;
    svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("class", "world");
    svg.setAttribute("aria-labelledby", "map-title");
    const title = document.createElementNS(SVG, "title");
    title.id = "map-title";
    title.textContent = "World map; the same data is in the table below";
    svg.append(title);
    const defs = document.createElementNS(SVG, "defs");
    const clip = document.createElementNS(SVG, "clipPath");
    clip.id = "globe-clip";
    const outline = document.createElementNS(SVG, "path");
    outline.setAttribute("d", outlinePath());
    clip.append(outline);
    defs.append(clip);
    svg.append(defs);
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("clip-path", "url(#globe-clip)");
    for (const feature of geojson.features || []) {
      // Antarctica lies below the map's southern edge (58° S), as on the earlier Plotly map.
      if (!feature.geometry || feature.id === "ATA") continue;
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", pathOf(feature.geometry));
      path.setAttribute("fill", NO_DATA);
      if (feature.id) path.dataset.iso3 = feature.id;
      path.dataset.name = (feature.properties && feature.properties.name) || "";
      g.append(path);
      if (feature.id) {
        if (!paths.has(feature.id)) paths.set(feature.id, []);
        paths.get(feature.id).push(path);
      }
    }
    svg.append(g);
    mapDiv.append(svg);
    const byIso = () => new Map(rows.map((r) => [r.iso3, r]));
    svg.addEventListener("mousemove", (event) => {
      const iso3 = event.target && event.target.dataset ? event.target.dataset.iso3 : null;
      const r = iso3 ? byIso().get(iso3) : null;
      if (!r) { tooltip.hidden = true; return; }
      VL.clear(tooltip).append(el("strong", {}, `${r.name} (${r.iso3})`),
        el("br"), `Agreement: ${r.agreement}`, el("br"), `Tier: ${(TIERS.find(([id]) => id === r.tier) || [null, kindLabel(r.tier)])[1]}`,
        el("br"), `Designations in force: ${VL.count(r.designations)}`,
        el("br"), `Visas at stake: ${VL.count(r.visas)}${r.visas_period ? " (" + r.visas_period + ")" : ""}`);
      const box = mapDiv.getBoundingClientRect();
      tooltip.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 220)}px`;
      tooltip.style.top = `${event.clientY - box.top + 12}px`;
      tooltip.hidden = false;
    });
    svg.addEventListener("mouseleave", () => { tooltip.hidden = true; });
    svg.addEventListener("click", (event) => {
      const iso3 = event.target && event.target.dataset ? event.target.dataset.iso3 : null;
      if (iso3) window.location.href = `/countries/${iso3}`;
    });
  }

  function drawMap() {
    const key = layer();
    const spec = LAYERS[key];
    const classes = classesFor(key);
    ensureSvg();
    const counts = new Map(classes.map((c) => [c.key, 0]));
    const drawn = new Set();
    for (const r of rows) {
      const cls = classes.find((c) => c.test(r));
      const targets = paths.get(r.iso3) || [];
      for (const path of targets) {
        path.setAttribute("fill", cls ? cls.colour : NO_DATA);
        path.dataset.category = cls ? cls.key : "";
      }
      if (cls) counts.set(cls.key, counts.get(cls.key) + 1);
      if (targets.length) drawn.add(r.iso3);
    }
    for (const [iso3, list] of paths) if (!drawn.has(iso3)) list.forEach((p) => p.setAttribute("fill", NO_DATA));
    const periodText = key === "tier" && assessmentInfo ? `, assessment period ${assessmentInfo.period}` :
      key === "visas" ? ", latest year published up to the date" : "";
    subtitle.textContent = `${spec.label}, as of ${asOf.value}${periodText}`;
    VL.clear(legendBox);
    legendBox.setAttribute("aria-label", `Legend: ${spec.label}`);
    for (const c of classes) {
      legendBox.append(el("li", { "data-category": c.key },
        el("span", { class: "swatch", style: `background:${c.colour}`, "aria-hidden": "true" }),
        `${c.label} `, el("span", { class: "legend-count" }, `(${VL.count(counts.get(c.key))})`)));
    }
    mapDiv.dataset.layer = key;
    mapDiv.dataset.drawn = "true";
  }

  function drawTable(json) {
    const columns = [
      { key: "iso3", label: "ISO3", href: (r) => `/countries/${r.iso3}` },
      { key: "name", label: "Country" },
      { key: "agreement", label: "Agreement status", value: (r) => r.agreement },
      { key: "tier", label: `Assessed tier${assessmentInfo ? " (" + assessmentInfo.period + ")" : ""}`,
        value: (r) => (TIERS.find(([id]) => id === r.tier) || [null, kindLabel(r.tier)])[1] },
      { key: "designations", label: "Designations in force", value: (r) => r.designations, numeric: true, format: VL.count },
      { key: "visas", label: "Visas at stake", value: (r) => r.visas, numeric: true, format: VL.count },
      { key: "visas_period", label: "Visas period" },
      { key: "agreement_kinds", label: "All agreements", value: (r) => r.agreement_kinds.map(kindLabel).join("; ") },
    ];
    VL.table(tableBox, columns, rows, {
      caption: `Countries as of ${asOf.value} (${rows.length})`,
      filename: `visalever-countries-${asOf.value}`,
      rowKey: "iso3",
      id: "countries",
      json: () => json,
    });
  }

  /* The latest assessment period that can be scored. The assessment JSON says which (`latest_scorable`,
   * with why not the next one) when the server has it; otherwise walk back from the as-of year while
   * fewer than MIN_SCORED nationalities are scored, and report every period tried so the page can say why. */
  const shortReason = (err) => String(err.message || err).replace(/^GET \S+: \d+ /, "").split(" (")[0];
  async function fetchPeriod(j, period) {
    const url = `/v1/assessments?jurisdiction=${j}&period=${encodeURIComponent(period)}`;
    const doc = await VL.api(url);
    const list = VL.asList(doc, ["assessments"]);
    const scored = typeof doc.scored === "number" ? doc.scored : list.filter((a) => a.score !== null && a.score !== undefined).length;
    return { period: doc.period || period, scored, count: doc.count ?? list.length, doc, url };
  }

  async function latestScorable(j, day, dataYear) {
    const fy = j === "us";
    const label = (y) => (fy ? `FY${y}` : String(y));
    const asOfYear = Number(day.slice(0, 4));
    let year = dataYear ? Math.min(asOfYear, dataYear) : asOfYear;
    const tried = [];
    if (year < asOfYear) tried.push({ period: label(asOfYear), reason: `no ${j.toUpperCase()} figures by nationality yet (visas published up to ${label(year)})` });
    let best = null;
    for (let step = 0; step < 6; step += 1) {
      let entry;
      try {
        entry = await fetchPeriod(j, label(year));
      } catch (err) {
        const m = /periods with data: \S*?(\d{4})\.\.\S*?(\d{4})/.exec(err.message || "");
        tried.push({ period: label(year), reason: m ? `no ${j.toUpperCase()} figures yet (published up to ${m[2]})` : shortReason(err) });
        year = m && Number(m[2]) < year ? Number(m[2]) : year - 1;
        continue;
      }
      const latest = entry.doc.latest_scorable;
      if (latest && latest.period) {
        // The server's own answer: use it unless it lies after the as-of date.
        const info = VL.periodInfo(latest.period);
        if (info.year !== null && info.year <= asOfYear) {
          const chosen = latest.period === entry.period ? entry : await fetchPeriod(j, latest.period);
          const next = latest.next_period && latest.why_not_next ? [{ period: latest.next_period, reason: latest.why_not_next }] : [];
          return { chosen, tried: next, rule: "server" };
        }
      }
      if (!best || entry.scored > best.scored) best = entry;
      if (entry.scored >= MIN_SCORED) return { chosen: entry, tried, rule: "latest" };
      tried.push({ period: entry.period, reason: `${VL.count(entry.scored)} of ${VL.count(entry.count)} nationalities scored` });
      year -= 1;
    }
    return { chosen: best, tried, rule: "most" };
  }

  async function assessmentFor(j, day, explicit, dataYear) {
    if (explicit) return { chosen: await fetchPeriod(j, explicit), tried: [], rule: "chosen" };
    return latestScorable(j, day, dataYear);
  }

  function explainPeriod(result) {
    const { chosen, tried, rule } = result;
    if (!chosen) {
      periodStatus.textContent = "Assessed tiers: no assessment period could be scored for this jurisdiction.";
      return;
    }
    const why = tried.length ? ` Not a later one: ${tried.map((t) => `${t.period}: ${t.reason}`).join("; ")}.` :
      rule === "chosen" ? "" : " No later period has figures.";
    const lead = rule === "chosen" ? `Assessed tiers: period ${chosen.period}, as chosen` :
      rule === "server" ? `Assessed tiers: period ${chosen.period}, the latest that can be scored (as the assessment reports it)` :
      rule === "latest" ? `Assessed tiers: period ${chosen.period}, the latest that can be scored (at least ${MIN_SCORED} nationalities)` :
        `Assessed tiers: period ${chosen.period}, the period with the most nationalities scored (none reaches ${MIN_SCORED})`;
    periodStatus.textContent = `${lead}: ${VL.count(chosen.scored)} of ${VL.count(chosen.count)} nationalities scored.${why}`;
    periodStatus.dataset.period = chosen.period;
  }

  /* Plotly's geo assets are not used here: the outlines come from /assets/world.geojson (world-atlas). */
  async function loadGeometry() {
    return VL.api("/assets/world.geojson");
  }

  async function load(push = false) {
    VL.clearErrors();
    VL.clearNotes();
    const day = asOf.value;
    const j = jurisdiction.value;
    const explicit = periodSelect.value;
    const urls = {
      countries: "/v1/countries",
      agreements: `/v1/agreements?jurisdiction=${j}&as_of=${encodeURIComponent(day)}`,
      designations: "/v1/designations",
      visas: `/v1/indicators?jurisdiction=${j}&indicator=${encodeURIComponent(VISA_INDICATOR[j])}`,
    };
    for (const url of Object.values(urls)) VL.setTwin(url.split("?")[0], url);
    const state = { as_of: day, layer: layer(), jurisdiction: j, period: explicit || null };
    if (push) VL.pushQuery(state); else VL.replaceQuery(state);
    document.body.dataset.loaded = "false";
    try {
      const visasAnswer = VL.api(urls.visas);
      const hasAssessments = VL.endpoints().then((paths) => paths.includes("/v1/assessments"));
      // The visa series tells the latest year with figures: the assessment is probed there, never at a
      // period the snapshot does not have yet (which the API would refuse).
      const assessing = Promise.all([hasAssessments, visasAnswer]).then(([present, v]) => {
        if (!present) return { absent: true };
        const years = VL.asList(v, ["indicators", "observations"]).map((o) => annualYear(o.period)).filter((y) => y !== null);
        return assessmentFor(j, day, explicit, years.length ? Math.max(...years) : null);
      }).catch((err) => ({ error: err }));
      const [geo, countries, agreements, designations, visas] = await Promise.all([
        geojson ? Promise.resolve(geojson) : loadGeometry(),
        VL.api(urls.countries), VL.api(urls.agreements), VL.api(urls.designations), visasAnswer,
      ]);
      geojson = geo;
      const jDesignations = VL.asList(designations, ["designations"]).filter((d) => !d.jurisdiction || d.jurisdiction === j);
      const visaList = VL.asList(visas, ["indicators", "observations"]);
      const compose1 = (assessments) => compose(VL.asList(countries, ["countries"]), VL.asList(agreements, ["agreements"]),
        jDesignations, visaList, assessments, day);
      // Draw what needs no assessment first; the tier layer waits for its period to be found.
      assessmentInfo = null;
      rows = compose1([]);
      if (layer() !== "tier") {
        drawMap();
        paintedAt();
      }
      const result = await assessing;
      const assessed = !(result && result.absent);
      if (!assessed) VL.dropTwin("/v1/assessments");
      if (result && result.error) VL.error(`assessment: ${result.error.message}`);
      else if (result && result.chosen) {
        assessmentInfo = result.chosen;
        VL.setTwin("/v1/assessments", result.chosen.url);
        explainPeriod(result);
        fillPeriods(j, result);
        rows = compose1(VL.asList(result.chosen.doc, ["assessments"]));
        const method = result.chosen.doc.method;
        if (method) {
          VL.note(`Assessed tiers (period ${result.chosen.period}): ${method.title || "analyst assessment"}. ` +
            "An assessment recommends; only a designation (a legal act) changes what applicants face.", "assessment");
        }
      } else if (!assessed) VL.note("Assessed tiers: the assessment endpoint is not available on this server.", "warning");
      drawMap();
      paintedAt();
      drawTable({ as_of: day, jurisdiction: j, assessment_period: assessmentInfo && assessmentInfo.period, sources: urls, countries: rows });
      setVintage(j, day, visaList);
      document.body.dataset.loaded = "true";
    } catch (err) {
      VL.error(err.message);
    }
  }

  function fillPeriods(j, result) {
    const keep = periodSelect.value;
    const current = result.chosen ? result.chosen.period : null;
    const info = VL.periodInfo(current);
    if (info.year === null) return;
    VL.clear(periodSelect);
    periodSelect.append(el("option", { value: "" }, `latest that can be scored (${current})`));
    // Periods up to the latest that can be scored (a later one has no figures to assess yet).
    for (let y = info.year; y >= info.year - 8; y -= 1) {
      const p = j === "us" ? `FY${y}` : String(y);
      periodSelect.append(el("option", { value: p }, p));
    }
    periodSelect.value = keep;
  }

  function setVintage(j, day, visaList) {
    const lines = [];
    const byFolder = new Map();
    for (const o of visaList) {
      const key = VL.releaseOf(o) || VL.sourceFolder(o);
      const last = byFolder.get(key);
      if (!last || (annualYear(o.period) || 0) > (annualYear(last.period) || 0)) byFolder.set(key, o);
    }
    for (const o of byFolder.values()) {
      lines.push(`Visas at stake (${VISA_INDICATOR[j]}): ${VL.vintageText(o)}, latest period ${o.period}.`);
    }
    if (assessmentInfo) {
      const m = assessmentInfo.doc.method || {};
      lines.push(`Assessed tiers: period ${assessmentInfo.period}, method ${m.method_file || "(file not named)"}` +
        `${m.version ? " version " + m.version : ""}${m.method_sha256 ? " (sha256 " + m.method_sha256.slice(0, 12) + ")" : ""}.`);
      const v = assessmentInfo.doc.vintage;
      if (v && Array.isArray(v.releases)) {
        for (const r of v.releases) {
          lines.push(`Assessment input: ${r.release} (data to ${r.data_to || "—"}; ${VL.count(r.figures)} figures: ${(r.indicators || []).join(", ")}).`);
        }
      }
    }
    lines.push(`Agreements and designations in force: as of ${day}.`);
    const newest = assessmentInfo && assessmentInfo.doc.vintage && assessmentInfo.doc.vintage.newest_release;
    VL.setVintage(lines, `visas up to ${[...byFolder.values()].map((o) => o.period).sort().pop() || "—"}` +
      `${assessmentInfo ? `; assessment of ${assessmentInfo.period}` : ""}${newest ? ` (newest release: ${newest})` : ""}` +
      `; agreements and designations as of ${day}.`);
  }

  function fromUrl() {
    const query = VL.params();
    asOf.value = query.get("as_of") || asOf.defaultValue;
    jurisdiction.value = VISA_INDICATOR[query.get("jurisdiction")] ? query.get("jurisdiction") : "uk";
    const wanted = query.get("period") || "";
    if (wanted && ![...periodSelect.options].some((o) => o.value === wanted)) periodSelect.append(el("option", { value: wanted }, wanted));
    periodSelect.value = wanted;
    const l = LAYERS[query.get("layer")] ? query.get("layer") : "agreement";
    form.querySelector(`input[name=layer][value=${l}]`).checked = true;
  }

  fromUrl();
  form.addEventListener("submit", (e) => { e.preventDefault(); load(true); });
  jurisdiction.addEventListener("change", () => { periodSelect.value = ""; });
  form.querySelectorAll("input[name=layer]").forEach((r) => r.addEventListener("change", () => {
    VL.pushQuery({ layer: layer() });
    if (geojson && rows.length) drawMap();
  }));
  window.addEventListener("popstate", () => {
    const before = `${asOf.value}|${jurisdiction.value}|${periodSelect.value}`;
    fromUrl();
    if (before === `${asOf.value}|${jurisdiction.value}|${periodSelect.value}` && geojson) drawMap();
    else load(false);
  });
  load(false);
})();
