/* Designations: all (GET /v1/designations), due for review (?due_for_review=true), and, for a
 * policy_admin, create (POST) / amend or lift (PATCH) through the same API and therefore the same audit
 * log. The bearer token stays in this tab's sessionStorage and is sent only to this origin. */
"use strict";

(() => {
  const TOKEN_KEY = "visalever.token";
  const asOf = document.getElementById("as-of");
  const tokenInput = document.getElementById("token");
  const tokenState = document.getElementById("token-state");
  const amendId = document.getElementById("amend-id");
  const adminResult = document.getElementById("admin-result");
  let designations = [];

  const TEMPLATE = {
    id: `uk-ISO3-slowdown-${VL.today().slice(0, 7)}`,
    jurisdiction: "uk",
    iso3: "ISO3",
    kind: "penalty",
    title: "Entry clearance slow-down (s.70 NABA 2022)",
    start: VL.today(),
    review_due: null,
    measures: [{ measure: "s70_slowdown", categories: ["visit"] }],
    sources: [{ title: "Written ministerial statement", url: "https://questions-statements.parliament.uk/" }],
  };

  const inForce = (d, day) => d.start && d.start <= day && (!d.end || day < d.end);

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  }

  function showTokenState() {
    tokenState.textContent = token() ? "token set for this tab" : "no token: read-only";
  }

  const columns = [
    { key: "id", label: "id" }, { key: "iso3", label: "ISO3", href: (d) => `/countries/${d.iso3}` },
    { key: "jurisdiction", label: "jurisdiction" }, { key: "kind", label: "kind" }, { key: "title", label: "title" },
    { key: "status", label: "status" }, { key: "start", label: "start" }, { key: "end", label: "end (lifted)" },
    { key: "review_due", label: "review due" },
    { key: "in_force", label: "in force on date", value: (d) => inForce(d, asOf.value) },
    { key: "measures", label: "measures", value: (d) => (d.measures || []).map((m) =>
      `${m.measure}${m.categories ? " (" + m.categories.join(", ") + ")" : ""}`).join("; ") },
    { key: "sources", label: "sources" },
  ];

  async function load(event) {
    if (event) event.preventDefault();
    VL.clearErrors();
    if (event && event.type === "submit") VL.pushQuery({ as_of: asOf.value }); else VL.replaceQuery({ as_of: asOf.value });
    try {
      const [all, due] = await Promise.all([VL.api("/v1/designations"), VL.api("/v1/designations?due_for_review=true")]);
      designations = VL.asList(all, ["designations"]);
      const dueList = VL.asList(due, ["designations"]);
      VL.surfaceNotes(all);
      const sorted = designations.slice().sort((a, b) => Number(inForce(b, asOf.value)) - Number(inForce(a, asOf.value)));
      VL.table(document.getElementById("designation-table"), columns, sorted, {
        caption: `Designations (${sorted.filter((d) => inForce(d, asOf.value)).length} in force on ${asOf.value}, ${sorted.length} in all)`,
        filename: "visalever-designations", id: "designations", rowKey: "id",
      });
      VL.table(document.getElementById("due-table"), columns, dueList, {
        caption: `Due for review (${dueList.length})`, filename: "visalever-designations-due", id: "due", rowKey: "id",
        empty: "None due for review.",
      });
      const keep = amendId.value;
      VL.clear(amendId);
      for (const d of designations) amendId.append(VL.el("option", { value: d.id }, `${d.id} (${d.iso3})`));
      if (keep) amendId.value = keep;
      VL.setVintage(`designations as recorded in the service database (seeded from the regime files, then changed ` +
        `only through the audited API), read ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ` +
        `"in force" as of ${asOf.value}.`);
      drawTimeline(sorted);
      document.body.dataset.loaded = "true";
    } catch (err) {
      VL.error(err.message);
    }
  }

  /* Every designation on one timeline (ISO3, kind and start date as the row label). */
  function drawTimeline(list) {
    const chart = document.getElementById("designation-timeline");
    const day = asOf.value;
    const items = list.filter((d) => d.start).map((d) => ({
      kind: d.end && d.end <= day ? "lifted" : "designation", start: d.start, end: d.end || null, review: d.review_due,
      label: `${d.iso3} ${String(d.kind || "").replace(/_/g, " ")}`, title: d.title || d.id,
    })).sort((a, b) => a.start.localeCompare(b.start) || a.label.localeCompare(b.label));
    chart.hidden = !items.length;
    if (items.length) VL.timeline(chart, items, day);
  }

  async function send(method, url, body) {
    VL.clear(adminResult);
    if (!token()) throw new Error("token: enter a policy_admin bearer token first");
    const answer = await VL.api(url, {
      method, body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}`,
        ...(method === "POST" ? { "Idempotency-Key": crypto.randomUUID() } : {}) },
    });
    adminResult.append(VL.el("p", { class: "note" }, `${method} ${url}: done.`),
      VL.el("pre", { class: "json" }, JSON.stringify(answer, null, 2)));
    await load();
    return answer;
  }

  function parseJSON(text, what) {
    try { return JSON.parse(text); } catch (err) { throw new Error(`${what}: not valid JSON (${err.message})`); }
  }

  document.getElementById("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (tokenInput.value) sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
    tokenInput.value = "";
    showTokenState();
  });
  document.getElementById("forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
  });
  document.getElementById("create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    VL.clearErrors();
    try {
      await send("POST", "/v1/designations", parseJSON(document.getElementById("create-body").value, "designation"));
    } catch (err) { VL.error(err.message); }
  });
  document.getElementById("amend-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    VL.clearErrors();
    try {
      await send("PATCH", `/v1/designations/${encodeURIComponent(amendId.value)}`,
        parseJSON(document.getElementById("amend-body").value, "changes"));
    } catch (err) { VL.error(err.message); }
  });
  document.getElementById("lift").addEventListener("click", async () => {
    VL.clearErrors();
    try {
      await send("PATCH", `/v1/designations/${encodeURIComponent(amendId.value)}`,
        { end: document.getElementById("lift-date").value });
    } catch (err) { VL.error(err.message); }
  });
  amendId.addEventListener("change", () => {
    const d = designations.find((x) => x.id === amendId.value);
    if (d) document.getElementById("amend-body").value = JSON.stringify({ review_due: d.review_due ?? null }, null, 2);
  });
  document.getElementById("designation-filter").addEventListener("submit", load);
  window.addEventListener("popstate", () => { asOf.value = VL.params().get("as_of") || asOf.defaultValue; load(); });
  if (VL.params().get("as_of")) asOf.value = VL.params().get("as_of");

  document.getElementById("create-body").value = JSON.stringify(TEMPLATE, null, 2);
  document.getElementById("amend-body").value = JSON.stringify({ review_due: VL.today() }, null, 2);
  showTokenState();
  load();
})();
