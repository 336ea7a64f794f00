"""`visalever effects`, `appraise`, `optimise` and `brief`: evidence on past acts, options, packages, briefs.

Thin shells over `visalever.effects`, `visalever.appraise` and `visalever.brief`; every JSON output is
the document the matching `/v1/...` endpoint returns.
"""

from __future__ import annotations

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
