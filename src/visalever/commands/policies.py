"""CLI: `policy show|check|diff`: a policy on a date, validating regime files, comparing two policies."""

from __future__ import annotations

import datetime as dt

import typer

from visalever.commands._common import emit_json, emit_table, parse_date, table_or_json, user_errors


def register(app: typer.Typer) -> None:
    """Add the `policy` command group to the root CLI."""
    policy_app = typer.Typer(help="Show, check and compare policies.", no_args_is_help=True)
    app.add_typer(policy_app, name="policy")

    @policy_app.command("show")
    @user_errors
    def show(
        ref: str = typer.Argument(..., help="Policy id or path"),
        as_of: str = typer.Option(None, "--as-of", help="The date (default: today)"),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """Show a policy on a date: window, parameters, vocabulary and the rows carrying a measure
        (the same document as GET /v1/policies/{id}?as_of=)."""
        from visalever.policy import load_policy, show_policy

        fmt, day = table_or_json(format), parse_date(as_of, "as-of") or dt.date.today()
        pol = load_policy(ref)
        data = show_policy(pol, day)
        if fmt == "json":
            emit_json(data)
            return
        typer.echo(f"{pol.id} ({pol.status}) revision {pol.revision}: {pol.title}")
        window = data["policy"]["in_force"]
        if window:
            end = window["to"] or "no end date"
            typer.echo(f"In force from {window['from']} to {end} ({window['reference']['title']})")
        if not data["in_force_on_date"]:
            typer.echo(f"NOT IN FORCE on {day}: decisions for that date are refused")
        if pol.note:
            typer.echo(f"NOTE: {pol.note.strip()}")
        emit_table(data["parameters"], ["parameter", "value", "unit", "verified", "reference"],
                   title=f"Parameters on {day}")
        vocab = data["vocabulary"]
        for kind in ("visa_classes", "applicant_groups"):
            if vocab[kind]:
                title = kind.replace("_", " ").capitalize()
                emit_table(vocab[kind], ["value", "title", "aliases"], title=title)
        emit_table(
            data["measures_applied"],
            ["iso3", "category", "tier", "outcome", "surcharge_amount", "slowdown_days", "priority_allowed",
             "quota", "measure_ids"],
            title="Rows with measures",
        )

    @policy_app.command("check")
    @user_errors
    def check(
        path: str = typer.Argument(..., help="A policy, parameters, agreements or designations YAML"),
    ) -> None:
        """Validate a regime file: exit 0 if valid, 2 with `file:key: reason` if not."""
        from visalever.policy import check_file

        typer.echo(f"ok: {path}: {check_file(path)}")

    @policy_app.command("diff")
    @user_errors
    def diff(
        a: str = typer.Argument(...),
        b: str = typer.Argument(...),
        as_of: str = typer.Option(None, "--as-of"),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """Parameters and measures-table cells that differ between two policies on a date."""
        from visalever.policy import diff_policies, load_policy

        fmt, day = table_or_json(format), parse_date(as_of, "as-of") or dt.date.today()
        data = diff_policies(load_policy(a), load_policy(b), day)
        if fmt == "json":
            emit_json(data)
            return
        for key, columns, what in (
            ("parameters", ["parameter", "a", "b"], "Parameters"),
            ("measures", ["iso3", "category", "field", "a", "b"], "Measures"),
        ):
            title = f"{what} that differ ({a} vs {b}, {day})"
            if data[key]:
                emit_table(data[key], columns, title=title)
            else:
                typer.echo(f"{title}: none")
