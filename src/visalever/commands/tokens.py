"""CLI for bearer tokens: `token create`, `token list`, `token revoke`.

Only a token's SHA-256 is stored; `create` prints the secret once. Every server process reads the
token on each request, so `revoke` (and an expiry passing) takes effect at once everywhere.
"""

from __future__ import annotations

import typer

from visalever.commands._common import emit_json, fail, user_errors

DB_HELP = "Database URL: sqlite:///PATH (default var/visalever.db) or postgresql+psycopg://USER@HOST/DB"
# Kept in step with visalever.service.tokens.EXPIRY_HELP (not imported: the CLI starts without SQLAlchemy).
EXPIRES_HELP = ("When the token stops working: a duration such as 30d, 12h or 52w, a date YYYY-MM-DD "
                "(midnight UTC), or 'never'. Default: 90d (90 days from now).")

token_app = typer.Typer(help="Bearer tokens for the HTTP API: create, list, revoke (only a hash is stored).",
                        no_args_is_help=True)


@token_app.command("create")
@user_errors
def token_create(
    role: str = typer.Option(..., "--role", help="viewer, caseworker, analyst, policy_admin or auditor."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    label: str = typer.Option(None, "--label", help="A note on who holds the token."),
    expires: str = typer.Option("90d", "--expires", help=EXPIRES_HELP),
) -> None:
    """Create a token and print it alone on stdout, once (only its hash is stored); its id and expiry
    go to stderr."""
    from visalever.service.db import open_database
    from visalever.service.tokens import ROLES, create_token_with_id, parse_expiry

    if role not in ROLES:
        fail(f"--role: unknown role {role!r}; expected one of {', '.join(ROLES)}")
    expires_at = parse_expiry(expires)
    engine = open_database(db)
    try:
        token_id, token = create_token_with_id(engine, role, label, expires_at=expires_at)
    finally:
        engine.dispose()
    typer.echo(token)
    typer.echo(f"{token_id} ({role}) expires {expires_at or 'never'}", err=True)


@token_app.command("list")
@user_errors
def token_list(
    db: str = typer.Option(None, "--db", help=DB_HELP),
    format: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Every token: id, role, label, created, last used (to the minute), expiry, revoked, state.
    Never the secret."""
    from visalever.service.db import open_database
    from visalever.service.tokens import list_tokens

    if format not in ("table", "json"):
        fail(f"--format: expected table or json, got {format!r}")
    engine = open_database(db)
    try:
        rows = list_tokens(engine)
    finally:
        engine.dispose()
    if format == "json":
        emit_json(rows)
        return
    # Plain columns, never truncated (a table squeezed to the terminal would cut ids and dates).
    columns = ["id", "role", "state", "label", "created", "last_used", "expires", "revoked"]
    cells = [columns, *[["-" if r[c] is None else str(r[c]) for c in columns] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for row in cells:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@token_app.command("revoke")
@user_errors
def token_revoke(
    token_id: str = typer.Argument(..., metavar="ID", help="The token's id (tok_..., see `token list`)."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke a token: every server process refuses it from the next request on."""
    from visalever.service.db import open_database
    from visalever.service.tokens import revoke_token

    engine = open_database(db)
    try:
        row = revoke_token(engine, token_id)
    finally:
        engine.dispose()
    typer.echo(f"{row['id']} ({row['role']}) revoked at {row['revoked']}")


def register(app: typer.Typer) -> None:
    """Add `token` to the root CLI."""
    app.add_typer(token_app, name="token")
