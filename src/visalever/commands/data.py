"""CLI for the data foundation: `countries`, `data build|check|ingest|revisions`, `indicators`.

Heavy imports live inside the commands so `visalever indicators` starts in well under a second.
Exit status: 0 ok; 1 `data check` found errors (unmapped labels, conflicting rows, stale snapshot);
2 bad input (one line naming file/sheet/row/column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from visalever.commands._common import emit_csv, emit_json, emit_table, fail, user_errors

data_app = typer.Typer(
    help="Build, check and extend the snapshot of official statistics.", no_args_is_help=True
)

RawOpt = Annotated[str | None, typer.Option("--raw", help="Raw data root (default ../shared/data).")]
SnapOpt = Annotated[str | None, typer.Option("--snapshot", help="Snapshot directory (default: packaged).")]


def _use_snapshot(path: str | None) -> None:
    import os

    if path:
        os.environ["VISALEVER_SNAPSHOT_DIR"] = str(Path(path).resolve())


def _raw(path: str | None) -> Path:
    from visalever.errors import InputError
    from visalever.paths import raw_data_root

    root = raw_data_root(path)
    if not root.is_dir():
        raise InputError(f"{root}: raw data folder not found (set --raw or VISALEVER_RAW_DATA)")
    return root


@user_errors
def countries(
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    unmapped: Annotated[
        bool, typer.Option("--unmapped", help="List raw labels that map to nothing.")
    ] = False,
    raw: RawOpt = None,
) -> None:
    """List the country registry, or (--unmapped) every raw label with no mapping (prints nothing if none)."""
    if unmapped:
        for family, label, file in unmapped_labels(_raw(raw)):
            print(f"{file}\t{family}\t{label}")
        return
    from visalever.countries import all_countries

    rows = all_countries()
    if fmt == "json":
        emit_json(rows)
    elif fmt == "table":
        emit_table(rows, ["iso3", "iso2", "numeric", "name"], title=f"{len(rows)} countries")
    else:
        fail(f"--format: unknown format {fmt!r} (table|json)")


def unmapped_labels(root: Path, raw: tuple | None = None) -> list[tuple[str, str, str]]:
    """(family, label, file) for every label seen by the readers that resolves to nothing."""
    from visalever.countries import resolve_label
    from visalever.errors import InputError
    from visalever.snapshot import read_raw

    _, _, _, labels = raw if raw is not None else read_raw(root)
    out = set()
    for family, label, file in labels:
        try:
            resolve_label(label, family)
        except InputError:
            out.add((family, label, file))
    return sorted(out, key=lambda t: (t[2], t[0], t[1]))


@data_app.command("build")
@user_errors
def build(raw: RawOpt = None, snapshot: SnapOpt = None) -> None:
    """Rebuild the snapshot from the raw official tables (deterministic; atomic replace)."""
    import time

    from rich.console import Console
    from rich.progress import Progress

    from visalever import snapshot as snap

    _use_snapshot(snapshot)
    root = _raw(raw)
    t0 = time.perf_counter()
    with Progress(console=Console(stderr=True), transient=True) as progress:
        from visalever.sources import READERS

        task = progress.add_task("reading", total=len(READERS))

        def step(name: str) -> None:
            progress.update(task, description=f"reading {name}", advance=1)

        report = snap.build(root, progress=step)
    m = snap.manifest()
    Console(stderr=True).print(
        f"[green]snapshot built[/] {m['observations_rows']:,} observations from {len(m['files'])} files in "
        f"{time.perf_counter() - t0:.1f}s -> {snap.snapshot_dir()}; findings: "
        + ", ".join(f"{k}={v}" for k, v in report["summary"].items())
    )


@data_app.command("check")
@user_errors
def check(
    raw: RawOpt = None,
    snapshot: SnapOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Data-quality report over the raw tables, and whether the snapshot is up to date with them."""
    from visalever import snapshot as snap

    _use_snapshot(snapshot)
    root = _raw(raw)
    obs, files, findings, labels = snap.read_raw(root)
    kept, overlap, _revisions = snap.resolve_overlaps(obs)
    findings = findings + overlap
    # Staleness: raw hashes against the manifest; rows against the snapshot when nothing was ingested.
    try:
        m = snap.manifest()
        old = {f["path"]: f["sha256"] for f in m["files"]}
        changed = [f["path"] for f in files if old.get(f["path"]) != f["sha256"]]
        if changed:
            findings.append(
                {
                    "kind": "stale_snapshot",
                    "severity": "error",
                    "file": ", ".join(changed),
                    "detail": "raw file changed since the snapshot was built: run `visalever data build`",
                    "count": len(changed),
                }
            )
        elif not m.get("ingested") and not snap.canonical(kept).equals(snap.load()):
            findings.append(
                {
                    "kind": "stale_snapshot",
                    "severity": "error",
                    "file": "observations.parquet",
                    "detail": "snapshot rows differ from a rebuild: run `visalever data build`",
                    "count": 1,
                }
            )
        if m.get("ingested"):
            findings.append(
                {
                    "kind": "ingested_releases",
                    "severity": "warning",
                    "file": "manifest.json",
                    "detail": "snapshot carries newer Home Office releases: "
                    + ", ".join(i["file"] for i in m["ingested"]),
                    "count": len(m["ingested"]),
                }
            )
    except FileNotFoundError:
        findings.append(
            {
                "kind": "stale_snapshot",
                "severity": "error",
                "file": str(snap.snapshot_dir()),
                "detail": "no snapshot: run `visalever data build`",
                "count": 1,
            }
        )
    summary = snap.summarise(findings)
    errors = [f for f in findings if f["severity"] == "error"]
    if fmt == "json":
        emit_json({"summary": summary, "errors": len(errors), "findings": findings})
    else:
        emit_table(findings, ["severity", "kind", "count", "file", "detail"], title="data-quality findings")
        emit_table([{"kind": k, "count": v} for k, v in summary.items()], title="summary")
        print(
            f"{len(findings)} findings, {len(errors)} errors; "
            f"{kept.height:,} observations from {len(files)} files"
        )
    if errors:
        raise typer.Exit(1)


@data_app.command("ingest")
@user_errors
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Home Office workbooks (.xlsx/.ods/.xls).")],
    snapshot: SnapOpt = None,
) -> None:
    """Merge newer Home Office workbooks into the snapshot; newer releases replace older figures."""
    from rich.console import Console

    from visalever.ingest import ingest_files

    _use_snapshot(snapshot)
    result = ingest_files(files)
    Console(stderr=True).print(
        f"[green]ingested[/] {result['rows']:,} observations "
        f"({result['replaced']:,} replaced, {result['added']:,} new) from {len(files)} file(s)"
    )


@data_app.command("revisions")
@user_errors
def revisions(
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="e.g. returns.total (ending in '.' = prefix)")
    ] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="uk|eu|us")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO3 or ALL")] = None,
    period: Annotated[str | None, typer.Option("--period", help="2025, 2025Q1, FY2024")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json|csv")] = "table",
    snapshot: SnapOpt = None,
) -> None:
    """Every figure a newer release changed: old and new value, difference, both releases."""
    from visalever import snapshot as snap

    if fmt not in ("table", "json", "csv"):
        fail(f"--format: unknown format {fmt!r} (table|json|csv)")
    _use_snapshot(snapshot)
    rows = snap.revisions(jurisdiction, country, period, indicator).to_dicts()
    if fmt == "json":
        emit_json(rows)
    elif fmt == "csv":
        emit_csv(rows, snap.REVISION_COLUMNS)
    else:
        # Releases shortened to their data cut-off so the table fits; json/csv carry the full names.
        short = [
            {**r, "old": r["old_release"][:7], "new": r["new_release"][:7], "j": r["jurisdiction"]}
            for r in rows
        ]
        cols = ["j", "iso3", "period", "indicator", "old_value", "new_value", "difference", "old", "new"]
        names = sorted({r["old_release"] for r in rows} | {r["new_release"] for r in rows})
        emit_table(short, cols, title=f"{len(rows)} figures revised by a newer release")
        for name in names:
            print(f"  {name}")


@user_errors
def indicators(
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="uk|eu|us")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO3 or ALL")] = None,
    period: Annotated[str | None, typer.Option("--period", help="2023, 2023Q4, FY2018")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="e.g. returns.enforced")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json|csv")] = "table",
    snapshot: SnapOpt = None,
) -> None:
    """Query observations from the snapshot."""
    from visalever import snapshot as snap

    if fmt not in ("table", "json", "csv"):
        fail(f"--format: unknown format {fmt!r} (table|json|csv)")
    _use_snapshot(snapshot)
    rows = snap.query(jurisdiction, country, period, indicator).to_dicts()
    if fmt == "json":
        emit_json(rows)
    elif fmt == "csv":
        emit_csv(rows, snap.COLUMNS)
    else:
        emit_table(rows, snap.COLUMNS, title=f"{len(rows)} observations")


def register(app: typer.Typer) -> None:
    app.command("countries")(countries)
    app.command("indicators")(indicators)
    app.add_typer(data_app, name="data")
