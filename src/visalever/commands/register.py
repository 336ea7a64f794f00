"""CLI: `agreements` and `designations`: the registers of returns arrangements and of acts."""

from __future__ import annotations

import datetime as dt

import typer

from visalever.commands._common import emit_json, emit_table, parse_date, table_or_json, user_errors


def register(app: typer.Typer) -> None:
    """Add `agreements` and `designations` to the root CLI."""
    @app.command("agreements")
    @user_errors
    def agreements(
        jurisdiction: str = typer.Option("uk", help="uk, eu or us"),
        as_of: str = typer.Option(
            None, "--as-of", help="Only arrangements in force on this date (YYYY-MM-DD)"
        ),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """List returns arrangements (those in force on --as-of, or all)."""
        from visalever.policy import agreements_in_force, load_agreements

        fmt, day = table_or_json(format), parse_date(as_of, "as-of")
        rows = agreements_in_force(jurisdiction, day) if day else load_agreements(jurisdiction)
        rows = sorted(rows, key=lambda a: (a.iso3, a.effective_from() or dt.date.min))
        data = [a.model_dump(mode="json") | {"in_force_from": (a.effective_from() or None)} for a in rows]
        for d in data:
            d["in_force_from"] = d["in_force_from"].isoformat() if d["in_force_from"] else None
        if fmt == "json":
            emit_json(data)
        else:
            emit_table(
                data,
                ["iso3", "kind", "in_force_from", "status", "title"],
                title=f"{jurisdiction} returns arrangements" + (f" in force on {day}" if day else ""),
            )

    @app.command("designations")
    @user_errors
    def designations(
        jurisdiction: str = typer.Option(None, help="uk, eu or us (default: all)"),
        due_for_review: bool = typer.Option(False, "--due-for-review", help="Only those due for review"),
        as_of: str = typer.Option(None, "--as-of"),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """List designations (the acts applied), or those due for review on --as-of."""
        from visalever.policy import due_for_review as due_fn

        fmt, day = table_or_json(format), parse_date(as_of, "as-of") or dt.date.today()
        from visalever.policy.in_force import check_jurisdiction, designation_files, load_designation_file

        # every designations file of each regime (243(d) and 212(f) acts, the UK visa brake, ...)
        items = [
            d for j in check_jurisdiction(jurisdiction) for path in designation_files(j)
            for d in load_designation_file(path)
        ]
        if due_for_review:
            data = [
                d.model_dump(mode="json") | {"review_due": due.isoformat()} for d, due in due_fn(items, day)
            ]
        else:
            data = [d.model_dump(mode="json") | {"in_force": d.in_force(day)} for d in items]
        if fmt == "json":
            emit_json(data)
        else:
            emit_table(
                data, ["id", "iso3", "kind", "start", "end", "review_due", "title"], title="Designations"
            )
