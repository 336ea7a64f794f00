"""`visalever assess` and `visalever backtest`: the cooperation assessment and its honest backtest.

Thin shells over `visalever.assess`; the JSON output is the document `GET /v1/assessments` returns.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from visalever.commands._common import emit_csv, emit_json, emit_table, user_errors


class Format(StrEnum):
    """Output formats of `assess`."""

    table = "table"
    json = "json"
    csv = "csv"


class BacktestFormat(StrEnum):
    """Output formats of `backtest`."""

    markdown = "markdown"
    json = "json"


def _flat(a: dict[str, Any], metric_names: list[str]) -> dict[str, Any]:
    sens = a.get("sensitivity") or {}
    row = {
        "iso3": a["iso3"],
        "period": a["period"],
        "score": a["score"],
        "tier": a["tier"],
        "confidence": a["confidence"],
        **{m: (None if a["metrics"][m] is None else round(a["metrics"][m], 4)) for m in metric_names},
        "missing": ";".join(a["coverage"]["missing"]),
        "reasons": " | ".join(a["reasons"]),
    }
    if sens:
        row["tier_change_rate"] = sens["tier_change_rate"]
    return row


def register(app: typer.Typer) -> None:
    """Add `assess` and `backtest` to the root CLI."""

    @app.command("assess")
    @user_errors
    def assess_cmd(
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="uk, eu or us.")] = "uk",
        period: Annotated[str, typer.Option("--period", help="Period: 2023, 2023Q4, FY2018.")] = "2023",
        fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
        sensitivity: Annotated[
            int,
            typer.Option("--sensitivity", min=0, max=10_000, help="Perturbed re-scorings (tier stability)."),
        ] = 0,
        seed: Annotated[int, typer.Option("--seed", min=0, help="Seed for --sensitivity.")] = 0,
        limit: Annotated[int, typer.Option("--limit", min=0, help="Rows in the table (0 = all).")] = 40,
    ) -> None:
        """Assess cooperation on returns per nationality (analyst construction), sorted by score."""
        from visalever.assess.document import assessment_document

        doc = assessment_document(jurisdiction, period, sensitivity, seed)
        if fmt is Format.json:
            emit_json(doc)
            return
        # The table shows up to four ratios that have a value in this period (2025 has no irregular
        # arrivals or trend by nationality, so the columns follow the data); csv carries every metric.
        preferred = [
            "returns_per_refused_claim",
            "cohort_returns_per_refusal",
            "returns_per_irregular_arrival",
            "returns_per_small_boat_arrival",
            "enforced_share",
            "returns_trend",
        ]
        with_data = [
            m
            for m in doc["method"]["metrics"]
            if any(a["metrics"].get(m) is not None for a in doc["assessments"])
        ]
        shown = (
            [m for m in preferred if m in with_data][:4]
            or with_data[:4]
            or list(doc["method"]["metrics"])[:4]
        )
        rows = [
            _flat(a, list(doc["method"]["metrics"]) if fmt is Format.csv else shown)
            for a in doc["assessments"]
        ]
        if fmt is Format.csv:
            emit_csv(rows)
            return
        cols = ["iso3", "score", "tier", "confidence", *shown]
        if sensitivity:
            cols.append("tier_change_rate")
        title = (
            f"{doc['method']['title']}: {period} ({doc['scored']} scored of {doc['count']}; "
            "analyst construction, not an official statistic)"
        )
        emit_table(rows[:limit] if limit else rows, cols, title=title)

    @app.command("backtest")
    @user_errors
    def backtest_cmd(
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="uk, eu or us.")] = "uk",
        fmt: Annotated[
            BacktestFormat, typer.Option("--format", help="markdown or json.")
        ] = BacktestFormat.markdown,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", help="Markdown file whose section for this jurisdiction is regenerated."
            ),
        ] = None,
        write: Annotated[bool, typer.Option("--write/--no-write", help="Update the markdown file.")] = True,
    ) -> None:
        """Backtest the fixed method against real acts; regenerates its section of docs/BACKTESTS.md."""
        import sys

        from visalever.assess.backtest import backtest, default_backtests_path, render_markdown, write_section

        result = backtest(jurisdiction)
        if fmt is BacktestFormat.json:
            emit_json(result)
        else:
            sys.stdout.write(render_markdown(result))
        if write:
            path = output or default_backtests_path()
            write_section(path, jurisdiction, render_markdown(result))
            sys.stderr.write(f"wrote the {jurisdiction} section of {path}\n")
