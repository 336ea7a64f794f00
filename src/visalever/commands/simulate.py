"""`visalever simulate`: baseline vs reform on a year's real flows, as a table, JSON or CSV.

A thin shell over `visalever.simulate.run.simulate`, the same function the API job runner calls.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from visalever.commands._common import emit_csv, emit_json, emit_table, fail, user_errors


class Format(StrEnum):
    """Output formats of `simulate`."""

    table = "table"
    json = "json"
    csv = "csv"


def register(app: typer.Typer) -> None:
    """Add the `simulate` command to the root CLI."""

    @app.command("simulate")
    @user_errors
    def simulate_cmd(
        policy: Annotated[str, typer.Option("--policy", help="Reform: policy id or path to a YAML reform.")],
        baseline: Annotated[str, typer.Option("--baseline", help="Baseline policy id or YAML path.")] = (
            "uk-statutory"
        ),
        year: Annotated[int, typer.Option("--year", help="Year of published grants to replay.")] = 2025,
        draws: Annotated[int, typer.Option("--draws", min=1, max=100_000, help="Monte Carlo draws.")] = 1,
        microdata: Annotated[bool, typer.Option("--microdata", help="Replay synthetic records.")] = False,
        seed: Annotated[int, typer.Option("--seed", min=0, help="Seed for draws and microdata.")] = 0,
        as_of: Annotated[str | None, typer.Option("--as-of", help="Date the law is read at.")] = None,
        fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
        limit: Annotated[int, typer.Option("--limit", help="Countries shown in the table.")] = 25,
        behaviour: Annotated[
            str | None, typer.Option("--behaviour", help="Own behaviour YAML (default: the packaged one).")
        ] = None,
    ) -> None:
        """Simulate a reform against a baseline policy on real flows (bands with --draws > 1)."""
        from visalever.errors import InputError
        from visalever.simulate.behaviour import load_behaviour
        from visalever.simulate.outputs import flat_rows, table_rows
        from visalever.simulate.run import SimulationRequest, simulate

        when = None
        if as_of:
            try:
                when = date.fromisoformat(as_of)
            except ValueError:
                fail(f"--as-of: not a date (YYYY-MM-DD): {as_of!r}")
        try:
            request = SimulationRequest(
                policy=policy, baseline=baseline, year=year, draws=draws, microdata=microdata, seed=seed,
                as_of=when,
            )
        except ValueError as err:
            raise InputError(str(err).splitlines()[0]) from None
        beh = load_behaviour(behaviour) if behaviour else None
        long_run = microdata or draws >= 2_000
        if long_run:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), console=Console(stderr=True), transient=True,
            ) as bar:
                task = bar.add_task("simulating", total=1.0)
                doc = simulate(
                    request, behaviour=beh,
                    progress=lambda f, msg: bar.update(task, completed=f, description=msg),
                )
        else:
            doc = simulate(request, behaviour=beh)
        if fmt == Format.json:
            emit_json(doc)
        elif fmt == Format.csv:
            emit_csv(flat_rows(doc))
        else:
            from rich.console import Console

            meta = doc["metadata"]
            band = "; median, 5-95 % band" if meta["draws"] > 1 else ""
            title = f"{policy} vs {baseline}, {meta['year']} ({meta['currency']}{band})"
            emit_table(table_rows(doc, limit), title=title)
            err = Console(stderr=False, highlight=False, soft_wrap=True)
            err.print(f"[yellow]{doc['label']}[/]")
            gap = meta["baseline_gap"]["by_category"]
            gaps = ", ".join(f"{k} {v['gap']:,.0f}" for k, v in gap.items() if v["gap"])
            if gaps:
                err.print(f"Published gap (national total - nationality rows, shown as unallocated): {gaps}")
            err.print(f"Leverage denominator: {meta['leverage_denominator']['definition']}")
            if meta.get("attribution"):
                err.print(meta["attribution"])
