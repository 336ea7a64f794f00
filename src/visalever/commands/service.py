"""CLI for the decision service: `serve`, `token create`, `audit verify`.

Every command that opens a database applies pending migrations first, so a fresh path just works.
"""

from __future__ import annotations

import typer

from visalever.commands._common import emit_json, fail, user_errors

DB_HELP = "Database URL: sqlite:///PATH (default var/visalever.db) or postgresql+psycopg://USER@HOST/DB"

token_app = typer.Typer(help="Bearer tokens for the HTTP API (only a hash is stored).", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@user_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    policy: str = typer.Option("uk-statutory", "--policy", help="Policy the decisions apply."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes sharing the database."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the HTTP API (/docs, /openapi.json) and, when installed, the dashboard at /."""
    import os

    import uvicorn

    from visalever.service.db import normalise_url, open_database

    url = normalise_url(db)
    open_database(url).dispose()  # migrate once before any worker starts
    if policy != "uk-statutory":
        from visalever.policy import load_policy

        load_policy(policy)  # a bad policy id fails here with one line, not in every worker
    os.environ["VISALEVER_DB"] = url
    os.environ["VISALEVER_POLICY"] = policy
    uvicorn.run("visalever.service.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False, timeout_keep_alive=30)


@token_app.command("create")
@user_errors
def token_create(
    role: str = typer.Option(..., "--role", help="viewer, caseworker, analyst, policy_admin or auditor."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    label: str = typer.Option(None, "--label", help="A note on who holds the token."),
) -> None:
    """Create a token and print it alone on stdout, once (only its hash is stored)."""
    from visalever.service.db import open_database
    from visalever.service.tokens import ROLES, create_token

    if role not in ROLES:
        fail(f"--role: unknown role {role!r}; expected one of {', '.join(ROLES)}")
    engine = open_database(db)
    try:
        typer.echo(create_token(engine, role, label))
    finally:
        engine.dispose()


@audit_app.command("verify")
@user_errors
def audit_verify(
    db: str = typer.Option(None, "--db", help=DB_HELP),
    format: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Walk the audit chain; exit 1 and name the first broken link if anything was altered."""
    from visalever.service import audit
    from visalever.service.db import open_database, read_tx

    engine = open_database(db)
    try:
        with read_tx(engine) as tx:
            result = audit.verify(tx)
    finally:
        engine.dispose()
    if format == "json":
        emit_json(result.as_dict())
    elif result.ok:
        typer.echo(f"audit chain intact: {result.entries} entries")
    else:
        typer.echo(f"audit chain BROKEN at entry {result.first_broken_seq}: {result.reason}", err=True)
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `serve`, `token` and `audit` to the root CLI."""
    app.command("serve")(serve)
    app.add_typer(token_app, name="token")
    app.add_typer(audit_app, name="audit")
