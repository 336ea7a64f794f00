"""Render the brief document: HTML (Jinja2 template, inline SVG charts, no script), Markdown, JSON, PDF.

The PDF is the HTML printed by headless Chromium on this machine (`/usr/bin/chromium`, or
`VISALEVER_CHROMIUM`) with networking off, so it is produced offline and looks like the page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from visalever.brief.charts import line_chart
from visalever.errors import InputError

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
]


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.1f}"
    return str(x)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:+.0f} %"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(fmt=_fmt, pct=_pct)
    return env


def charts(doc: dict[str, Any]) -> dict[str, str]:
    """The brief's charts as inline SVG: returns over the years (acts marked) and the assessment score."""
    ev = doc["evidence"]
    ind = ev["returns_indicator"]
    pts = [(p, ev["table"][ind][p]) for p in ev["periods"]]
    marks = [
        (a["start"][:4] if doc["jurisdiction"] != "us" else f"FY{a['start'][:4]}", a["title"])
        for a in doc["acts"]
    ]
    score = [(t["period"], t["score"]) for t in doc["assessment"]["trend"]]
    return {
        "returns": line_chart(pts, title=f"{ind} to {doc['iso3']} by year (dashed: acts)", marks=marks),
        "score": line_chart(
            score, title="Assessment score (0 = no concern, 100 = greatest; analyst construction)"
        ),
    }


def to_html(doc: dict[str, Any], twin: str | None = None) -> str:
    """The brief as one self-contained HTML page."""
    return _env().get_template("brief.html").render(d=doc, charts=charts(doc), twin=twin)


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, default=str, ensure_ascii=False) + "\n"


def to_markdown(doc: dict[str, Any]) -> str:
    """The brief in Markdown (same sections and labels as the HTML, charts as tables)."""
    from visalever.appraise.options import options_rows

    d = doc
    out = [
        f"# {d['country']} ({d['iso3']}): country brief, {d['jurisdiction'].upper()} regime",
        "",
        f"As of {d['as_of']}; options and package for {d['year']}. {d.get('attribution') or ''}",
        "",
        "## What in this brief is modelled or assumed",
        "",
    ]
    out += [f"- **{lab['where']}**: {lab['label']}" for lab in d["labels"]]
    out += ["", "## Returns agreements", ""]
    out += [
        f"- {a['kind']}: {a['title']} (signed {a['signed'] or '-'}, in force from "
        f"{a['in_force_from'] or a['known_in_force_by'] or '-'}, status {a['status']}, "
        f"{'in force' if a['in_force_on_as_of'] else 'not in force'} on {d['as_of']}"
        f"{'' if a['verified'] else ', UNVERIFIED'})"
        for a in d["agreements"]
    ] or ["None recorded."]
    out += ["", "## Acts and measures in force", ""]
    out += [
        f"- {a['start']} to {a['end'] or '-'}: {a['title']} ({a['kind']}; measures "
        f"{', '.join(a['measures']) or '-'}; {'in force' if a['in_force_on_as_of'] else 'not in force'} "
        f"on {d['as_of']})"
        for a in d["acts"]
    ] or ["No act recorded."]
    if d.get("levers"):
        out += ["", f"Every lever touching {d['iso3']} nationals on {d['as_of']}:"]
        out += [
            f"- {lv['lever']}: {lv['title']} ({lv['status']}; "
            f"{'in force' if lv['in_force'] else 'not in force'}; {lv['source_url'] or lv['source_title']})"
            for lv in d["levers"]
        ]
    if d.get("changelog"):
        out += ["", f"Changelog of the law for {d['iso3']}:"]
        out += [
            f"- {c['date']} {c['kind']} {c['event']}: {c['title']} ({c['source_url'] or c['source_title']})"
            for c in d["changelog"]
        ]
    mf = d["measures_in_force"]
    out += ["", f"Measures on {d['as_of']} under `{mf['policy']}`: {mf['status']}."]
    for r in mf["rows"]:
        out.append(f"- {r.get('category')}: {r.get('outcome')}, measures {r.get('measure_ids') or '-'}")
    ev = d["evidence"]
    out += [
        "",
        "## Cooperation evidence (analyst assessment)",
        "",
        "| indicator | " + " | ".join(ev["periods"]) + " |",
        "|---|" + "---|" * len(ev["periods"]),
    ]
    for i in ev["indicators"]:
        out.append(f"| {i} | " + " | ".join(_fmt(ev["table"][i][p]) for p in ev["periods"]) + " |")
    la = d["assessment"]["latest_scored"]
    if la:
        out += [
            "",
            f"Latest scored period {la['period']}: tier **{la['tier']}**, score {la['score']}, "
            f"confidence {la['confidence']}.",
        ]
        out += [f"- {r}" for r in la["reasons"]]
    out += [
        "",
        "Score by year: "
        + ", ".join(
            f"{t['period']}: {t['score'] if t['score'] is not None else '-'} ({t['tier']})"
            for t in d["assessment"]["trend"]
        ),
        "",
    ]
    out += ["## Evidence from past acts (analyst estimates)", ""]
    for a in d["past_acts"]:
        e = a["estimate"]
        est = (
            (
                f"{_pct(e['estimate_pct'])} (90 % interval {_pct(e['interval_pct'][0])} to "
                f"{_pct(e['interval_pct'][1])})"
            )
            if e and e["interval_pct"]
            else "-"
        )
        out.append(
            f"- {a['jurisdiction'].upper()} `{a['id']}` ({a['iso3']}, {a['start']}"
            f"{', this country' if a['this_country'] else ''}): {est}; {a['status']}"
            + (f"; {'; '.join(a['caveats'])}" if a["caveats"] else "")
        )
    o = d["options"]
    out += [
        "",
        f"## Options, {d['year']} (modelled, not acts)",
        "",
        f"Pool: {_fmt(o['pool'])} ({o['pool_method']}). Returns base: {_fmt(o['returns_base'])} "
        f"({o['returns_base_period']}).",
        "",
    ]
    rows = options_rows(o)
    if rows:
        cols = list(rows[0])
        out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    p = d["package"]
    out += ["", "## Least-cost package (modelled)", ""]
    if p["status"] == "computed":
        part = p["this_country"]
        out.append(
            f"Target {p['target']['meaning']} >= {p['target']['amount']}; {p['package_size']} rungs, cost "
            f"{_fmt(p['package_cost'])}. "
            + (
                f"{d['iso3']}'s part: {part['rung']}."
                if part
                else f"{d['iso3']} not in the package: {p['why_not']}."
            )
        )
    else:
        out.append(p["status"])
    out += ["", "## Sources", ""]
    out += [
        f"- {s['source']}"
        + (f" (release {', '.join(s['releases'])})" if s.get("releases") else "")
        + (f" (sha256 {s['sha256'][:16]})" if s["sha256"] else "")
        for s in d["sources"]["data"]
    ]
    out += [
        f"- {s.get('title')}"
        + (f", {s['instrument']}" if s.get("instrument") else "")
        + (f" <{s['url']}>" if s.get("url") else "")
        for s in d["sources"]["law"]
    ]
    out += [f"- {s['title']}: `{s['file']}`" for s in d["sources"]["methods"]]
    return "\n".join(out).rstrip() + "\n"


def chromium() -> str:
    """Path of the local Chromium, or an InputError saying none is installed."""
    path = os.environ.get("VISALEVER_CHROMIUM", "/usr/bin/chromium")
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise InputError("no Chromium found for PDF output (set VISALEVER_CHROMIUM)", location="--format pdf")
    return found


def to_pdf(html: str, target: Path, timeout: float = 120.0) -> Path:
    """Print the HTML to `target` with headless Chromium (offline: the page loads nothing)."""
    exe = chromium()
    with tempfile.TemporaryDirectory(prefix="visalever-brief-") as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(html, encoding="utf-8")
        out = Path(tmp) / "brief.pdf"
        cmd = [exe, *CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if not out.is_file() or out.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise InputError(f"Chromium did not write the PDF ({tail[0]})", location="--format pdf")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(out), target)
    return target
