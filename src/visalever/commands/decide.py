"""CLI: `decide`: one application under a policy, with its reasons (the library's `decide`)."""

from __future__ import annotations

import typer

from visalever.commands._common import emit_json, emit_table, parse_date, table_or_json, user_errors


def register(app: typer.Typer) -> None:
    """Add `decide` to the root CLI."""
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

        fmt = table_or_json(format)
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
        decision = decide(app_, pol, parse_date(as_of, "as-of"))
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
