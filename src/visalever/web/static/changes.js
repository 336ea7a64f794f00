/* Changes of the law (GET /v1/changes): a timeline (one marker per change, one row per regime and kind)
 * and a sortable table whose source column links to the act. The window lives in the query string so a
 * view can be shared; the JSON twin link follows it. */
"use strict";

(() => {
  const since = document.getElementById("since");
  const until = document.getElementById("until");
  const jurisdiction = document.getElementById("jurisdiction");
  const kind = document.getElementById("kind");
  const EVENT_SYMBOL = { started: "circle", proposed: "circle-open", adopted: "square", published: "square-open",
    signed: "triangle-up", "signed and in force": "triangle-up", ended: "x", superseded: "x-open", imposed: "diamond", lifted: "diamond-open",
    changed: "star", set: "star-open" };

  const q = VL.params();
  if (q.get("since")) since.value = q.get("since");
  if (q.get("until")) until.value = q.get("until");
  if (q.get("jurisdiction")) jurisdiction.value = q.get("jurisdiction");
  if (q.get("kind")) kind.value = q.get("kind");

  const columns = [
    { key: "date", label: "date" }, { key: "jurisdiction", label: "regime" }, { key: "kind", label: "kind" },
    { key: "event", label: "event" },
    { key: "iso3", label: "ISO3", href: (c) => (c.iso3 && c.iso3.length === 3 ? `/countries/${c.iso3}` : null) },
    { key: "title", label: "title" }, { key: "ground", label: "ground" },
    { key: "source_title", label: "source", href: (c) => c.source_url || null },
    { key: "verified", label: "verified" }, { key: "detail", label: "detail" },
  ];

  function url() {
    const p = new URLSearchParams({ since: since.value });
    if (until.value) p.set("until", until.value);
    if (jurisdiction.value) p.set("jurisdiction", jurisdiction.value);
    return `/v1/changes?${p.toString()}`;
  }

  async function drawTimeline(rows) {
    const chart = document.getElementById("changes-timeline");
    chart.hidden = !rows.length;
    if (!rows.length) return;
    const rowLabel = (c) => `${c.jurisdiction} ${c.kind.replace(/_/g, " ")}`;
    const labels = [...new Set(rows.map(rowLabel))].sort();
    const kinds = [...new Set(rows.map((c) => c.kind))];
    const traces = kinds.map((k, i) => {
      const group = rows.filter((c) => c.kind === k);
      return {
        type: "scatter", mode: "markers", name: k.replace(/_/g, " "),
        x: group.map((c) => c.date), y: group.map(rowLabel),
        marker: { size: 11, color: VL.PALETTE[i % VL.PALETTE.length], symbol: group.map((c) => EVENT_SYMBOL[c.event] || "circle"),
          line: { width: 1, color: "#000" } },
        hovertemplate: group.map((c) => `${VL.fmtDate(c.date)}: ${c.event}<br>${c.iso3 ? c.iso3 + " - " : ""}${c.title}<extra></extra>`),
      };
    });
    await VL.plot(chart, traces, {
      xaxis: { type: "date", title: { text: "date" }, automargin: true },
      yaxis: { type: "category", categoryorder: "array", categoryarray: labels, automargin: true },
      height: 140 + 40 * labels.length, showlegend: true, legend: { orientation: "h", y: -0.25 },
      margin: { t: 20, r: 20, b: 70, l: 10 },
    });
  }

  async function load(event) {
    if (event) event.preventDefault();
    VL.clearErrors();
    document.body.dataset.loaded = "false";
    const values = { since: since.value, until: until.value, jurisdiction: jurisdiction.value, kind: kind.value };
    if (event && event.type === "submit") VL.pushQuery(values); else VL.replaceQuery(values);
    VL.setTwin(0, url());
    try {
      const json = await VL.api(url());
      const rows = VL.asList(json, ["changes"]).filter((c) => !kind.value || c.kind === kind.value);
      await drawTimeline(rows);
      VL.table(document.getElementById("changes-table"), columns, rows, {
        caption: `${rows.length} changes ${until.value ? `from ${since.value} to ${until.value}` : `since ${since.value}`}`,
        filename: "visalever-changes", id: "changes", rowKey: "id",
      });
      // the law as data has no release: its vintage is the dated, cited YAML this server carries
      VL.setVintage(`the law as data in this server's regime files (each change cites its own source); `
        + `${rows.length} changes listed`);
    } catch (err) {
      VL.error(err.message);
    }
    document.body.dataset.loaded = "true";
  }

  document.getElementById("changes-filter").addEventListener("submit", load);
  window.addEventListener("popstate", () => window.location.reload());
  load();
})();
