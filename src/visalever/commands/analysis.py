"""`visalever effects`, `appraise`, `optimise` and `brief`: evidence on past acts, options, packages, briefs.

Thin shells over `visalever.effects`, `visalever.appraise` and `visalever.brief`; every JSON output is
the document the matching `/v1/...` endpoint returns.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from visalever.commands._common import emit_json, user_errors


class EffectsFormat(StrEnum):
    """Output formats of `effects`."""

    markdown = "markdown"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the root CLI."""

    @app.command("effects")
    @user_errors
    def effects_cmd(
        jurisdiction: Annotated[
            str | None, typer.Option("--jurisdiction", help="uk, eu or us (default: all three).")
        ] = None,
        fmt: Annotated[
            EffectsFormat, typer.Option("--format", help="markdown or json.")
        ] = EffectsFormat.markdown,
        output: Annotated[
            Path | None, typer.Option("--output", help="Markdown file whose sections are regenerated.")
        ] = None,
        write: Annotated[bool, typer.Option("--write/--no-write", help="Update docs/EFFECTS.md.")] = True,
    ) -> None:
        """Returns and visas before and after each past act, against other nationalities (docs/EFFECTS.md)."""
        from visalever.effects.acts import INDICATORS, effects
        from visalever.effects.report import default_effects_path, render_markdown, write_section

        js = [jurisdiction.lower()] if jurisdiction else list(INDICATORS)
        docs = [effects(j) for j in js]
        if fmt is EffectsFormat.json:
            emit_json(docs[0] if jurisdiction else {"jurisdictions": docs})
        else:
            sys.stdout.write("\n".join(render_markdown(d) for d in docs))
        if write:
            path = output or default_effects_path()
            for d in docs:
                write_section(path, d["jurisdiction"], render_markdown(d))
            sys.stderr.write(f"wrote {', '.join(js)} section(s) of {path}\n")

    register_appraise(app)
    register_optimise(app)
    register_brief(app)


class OptionsFormat(StrEnum):
    """Output formats of `appraise`."""

    table = "table"
    json = "json"


def register_appraise(app: typer.Typer) -> None:
    """Add `appraise` to the root CLI."""

    @app.command("appraise")
    @user_errors
    def appraise_cmd(
        country: Annotated[str, typer.Option("--country", help="ISO3 code of the nationality.")],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="uk, eu or us.")] = "uk",
        year: Annotated[int, typer.Option("--year", help="Year of the grant flows.")] = 2025,
        fmt: Annotated[OptionsFormat, typer.Option("--format", help="table or json.")] = OptionsFormat.table,
    ) -> None:
        """Every rung of the regime's ladder for one nationality: simulated cost, pool, expected response."""
        from visalever.appraise.options import appraise
        from visalever.commands._common import emit_table

        doc = appraise(country, jurisdiction.lower(), year)
        if fmt is OptionsFormat.json:
            emit_json(doc)
            return
        emit_table(
            options_rows(doc),
            title=(
                f"{doc['country']} ({doc['iso3']}), {jurisdiction} {year}: options (modelled, not acts); "
                "pool "
                f"{doc['pool']} ({doc['pool_method'].split(':')[0]}); returns base {doc['returns_base']} "
                f"({doc['returns_base_period']})"
            ),
        )


def options_rows(doc: dict) -> list[dict]:  # type: ignore[type-arg]
    from visalever.appraise.options import options_rows as rows

    return rows(doc)


def _limits(items: list[str], location: str = "--limit") -> dict[str, float]:
    from visalever.appraise.package import parse_limits

    return parse_limits(items, location)


def register_optimise(app: typer.Typer) -> None:
    """Add `optimise` to the root CLI."""

    @app.command("optimise")
    @user_errors
    def optimise_cmd(
        target: Annotated[
            str, typer.Option("--target", help="metric=amount, e.g. returns=200 or visas_at_stake=50000.")
        ],
        jurisdiction: Annotated[
            str, typer.Option("--jurisdiction", help="uk (grant flows by category).")
        ] = "uk",
        year: Annotated[int, typer.Option("--year", help="Year of the grant flows.")] = 2025,
        cost: Annotated[
            str, typer.Option("--cost", help="students_workers, visas, revenue_loss or applications.")
        ] = "students_workers",
        limit: Annotated[
            list[str] | None,
            typer.Option(
                "--limit", help="name=max, repeatable: visas, students_workers, revenue_loss, countries."
            ),
        ] = None,
        fmt: Annotated[OptionsFormat, typer.Option("--format", help="table or json.")] = OptionsFormat.table,
    ) -> None:
        """Least-cost package: at most one rung per flagged country reaching the target (exact MILP)."""
        from visalever.appraise.package import optimise
        from visalever.commands._common import emit_table

        ((metric, amount),) = _limits([target], "--target").items()
        doc = optimise(jurisdiction.lower(), year, metric, amount, cost=cost, limits=_limits(limit or []))
        if fmt is OptionsFormat.json:
            emit_json(doc)
            return
        head = (
            f"{jurisdiction} {year}: target {metric} >= {amount:g}, least {cost}"
            + (
                ", limits " + ", ".join(f"{k}<={v['max']:g}" for k, v in doc["limits"].items())
                if limit
                else ""
            )
            + f" ({len(doc['flagged_countries'])} flagged countries, {doc['options_considered']} options; "
            f"modelled, not acts)"
        )
        if not doc["feasible"]:
            sys.stdout.write(
                f"{head}\nno package reaches the target under these limits; the most reachable is "
                f"{doc['most_reachable']:g}\n"
            )
            return
        emit_table(doc["package"], title=head)
        sys.stdout.write(
            f"cost {doc['package_cost']:,.1f}, {metric} {doc['package_benefit']:,.1f}; "
            f"solved in {doc['timing_seconds']['solve']:.3f} s ({doc['timing_seconds']['total']:.2f} s "
            "with the appraisal)\n"
        )
        for label, s in doc["sensitivity"].items():
            sys.stdout.write(
                f"at the {label} responses: "
                + (
                    f"least cost {s['cost']:,.1f} with {len(s['package'])} rungs"
                    if s["feasible"]
                    else f"target out of reach (most {s['most_reachable']:g})"
                )
                + f"; the central package would bring {s['central_package_returns']:,.1f}\n"
            )


class BriefFormat(StrEnum):
    """Output formats of `brief`."""

    html = "html"
    pdf = "pdf"
    md = "md"
    json = "json"


def register_brief(app: typer.Typer) -> None:
    """Add `brief` to the root CLI."""

    @app.command("brief")
    @user_errors
    def brief_cmd(
        country: Annotated[str, typer.Option("--country", help="ISO3 code of the nationality.")],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="uk, eu or us.")] = "uk",
        as_of: Annotated[
            dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date (default today).")
        ] = None,
        fmt: Annotated[
            BriefFormat, typer.Option("--format", help="html, pdf, md or json.")
        ] = BriefFormat.html,
        target: Annotated[
            str, typer.Option("--target", help="Package target metric=amount (returns or visas_at_stake).")
        ] = "returns=200",
        output: Annotated[
            Path | None,
            typer.Option("--output", "-o", help="File to write (default: stdout; PDF: brief-<ISO3>.pdf)."),
        ] = None,
    ) -> None:
        """The country brief: agreements, acts, evidence, past-lever effects, options, package, sources."""
        from visalever.brief import build_brief, to_html, to_json, to_markdown, to_pdf

        ((metric, amount),) = _limits([target], "--target").items()
        doc = build_brief(
            country, jurisdiction, as_of=as_of.date() if as_of else None, target=(metric, amount)
        )
        if fmt is BriefFormat.pdf:
            path = to_pdf(to_html(doc), output or Path(f"brief-{doc['iso3']}-{doc['jurisdiction']}.pdf"))
            sys.stderr.write(f"wrote {path}\n")
            return
        text = {"html": to_html, "md": to_markdown, "json": to_json}[fmt.value](doc)
        if output:
            output.write_text(text, encoding="utf-8")
            sys.stderr.write(f"wrote {output}\n")
        else:
            sys.stdout.write(text)
