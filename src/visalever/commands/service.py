"""CLI for the decision service: `serve`, `audit keygen`, `audit verify` (tokens: commands/tokens.py).

Every command that opens a database applies pending migrations first, so a fresh path just works.
"""

from __future__ import annotations

import typer

from visalever.commands._common import emit_json, fail, user_errors

DB_HELP = "Database URL: sqlite:///PATH (default var/visalever.db) or postgresql+psycopg://USER@HOST/DB"

audit_app = typer.Typer(help="The keyed, hash-chained audit log.", no_args_is_help=True)
KEY_FILE_HELP = ("File with the audit key (64 hex digits, from `visalever audit keygen`), kept OUTSIDE the "
                 "database; entries are then HMAC-SHA256 keyed. Environment: VISALEVER_AUDIT_KEY_FILE (or "
                 "the key itself in VISALEVER_AUDIT_KEY). Without a key the chain only shows accidents.")
CHECKPOINTS_HELP = ("Append-only file OUTSIDE the database for signed checkpoints (head seq + hash); needs "
                    "the key. Environment: VISALEVER_AUDIT_CHECKPOINTS.")


@user_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    policy: str = typer.Option("uk-statutory", "--policy", help="Policy the decisions apply."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes sharing the database."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
    audit_key_file: str = typer.Option(None, "--audit-key-file", envvar="VISALEVER_AUDIT_KEY_FILE",
                                       help=KEY_FILE_HELP),
    audit_checkpoints: str = typer.Option(None, "--audit-checkpoints", envvar="VISALEVER_AUDIT_CHECKPOINTS",
                                          help=CHECKPOINTS_HELP),
    checkpoint_interval: float = typer.Option(
        1.0, "--audit-checkpoint-interval", min=0, envvar="VISALEVER_AUDIT_CHECKPOINT_INTERVAL",
        help="Seconds between checkpoint lines per process (0: one per commit). Entries committed since "
             "the last checkpoint are covered by the key but not against truncation."),
    db_wait: float = typer.Option(
        60.0, "--db-wait", min=0, envvar="VISALEVER_DB_WAIT",
        help="At start-up, wait up to this many seconds for an unreachable database (retrying with "
             "backoff from 0.5 s doubling to 5 s) before giving up; 0 fails at once."),
    max_header_bytes: int = typer.Option(
        32 * 1024, "--max-header-bytes", min=1024,
        help="Largest request line + headers accepted (larger: 431). Bodies are limited to 1 MB (413)."),
    graceful_timeout: float = typer.Option(
        30.0, "--graceful-timeout", min=0,
        help="On SIGTERM: stop accepting, finish the requests (and decision batch) in flight for up to "
             "this many seconds, then exit."),
) -> None:
    """Serve the HTTP API (/docs, /openapi.json) and, when installed, the dashboard at /."""
    import os

    import uvicorn

    from visalever.service import audit
    from visalever.service.db import normalise_url

    url = normalise_url(db)
    for name, value in (("VISALEVER_AUDIT_KEY_FILE", audit_key_file),
                        ("VISALEVER_AUDIT_CHECKPOINTS", audit_checkpoints)):
        if value:
            os.environ[name] = str(os.path.abspath(value))
    os.environ["VISALEVER_AUDIT_CHECKPOINT_INTERVAL"] = str(checkpoint_interval)
    if audit.settings_from_env().key is None:
        typer.echo("warning: " + audit.UNKEYED_WARNING, err=True)
    from visalever.service.db import database_unreachable, wait_for_database

    # migrate once before any worker starts, waiting for the database if it is not up yet
    try:
        wait_for_database(url, db_wait, say=lambda line: typer.echo(line, err=True)).dispose()
    except Exception as err:
        if not database_unreachable(err):
            raise
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        fail(f"--db: the database is still unreachable after {db_wait:g} s (--db-wait): {first}", code=3)
    if policy != "uk-statutory":
        from visalever.policy import load_policy

        load_policy(policy)  # a bad policy id fails here with one line, not in every worker
    os.environ["VISALEVER_DB"] = url
    os.environ["VISALEVER_POLICY"] = policy
    os.environ["VISALEVER_DB_WAIT"] = str(db_wait)  # a worker (re)started during an outage waits too
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import tempfile

        # /metrics of any worker sums every worker (prometheus-client's multiprocess mode)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="visalever-metrics-")
    from visalever.service.http_limits import LimitedHttpToolsProtocol

    LimitedHttpToolsProtocol.max_head = max_header_bytes
    os.environ["VISALEVER_MAX_HEADER_BYTES"] = str(max_header_bytes)
    uvicorn.run("visalever.service.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=False, timeout_keep_alive=30,
                http="visalever.service.http_limits:LimitedHttpToolsProtocol",
                timeout_graceful_shutdown=graceful_timeout or None)


@audit_app.command("keygen")
@user_errors
def audit_keygen(
    out: str = typer.Option(..., "--out", help="Key file to create (mode 0600; never overwritten)."),
) -> None:
    """Create a random 32-byte audit key file; give it to `serve --audit-key-file` and keep a copy
    off the database host (whoever holds it can rewrite the log undetected)."""
    from visalever.service import audit

    path = audit.write_new_key(out)
    typer.echo(f"audit key written to {path} (keep it outside the database and its backups)")


@audit_app.command("verify")
@user_errors
def audit_verify(
    db: str = typer.Option(None, "--db", help=DB_HELP),
    format: str = typer.Option("table", "--format", help="table or json"),
    key_file: str = typer.Option(None, "--key-file", envvar="VISALEVER_AUDIT_KEY_FILE", help=KEY_FILE_HELP),
    checkpoints: list[str] = typer.Option(  # noqa: B008
        None, "--checkpoints", envvar="VISALEVER_AUDIT_CHECKPOINTS",
        help="Checkpoint file written by the servers (signed head seq + hash); repeat: one per host."),
) -> None:
    """Walk the audit chain (keyed when a key is given), check it against the signed checkpoints and
    cross-check the decisions, idempotency and quota tables; exit 1 naming the first thing wrong."""
    import os

    from visalever.service import audit
    from visalever.service.db import open_database, read_tx

    key = audit.read_key(key_file) if key_file else None
    if key is None and os.environ.get(audit.KEY_ENV):
        key = audit.settings_from_env().key
    engine = open_database(db)
    try:
        with read_tx(engine) as tx:
            result = audit.verify(tx, key=key, checkpoints=checkpoints)
    finally:
        engine.dispose()
    if format == "json":
        emit_json(result.as_dict())
    elif result.ok:
        keyed = "keyed (HMAC-SHA256)" if result.keyed else "UNKEYED"
        marks = f", {result.checkpoints} signed checkpoints" if result.checkpoints is not None else ""
        typer.echo(f"audit chain intact: {result.entries} entries, {keyed}{marks}; decisions, idempotency "
                   "keys and quotas agree with the log")
    else:
        typer.echo(f"audit chain BROKEN at entry {result.first_broken_seq}: {result.reason}", err=True)
    for warning in result.warnings:
        typer.echo(f"WARNING: {warning}", err=True)
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `serve` and `audit` to the root CLI."""
    app.command("serve")(serve)
    app.add_typer(audit_app, name="audit")
