"""Shared helpers for CLI commands: one-line errors with exit status 2, and output formats."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    """Print one red line on stderr and exit with `code` (2: bad input)."""
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def user_errors(func: F) -> F:
    """Turn `InputError` (and ValueError from validation) into a one-line error and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from visalever.errors import InputError

        try:
            return func(*args, **kwargs)
        except InputError as err:
            fail(str(err))

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    """Write JSON to stdout (dates and other objects rendered with `str`)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    sys.stdout.write("\n")


def emit_table(
    rows: Sequence[dict[str, Any]], columns: Iterable[str] | None = None, title: str | None = None
) -> None:
    """Render dict rows as a Rich table on stdout."""
    from rich.console import Console
    from rich.table import Table

    cols = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    table = Table(title=title)
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in cols])
    Console().print(table)


def emit_csv(rows: Sequence[dict[str, Any]], columns: Iterable[str] | None = None) -> None:
    """Write dict rows as CSV to stdout."""
    import csv

    cols = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    writer = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(r)


def parse_date(text: str | None, name: str) -> dt.date | None:
    """A `--name YYYY-MM-DD` option as a date (None stays None); anything else exits 2 naming it."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--{name}: not a date YYYY-MM-DD: {text!r}")
    return None


def table_or_json(fmt: str) -> str:
    """The `--format` option of commands that print a table or JSON."""
    if fmt not in ("table", "json"):
        fail(f"--format: expected table or json, got {fmt!r}")
    return fmt
