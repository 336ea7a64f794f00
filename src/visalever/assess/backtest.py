"""Backtest: where the fixed method placed the countries that were really acted against, beforehand.

Reported, not tuned: the method (regime file) is fixed first and this module only reads its output.
For each real act listed in the method's `backtest.acts`, it gives the country's score, tier and rank
in each annual period that began before the act (marked when its figures were only published after
the act, or rest on figures from a later release: then they were not known to whoever acted, and
are shown for comparison only); then how many acted-against countries were in the top k, and
which countries the method flags that were never acted against. The markdown goes into one section
per jurisdiction of docs/BACKTESTS.md, regenerated in place, so EU/US sections sit beside UK.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from visalever.assess.engine import ANALYST_NOTE, ConfigArg, all_annual, method_metadata, resolve_config
from visalever.assess.model import Assessment
from visalever.assess.periods import available_on, parse_period

WINDOW_YEARS = 6  # periods shown before each act


def default_backtests_path() -> Path:
    from visalever.paths import PACKAGE_ROOT

    return PACKAGE_ROOT.parent.parent / "docs" / "BACKTESTS.md"


def _lead_reason(a: Assessment) -> str:
    for r in a.reasons:
        if not r.startswith("tier "):
            return r
    return ""


def backtest(
    jurisdiction: str, *, observations: pl.DataFrame | None = None, config: ConfigArg = None
) -> dict[str, Any]:
    """The backtest as data (what `--format json` prints and the markdown renders)."""
    cfg = resolve_config(jurisdiction, config)
    results = all_annual(jurisdiction, observations=observations, config=cfg)
    k = cfg.backtest.top_k
    periods = sorted(results, key=parse_period)
    vintage = input_vintages(cfg, periods, observations)
    ranks: dict[str, dict[str, int]] = {}
    scored_counts: dict[str, int] = {}
    for p in periods:
        scored = [a for a in results[p] if a.score is not None]
        scored_counts[p] = len(scored)
        ranks[p] = {a.iso3: i + 1 for i, a in enumerate(scored)}
    acted = {a.iso3 for a in cfg.backtest.acts}
    acts_out = []
    for act in cfg.backtest.acts:
        around = [
            p
            for p in periods
            if _start(p) <= act.date and parse_period(p).year > act.date.year - 1 - WINDOW_YEARS
        ]
        rows = []
        for p in around:
            a = next((x for x in results[p] if x.iso3 == act.iso3), None)
            rank = ranks[p].get(act.iso3)
            rows.append(
                {
                    "period": p,
                    "published_before_act": available_on(p, cfg.publication_lag_days) <= act.date,
                    "inputs_data_to": vintage.get((p, act.iso3)),
                    "figures_known_before_act": _known(
                        p, vintage.get((p, act.iso3)), cfg.publication_lag_days, act.date
                    ),
                    "score": a.score if a else None,
                    "tier": a.tier if a else "no data",
                    "rank": rank,
                    "scored": scored_counts[p],
                    "in_top_k": rank is not None and rank <= k,
                    "confidence": a.confidence if a else None,
                    "lead_reason": _lead_reason(a) if a else "no observation for this country",
                }
            )
        # Acts decades apart (US 2001-2025) often have no scored year inside the window: the latest
        # scored period published before the act is reported too, with how stale it was.
        lag = cfg.publication_lag_days
        scored_before = [p for p in periods if scored_counts[p] > 0 and available_on(p, lag) <= act.date]
        latest_scored = None
        if scored_before:
            lp = scored_before[-1]
            la = next((x for x in results[lp] if x.iso3 == act.iso3), None)
            lrank = ranks[lp].get(act.iso3)
            latest_scored = {
                "period": lp,
                "years_before_act": act.date.year - parse_period(lp).year,
                "score": la.score if la else None,
                "tier": la.tier if la else "no data",
                "rank": lrank,
                "scored": scored_counts[lp],
                "in_top_k": lrank is not None and lrank <= k,
            }
        acts_out.append(
            {
                "iso3": act.iso3,
                "date": act.date.isoformat(),
                "act": act.act,
                "source": act.source,
                "periods": rows,
                "latest_scored_period": latest_scored,
            }
        )
    first_act = min((a.date for a in cfg.backtest.acts), default=None)
    usable = [
        p
        for p in periods
        if scored_counts[p] > 0
        and (first_act is None or available_on(p, cfg.publication_lag_days) <= first_act)
    ]
    latest = usable[-1] if usable else None
    summary: dict[str, Any] = {"top_k": k, "latest_period_before_acts": latest}
    with_data = [a for a in acts_out if a["latest_scored_period"] is not None]
    hits = [a for a in with_data if a["latest_scored_period"]["in_top_k"]]
    summary["acts_in_top_k_at_latest_scored_period"] = (
        f"{len(hits)} of {len(with_data)} acts with a scored period before them ({len(acts_out)} acts in all)"
    )
    summary["acts_in_top_k_iso3"] = sorted({a["iso3"] for a in hits})
    flagged: list[dict[str, Any]] = []
    per_period_top: dict[str, list[str]] = {}
    for p in usable[-WINDOW_YEARS:]:
        per_period_top[p] = [a.iso3 for a in results[p] if a.score is not None][:k]
    if latest:
        top = per_period_top[latest]
        summary["acted_in_top_k"] = sorted(acted & set(top))
        summary["acted_in_top_k_count"] = f"{len(acted & set(top))} of {len(acted)}"
        top_tier = cfg.tiers_desc()[0].id
        for a in results[latest]:
            if a.score is None:
                continue
            if a.tier == top_tier or ranks[latest][a.iso3] <= k:
                flagged.append(
                    {
                        "iso3": a.iso3,
                        "rank": ranks[latest][a.iso3],
                        "score": a.score,
                        "tier": a.tier,
                        "confidence": a.confidence,
                        "acted_against": a.iso3 in acted,
                        "lead_reason": _lead_reason(a),
                    }
                )
        summary["flagged_never_acted_against"] = [f["iso3"] for f in flagged if not f["acted_against"]]
    # Countries flagged in the top k in several of the years before the acts.
    persistence: dict[str, int] = {}
    for top in per_period_top.values():
        for iso3 in top:
            persistence[iso3] = persistence.get(iso3, 0) + 1
    summary["top_k_persistence"] = dict(sorted(persistence.items(), key=lambda kv: (-kv[1], kv[0])))
    empty = [p for p in periods if scored_counts[p] == 0]
    return {
        "jurisdiction": jurisdiction,
        "note": ANALYST_NOTE + " Reported, not tuned: the method was fixed before this backtest was run.",
        "method": {
            k2: v
            for k2, v in method_metadata(cfg).items()
            if k2 in ("title", "method_file", "method_sha256", "version", "changes")
        },
        "periods": {p: scored_counts[p] for p in periods},
        "periods_without_scores": empty,
        "known_gaps": dict(cfg.known_gaps),
        "acts": acts_out,
        "summary": summary,
        "flagged": flagged,
        "top_k_by_period": per_period_top,
    }


def input_vintages(
    cfg: Any, periods: list[str], observations: pl.DataFrame | None = None
) -> dict[tuple[str, str], str]:
    """Per (period, iso3), the data cut-off (YYYY-MM) of the newest release among the scored inputs read.

    A backtest must say when the figures behind a period were known, not only when the period
    ended: the outcome analysis of old claim cohorts, for example, is only held in a 2025 release.
    """
    from visalever.assess.engine import default_observations
    from visalever.assess.inputs import jurisdiction_rows
    from visalever.assess.metrics import compile_metrics
    from visalever.assess.periods import shift

    obs = default_observations() if observations is None else observations
    if "release" not in obs.columns or not periods:
        return {}
    scored = set(cfg.scored_metrics())
    refs = sorted({r for c in compile_metrics(cfg) if c.name in scored for r in c.refs})
    rows = jurisdiction_rows(obs.with_columns(pl.col("release").alias("unit")), cfg)
    wanted = pl.DataFrame(
        [(p, ind, shift(p, lag)) for p in periods for ind, lag in refs],
        schema={"target": pl.String, "indicator": pl.String, "period": pl.String},
        orient="row",
    )
    newest = (
        wanted.join(
            rows.select("iso3", "indicator", "period", pl.col("unit").str.slice(0, 7).alias("data_to")),
            on=["indicator", "period"],
        )
        .group_by("target", "iso3")
        .agg(pl.col("data_to").max())
    )
    return {(t, iso3): d for t, iso3, d in newest.iter_rows()}


def _known(period: str, data_to: str | None, lag_days: int, day: Any) -> bool:
    """The period had ended and been published, and so had the release its figures come from."""
    import datetime as dt

    if available_on(period, lag_days) > day:
        return False
    if data_to is None:
        return True
    y, m = int(data_to[:4]), int(data_to[5:7])
    month_end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    return month_end + dt.timedelta(days=lag_days) <= day


def _start(period: str) -> Any:
    """First day of a period (a year before the day after its end): acts are compared with periods begun."""
    import datetime as dt

    end = parse_period(period).end()
    return dt.date(end.year - 1, end.month, end.day) + dt.timedelta(days=1)


def _cell(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.1f}"
    return str(x).replace("|", "/")


def render_markdown(result: dict[str, Any]) -> str:
    """One self-contained section (starts with `## <JURISDICTION>`)."""
    j = result["jurisdiction"]
    s = result["summary"]
    k = s["top_k"]
    lines = [
        f"## {j.upper()}",
        "",
        f"_Generated by `visalever backtest --jurisdiction {j}`; do not edit by hand._ {result['note']}",
        "",
        f"Method: {result['method']['title']} (`{result['method']['method_file']}`, sha256 "
        f"`{(result['method']['method_sha256'] or '')[:12]}`). Scores run 0 (no concern) to 100; "
        f"rank 1 = highest concern among the countries scored that year; top k = {k}.",
        "",
        *_method_changes(result["method"]),
        "Countries scored per year: "
        + ", ".join(f"{p}: {n}" for p, n in result["periods"].items() if n)
        + ". Years with no country scored: "
        + (", ".join(result["periods_without_scores"]) or "none")
        + ".",
        "",
        "### Where the acted-against countries stood before the act",
        "",
        "Each act is compared with every period that began before it. 'Known before act' says whether the "
        "period had been published by the act's date and every figure behind the country's row came from a "
        "release published by then (the release's data cut-off plus the method's publication lag); a row "
        "marked 'no' uses figures revised or first published later, so it shows where the country stands "
        "on today's figures, not what was known when the act was taken.",
        "",
    ]
    for act in result["acts"]:
        lines += [f"**{act['iso3']}**, {act['date']}: {act['act']} ({act['source']})", ""]
        if not act["periods"]:
            lines += ["No period published before the act has data.", ""]
            continue
        lines += [
            "| period | known before act | score | tier | rank | of scored | top k | confidence "
            "| what drove it |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in act["periods"]:
            if r["figures_known_before_act"]:
                known = "yes"
            elif r["published_before_act"]:
                known = f"no: figures from a release with data to {r['inputs_data_to']}"
            else:
                known = "no: published after the act"
            lines.append(
                f"| {r['period']} | {known} | {_cell(r['score'])} | {r['tier']} | {_cell(r['rank'])} | "
                f"{r['scored']} | {'yes' if r['in_top_k'] else 'no'} | {_cell(r['confidence'])} | "
                f"{_cell(r['lead_reason'])} |"
            )
        lines.append("")
        ls = act.get("latest_scored_period")
        if ls is None:
            lines += ["No country was scored in any period published before this act.", ""]
        elif ls["period"] not in {r["period"] for r in act["periods"]} or ls["years_before_act"] > 1:
            lines += [
                f"Latest scored period published before the act: {ls['period']} "
                f"({ls['years_before_act']} years earlier): {ls['tier']}, rank {_cell(ls['rank'])} of "
                f"{ls['scored']}{' (top k)' if ls['in_top_k'] else ''}.",
                "",
            ]
    latest = s.get("latest_period_before_acts")
    lines += [
        "Across all acts, each against the latest scored period published before it: "
        f"{s['acts_in_top_k_at_latest_scored_period']} were in the top {k}"
        + (f" ({', '.join(s['acts_in_top_k_iso3'])})" if s["acts_in_top_k_iso3"] else "")
        + ".",
        "",
    ]
    lines += ["### What the method flags", ""]
    if not latest:
        lines += [
            "No period published before the first act has any scored country, so there is no single year "
            "to list flagged countries from; the per-act comparison above is all this data supports.",
            "",
        ]
    else:
        lines += [
            f"In {latest} (the latest period published before the first act), "
            f"{s['acted_in_top_k_count']} acted-against countries were in the top {k}"
            + (f" ({', '.join(s['acted_in_top_k'])})" if s["acted_in_top_k"] else "")
            + ". Countries in the top tier or the top k that year:",
            "",
            "| rank | iso3 | score | tier | confidence | acted against | what drove it |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in result["flagged"]:
            lines.append(
                f"| {f['rank']} | {f['iso3']} | {_cell(f['score'])} | {f['tier']} | {f['confidence']} | "
                f"{'yes' if f['acted_against'] else 'no'} | {_cell(f['lead_reason'])} |"
            )
        lines += [
            "",
            f"Top {k} by year: "
            + "; ".join(f"{p}: {', '.join(v)}" for p, v in result["top_k_by_period"].items())
            + ".",
            "",
        ]
        persistent = [f"{i} ({n})" for i, n in s["top_k_persistence"].items() if n >= 3]
        lines += [
            f"In the top {k} in three or more of these years: " + (", ".join(persistent) or "none") + ".",
            "",
        ]
    if result["known_gaps"]:
        lines += ["Data gaps that bound this backtest:", ""]
        lines += [f"- `{key}`: {note}" for key, note in result["known_gaps"].items()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _method_changes(method: dict[str, Any]) -> list[str]:
    """The method's version and change log, so a reader sees what changed since the last backtest."""
    changes = method.get("changes") or []
    if not changes:
        return []
    out = [f"Method version {method.get('version')}. Changes:", ""]
    out += [f"- v{c['version']} ({c['date']}): {' '.join(str(c['change']).split())}" for c in changes]
    return [*out, ""]


HEADER = """# Backtests of the cooperation assessment

Each section below is generated by `visalever backtest --jurisdiction <uk|eu|us>` and regenerated in
place (between its markers) each time the command runs; other sections are left untouched. The method
of each jurisdiction (`src/visalever/regimes/<j>/assessment.yaml`) was fixed before its backtest was run
and is not tuned to the answer. Assessments are analyst constructions from official statistics, not
official statistics, and they recommend; they are not designations.

Rerun for issue 13 on figures to 2025 (UK returns by nationality to 2025, outcome-analysis claim
cohorts, small-boat arrivals by nationality; US ICE removals FY2014-FY2024): each section states its
method version and change log, compares every act with the periods around it, and marks, per row,
whether the figures behind it had been published when the act was taken ("known before act").
"""


def write_section(path: Path, jurisdiction: str, markdown: str) -> None:
    """Replace (or append) this jurisdiction's section of the file, atomically."""
    begin, end = f"<!-- backtest:{jurisdiction}:begin -->", f"<!-- backtest:{jurisdiction}:end -->"
    block = f"{begin}\n{markdown.rstrip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".backtests.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
