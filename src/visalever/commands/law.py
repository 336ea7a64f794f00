"""CLI for the law as data: `agreements`, `decide`, `policy show|check|diff`, `designations`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from visalever.commands._common import emit_json, emit_table, fail, user_errors


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--{name}: not a date YYYY-MM-DD: {text!r}")
    return None


def _fmt(fmt: str) -> str:
    if fmt not in ("table", "json"):
        fail(f"--format: expected table or json, got {fmt!r}")
    return fmt


def register(app: typer.Typer) -> None:
    """Add the law commands to the root CLI."""
    policy_app = typer.Typer(help="Show, check and compare policies.", no_args_is_help=True)
    app.add_typer(policy_app, name="policy")

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

        fmt, day = _fmt(format), _date(as_of, "as-of")
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

    @app.command("decide")
    @user_errors
    def decide_cmd(
        policy: str = typer.Option("uk-statutory", help="Policy id or path to a policy/reform YAML"),
        nationality: str = typer.Option(..., help="ISO 3166-1 alpha-3"),
        category: str = typer.Option(..., help="visit, study, work, family or other"),
        date: str = typer.Option(..., help="Application date YYYY-MM-DD"),
        priority: bool = typer.Option(False, "--priority", help="The applicant asks for priority service"),
        exemption: list[str] = typer.Option(None, "--exemption", help="Exemption claimed (repeatable)"),  # noqa: B008
        visa_class: str = typer.Option(
            None, "--visa-class",
            help="Visa class in the regime's vocabulary, e.g. B-1/B-2 (US); `policy show ID` lists them",
        ),
        applicant_group: str = typer.Option(
            None, "--applicant-group",
            help="Applicant group in the regime's vocabulary, e.g. government_official (US)",
        ),
        as_of: str = typer.Option(
            None, "--as-of",
            help="Accepted for compatibility: measures and fees follow the application date in every "
            "packaged regime (e.g. NABA 2022 s.70(5)), so a later date does not change the answer",
        ),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """Decide one application and explain why."""
        from pydantic import ValidationError

        from visalever.errors import InputError
        from visalever.policy import Application, decide, load_policy

        fmt = _fmt(format)
        pol = load_policy(policy)
        try:
            app_ = Application(
                application_id="cli",
                nationality=nationality.upper(),
                category=category,
                application_date=date,
                priority_service=priority,
                exemptions=list(exemption or []),
                visa_class=visa_class,
                applicant_group=applicant_group,
            )
        except ValidationError as err:
            first = err.errors()[0]
            raise InputError(first["msg"], location=".".join(map(str, first["loc"]))) from None
        decision = decide(app_, pol, _date(as_of, "as-of"))
        data = decision.model_dump(mode="json")
        if fmt == "json":
            emit_json(data)
            return
        rows = [
            {"field": k, "value": v}
            for k, v in data.items()
            if k not in ("reasons", "policy", "missing", "unknown")
        ]
        emit_table(rows, title=f"Decision under {pol.id} (revision {pol.revision}, {pol.status})")
        emit_table(
            [
                {
                    "measure": r["measure"],
                    "source": r["source"],
                    "law": r["legal_reference"]["title"],
                    "text": r["text"].strip(),
                }
                for r in data["reasons"]
            ],
            title="Reasons",
        )
        for m in decision.missing:
            act = f" (act {m.act})" if m.act else ""
            typer.echo(
                f"NEEDS INFORMATION: {m.field} decides whether measure {m.measure}{act} applies; "
                f"allowed values: {', '.join(m.allowed)}"
            )
        for u in decision.unknown:
            typer.echo(f"UNKNOWN {u.field}: {u.reason}")
        if pol.status != "enacted":
            typer.echo(f"NOTE: {pol.note}")

    @policy_app.command("show")
    @user_errors
    def show(
        ref: str = typer.Argument(..., help="Policy id or path"),
        as_of: str = typer.Option(None, "--as-of"),
        format: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """Show a policy: metadata, parameters in effect, and the measures table's non-default rows."""
        import polars as pl

        from visalever.policy import load_policy, resolve

        fmt, day = _fmt(format), _date(as_of, "as-of") or dt.date.today()
        pol = load_policy(ref)
        params = []
        for pid, p in sorted(pol.parameters.items()):
            value, pv = p.at(day)
            params.append(
                {
                    "parameter": pid,
                    "value": value,
                    "unit": p.currency or p.unit,
                    "verified": pv.verified if pv else None,
                    "reference": pv.reference.title if pv else None,
                }
            )
        table = resolve(pol, day)
        frame = table.frame.filter(pl.col("measure_ids").list.len() > 0)
        rows = frame.drop([c for c in frame.columns if c.startswith("base_")]).to_dicts()
        data: dict[str, Any] = {
            "policy": pol.summary(),
            "as_of": day.isoformat(),
            "parameters": params,
            "tiers": [t.model_dump(mode="json") for t in pol.tiers],
            "exemptions": sorted(pol.exemptions),
            "measures_applied": rows,
        }
        if fmt == "json":
            emit_json(data)
            return
        typer.echo(f"{pol.id} ({pol.status}) revision {pol.revision}: {pol.title}")
        if pol.note:
            typer.echo(f"NOTE: {pol.note.strip()}")
        emit_table(params, title=f"Parameters on {day}")
        emit_table(
            rows,
            [
                "iso3",
                "category",
                "tier",
                "outcome",
                "surcharge_amount",
                "slowdown_days",
                "priority_allowed",
                "quota",
                "measure_ids",
            ],
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

        fmt, day = _fmt(format), _date(as_of, "as-of") or dt.date.today()
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
        from visalever.policy import load_designations

        fmt, day = _fmt(format), _date(as_of, "as-of") or dt.date.today()
        items = load_designations(jurisdiction)
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
