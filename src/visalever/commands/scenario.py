"""`visalever scenario new|check`: write a reform from rows without typing YAML, and check one.

A thin shell over `visalever.policy.scenario` (the same builder the API and the dashboard use), so
`scenario new --designate PAK:s70_surcharge:visit:2025-01-01 --output reform.yaml` writes the file the
dashboard's "download YAML" gives for the same rows, and `visalever simulate --policy reform.yaml`
runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from visalever.commands._common import emit_json, fail, user_errors

scenario_app = typer.Typer(
    help="Build a hypothetical reform from rows (no YAML to write), or check a reform file.",
    no_args_is_help=True,
)


@scenario_app.command("new")
@user_errors
def new_cmd(
    base: Annotated[str, typer.Option("--base", help="Packaged policy it extends.")] = "uk-statutory",
    designate: Annotated[list[str] | None, typer.Option(
        "--designate", help="TARGET:MEASURE:CATEGORIES:START[:END]; TARGET is ISO3, all, no_agreement or "
        "tier:<tier>[@<period>]; CATEGORIES visit, visit+study or all. Repeatable.")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="PARAMETER=VALUE@YYYY-MM-DD, e.g. fees.visit=150@2026-04-01. Repeatable.")] = None,
    scenario_id: Annotated[str | None, typer.Option("--id", help="Scenario id (default: from rows).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title shown in every output.")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="File to write (or stdout).")] = None,
    groups_json: Annotated[bool, typer.Option("--groups-json", help="Groups as JSON.")] = False,
) -> None:
    """Write a scenario reform (status scenario, hypothetical designations) from rows."""
    from rich.console import Console

    from visalever.policy.scenario import ScenarioSpec, build, parse_designate, parse_set

    spec = ScenarioSpec(base=base, designations=[parse_designate(d) for d in designate or []],
                        parameters=[parse_set(s) for s in set_ or []], id=scenario_id, title=title)
    result = build(spec)
    if result.errors:
        flags = {"designations": "--designate", "parameters": "--set"}
        lines = [f"--{e.field or 'scenario'}: {e.message}" if e.row is None else
                 f"{flags[e.section]} #{e.row + 1} {e.field}: {e.message}" for e in result.errors]
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for line in lines[:-1]:
            err.print(f"[bold red]error:[/] {line}")
        fail(lines[-1])
    assert result.yaml is not None
    if output:
        Path(output).write_text(result.yaml, encoding="utf-8")
    else:
        typer.echo(result.yaml, nl=False)
    info = Console(stderr=True, highlight=False, soft_wrap=True)
    for g in result.groups:
        info.print(f"row {g.row + 1}: {g.group} on {g.as_of} -> {len(g.countries)} countries ({g.basis})")
    if output:
        info.print(f"wrote {output} (scenario {result.id}); run it: visalever simulate --policy {output}")
    if groups_json:
        emit_json([g.as_dict() for g in result.groups])


@scenario_app.command("check")
def check_cmd(path: Annotated[str, typer.Argument(help="Reform or scenario YAML file.")]) -> None:
    """Validate a reform file with the policy loader: file:line errors, exit 2 when invalid; notes when a
    group row would now resolve to other countries."""
    from rich.console import Console

    from visalever.policy.scenario import check_file, group_drift

    summary, problems = check_file(path)
    if problems:
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for line in problems[:-1]:
            err.print(f"[bold red]error:[/] {line}")
        fail(problems[-1])
    typer.echo(f"ok: {summary}")
    for line in group_drift(Path(path).read_text(encoding="utf-8")):
        typer.echo(f"note: {line}")


def register(app: typer.Typer) -> None:
    """Add `visalever scenario new|check` to the root CLI."""
    app.add_typer(scenario_app, name="scenario")
