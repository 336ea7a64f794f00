"""CLI for the law desk: `measures` (what is in force for a nationality on a day) and `changes` (the
changelog of the law between two dates), both read from the dated regime YAML."""

from __future__ import annotations

import datetime as dt

import typer

from visalever.commands._common import emit_csv, emit_json, emit_table, fail, parse_date, user_errors

MEASURE_COLUMNS = ["jurisdiction", "lever", "status", "ground", "start", "end", "title", "scope", "source"]


def _fmt(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        fail(f"--format: expected {' or '.join(allowed)}, got {fmt!r}")
    return fmt


def register(app: typer.Typer) -> None:
    """Add the law-desk commands to the root CLI."""

    @app.command("measures")
    @user_errors
    def measures_cmd(
        nationality: str = typer.Option(..., help="ISO 3166-1 alpha-3, e.g. AFG"),
        date: str = typer.Option(None, help="Day to look at, YYYY-MM-DD (default: today)"),
        jurisdiction: str = typer.Option(None, help="uk, eu or us (default: every regime)"),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """Every lever touching a nationality on a day, each with act, ground and source.

        Visa requirement, penalties, suspensions, entry bans, quotas and agreements; proposals are listed as
        proposed, not in force."""
        from visalever.policy.in_force import measures_for

        fmt = _fmt(format, ("table", "json"))
        day = parse_date(date, "date") or dt.date.today()
        levers = measures_for(nationality, day, jurisdiction)
        rows = [lv.as_dict() for lv in levers]
        if fmt == "json":
            emit_json({"nationality": nationality.upper(), "date": day.isoformat(), "measures": rows})
            return
        for r in rows:
            r["source"] = r["source_url"] or r["source_title"]
            no_measure = "" if r["lever"] == "visa_requirement" else "no decision measure"
            r["scope"] = "\n".join(r["measures"]) or no_measure
            if not r["in_force"] and r["status"] != "proposed":
                r["status"] = f"{r['status']} (not in force)"
            elif r["status"] == "proposed":
                r["status"] = "proposed - not in force"
        emit_table(rows, MEASURE_COLUMNS, title=f"Levers touching {nationality.upper()} on {day}")

    @app.command("changes")
    @user_errors
    def changes_cmd(
        since: str = typer.Option(..., help="First day of the window, YYYY-MM-DD"),
        until: str = typer.Option(None, help="Last day of the window, inclusive (default: no limit)"),
        jurisdiction: str = typer.Option(None, help="uk, eu or us (default: every regime)"),
        format: str = typer.Option("table", "--format", help="table, json or csv"),
    ) -> None:
        """The changelog of the law between two dates, each change with its source.

        Every act, agreement, parameter value, visa requirement and policy window that started, ended or
        changed in the window, built from the dated YAML itself."""
        from visalever.policy.changes import COLUMNS, changes_between

        fmt = _fmt(format, ("table", "json", "csv"))
        start = parse_date(since, "since")
        assert start is not None
        rows = [c.as_dict() for c in changes_between(start, parse_date(until, "until"), jurisdiction)]
        if fmt == "json":
            emit_json(rows)
        elif fmt == "csv":
            emit_csv(rows, [*COLUMNS, "verified", "detail"])
        else:
            for r in rows:
                r["source"] = r["source_url"] or r["source_title"]
            window = f"{since} to {until}" if until else f"since {since}"
            emit_table(
                rows,
                ["date", "jurisdiction", "kind", "event", "iso3", "title", "ground", "source"],
                title=f"Changes of the law {window} ({len(rows)})",
            )
