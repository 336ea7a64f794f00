"""The `visalever` command line: one command per job, each a thin shell over library functions.

Each domain registers its own commands from `visalever.commands.<domain>` so that a module owns its
commands; heavy imports (Polars, FastAPI, ...) happen inside the command bodies to keep start-up
fast for quick queries.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from visalever import commands

app = typer.Typer(
    name="visalever",
    help="Rules as code for returns-linked visa policy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    """Import every module in `visalever.commands` and let it add its commands to `app`."""
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()

if __name__ == "__main__":
    app()
